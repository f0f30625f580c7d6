/**
 * The contract between a sans-I/O actor and whatever drives it: the
 * {@linkcode Actor} interface, the {@linkcode Effect}s it asks for (I/O
 * effects and node events), and the {@linkcode TimerTable} its deadlines
 * live in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Effect, type IoEffect, TimerTable } from "./mod.ts";
 * const isIo = (e: Effect): e is IoEffect => e.type === "send" || e.type === "dial" || e.type === "close";
 * assert.equal(isIo({ type: "dial", conn: 1, addr: "127.0.0.1:9000" }), true);
 * const timers = new TimerTable(["tick"] as const);
 * timers.set("tick", 5);
 * assert.equal(timers.nextDeadlineMs(), 5);
 * ```
 *
 * @module
 */

export type { Actor } from "./actor.ts";
export type {
  CloseEffect,
  ConnectivityEffect,
  ConnId,
  DeliverEffect,
  DialEffect,
  DirectEffect,
  Effect,
  IoEffect,
  LogEffect,
  MessageStateEffect,
  NickEffect,
  NodeEvent,
  PeerDownCause,
  PeerDownEffect,
  PeerUpEffect,
  SendEffect,
  SkipEffect,
} from "./effect.ts";
export { type Offence, OFFENCES } from "./offence.ts";
export { TimerTable } from "./timer_table.ts";
