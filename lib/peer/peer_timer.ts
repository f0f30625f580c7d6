/**
 * The peer's timers, in the order they fire when due at the same time.
 *
 * @module
 */

import type { TimerTable } from "../actor/timer_table.ts";
import type { Random } from "../random/random.ts";
import { jitter } from "./_support.ts";
import type { ResolvedPeerNodeOptions } from "./peer_node_options.ts";

/**
 * Every timer of a peer, in firing order. The order is behaviour: e.g. the
 * indirect probe of the ending period is sent before the probe timer closes
 * that period, and heartbeats are judged before a gossip round dials.
 */
export const PEER_TIMERS = [
  /** Registration with the bootstraps (and the address book while isolated). */
  "register",
  /** Pings for quiet connections; closes silent ones. */
  "heartbeat",
  /** Peer-list pull from a random neighbour, active view upkeep, expiries. */
  "gossip",
  /** The direct probe of this period went unanswered: ask others. */
  "indirect-probe",
  /** The end of one SWIM period and the start of the next. */
  "probe-period",
  /** Lazy `have` announcements and pulls of what never came. */
  "lazy",
  /** A dial to a recently dead member, to heal partitions. */
  "reconnect",
  /** Swapping one neighbour for a random non-neighbour. */
  "rewire",
  /** Anti-entropy: a full `have` to a random neighbour. */
  "sync",
] as const;

/** One of {@linkcode PEER_TIMERS}. */
export type PeerTimer = typeof PEER_TIMERS[number];

/** Sets every periodic timer's first deadline; `register` fires at once. */
export function startPeerTimers(
  timers: TimerTable<PeerTimer>,
  options: ResolvedPeerNodeOptions,
  random: Random,
  nowMs: number,
): void {
  // The jitter draws come in this order; it is part of the behaviour.
  timers.set("gossip", nowMs + jitter(options.gossipIntervalMs, random));
  timers.set("heartbeat", nowMs + options.heartbeatIntervalMs);
  timers.set("probe-period", nowMs + jitter(options.probeIntervalMs, random));
  timers.set("sync", nowMs + jitter(options.syncIntervalMs, random));
  timers.set("rewire", nowMs + jitter(options.mixIntervalMs, random));
  timers.set("reconnect", nowMs + jitter(options.reconnectIntervalMs, random));
  timers.set("register", nowMs);
}
