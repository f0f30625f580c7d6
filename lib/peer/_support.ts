/**
 * Small helpers shared by the peer's sub-machines (private to `lib/peer/`).
 *
 * @module
 */

import type { LogEffect, NodeEvent } from "../actor/effect.ts";
import type { Random } from "../random/random.ts";
import type { PeerId } from "../wire/message.ts";

/** Raises a node event; the sub-machines other than `Links` emit only these. */
export type EmitEvent = (event: NodeEvent) => void;

/** A log line as a node event. */
export function logEvent(level: LogEffect["level"], text: string): LogEffect {
  return { type: "log", level, text };
}

/** The first 8 hex digits of an id: enough to tell peers apart in logs. */
export function shortId(id: PeerId): string {
  return id.slice(0, 8);
}

/** `ms` ± 10 %, so that peers do not fall into lockstep. */
export function jitter(ms: number, random: Random): number {
  return ms * (0.9 + 0.2 * random.float());
}
