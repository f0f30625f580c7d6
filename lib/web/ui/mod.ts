/**
 * Browser code of the web pages, in TypeScript: each `<name>.main.ts` is
 * bundled by `deno task web:build` into `lib/web/assets/<name>.js`; the
 * modules exported here are the pure, browser-safe parts, tested with
 * `deno test`: the replay timeline of `deno task sim:view`, its keyframe
 * index, and the drawing decisions of its page; the network view's graph
 * model (what each overlay update adds, changes and removes) and the message
 * view's details text.
 *
 * The folder is a workspace member (`lib/web/ui/deno.json`) so that
 * `deno check` checks it with the DOM libraries and everything else without
 * them: checked together, the DOM's stream and fetch types break Deno code
 * elsewhere.
 *
 * @module
 */

export {
  applyStep,
  cloneState,
  emptyState,
  Op,
  OP_WIDTH,
  REPLAY_TIMELINE_FORMAT,
  type ReplayState,
  type ReplayTimeline,
  Status,
  stepsAt,
} from "./replay_timeline.ts";
export {
  REPLAY_KEYFRAME_STEPS_MIN,
  REPLAY_KEYFRAMES_MAX,
  ReplayIndex,
  type ReplayIndexOptions,
} from "./replay_index.ts";
export { fitColumns, groupColumns, REPLAY_LINKS_DRAWN_MAX, sampleLinks } from "./replay_draw.ts";
export {
  type GraphDiff,
  type GraphLink,
  GraphModel,
  type GraphNode,
  isEmptyDiff,
  type NodeState,
  type OverlayObject,
} from "./graph_model.ts";
export {
  detailLines,
  type MessageObject,
  type NameOf,
  type ProvenanceObject,
  type Ref,
  refText,
  timeText,
} from "./message_details.ts";
