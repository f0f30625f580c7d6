/**
 * The one event union a running node shows its front end. The actor's
 * effects split in two (`lib/actor/effect.ts`): the I/O effects (send, dial,
 * close) the runtime applies itself, and the node events it passes on
 * ({@linkcode RuntimeEvent}, the same union as the actor's `NodeEvent`). A
 * running peer opens the sealed `direct` boxes among those, so its front end
 * sees {@linkcode PeerEvent}: the node events with each box replaced by the
 * opened message.
 *
 * @module
 */

import type { NodeEvent } from "../actor/effect.ts";
import type { DirectMessageEvent } from "./direct_inbox.ts";
import type { ReachabilityEvent } from "../nat/reachability.ts";

/** The actor's effects the runtime does not apply itself: they go to the front end. */
export type RuntimeEvent = NodeEvent;

/**
 * The peer cannot go on, and retrying would not help: the front end says
 * `text` once and the program exits with the misuse code (2). Today only a
 * wrong room secret (`wrong_secret_watch.ts`).
 */
export interface FatalEvent {
  /** Always `"fatal"`. */
  readonly type: "fatal";
  /** Why, for code: `"wrong-secret"`. */
  readonly reason: "wrong-secret";
  /** Why, for people. */
  readonly text: string;
}

/** What a running node tells its front end: the node events, direct boxes opened. */
export type PeerEvent =
  | Exclude<RuntimeEvent, { type: "direct" }>
  | DirectMessageEvent
  | FatalEvent
  | ReachabilityEvent;

export type { DirectMessageEvent, ReachabilityEvent };
