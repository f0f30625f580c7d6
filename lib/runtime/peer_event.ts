/**
 * The one event union a running node shows its front end. The actor's
 * effects split in two ({@linkcode Effect}): the I/O effects (send, dial,
 * close) the runtime applies itself, and the node events it passes on
 * ({@linkcode RuntimeEvent}). A running peer opens the sealed `direct`
 * boxes among those, so its front end sees {@linkcode PeerEvent}: the node
 * events with each box replaced by the opened message.
 *
 * @module
 */

import type { Effect } from "../actor/effect.ts";
import type { DirectMessageEvent } from "./direct_inbox.ts";

/** The actor's effects the runtime does not apply itself: they go to the front end. */
export type RuntimeEvent = Extract<
  Effect,
  { type: "deliver" | "peer-up" | "peer-down" | "skip" | "direct" | "log" }
>;

/** What a running node tells its front end: the node events, direct boxes opened. */
export type PeerEvent = Exclude<RuntimeEvent, { type: "direct" }> | DirectMessageEvent;

export type { DirectMessageEvent };
