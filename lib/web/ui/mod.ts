/**
 * Browser code of the web pages, in TypeScript: each `<name>.main.ts` is
 * bundled by `deno task web:build` into `lib/web/assets/<name>.js`; the
 * modules exported here are the pure, browser-safe parts, tested with
 * `deno test`: the network view's graph model (what each overlay update
 * adds, changes and removes) and the message view's details text.
 *
 * @module
 */

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
