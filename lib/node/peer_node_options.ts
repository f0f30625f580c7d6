/**
 * Every knob of a peer, each with its default and unit in the name.
 *
 * @module
 */

import type { Random } from "../random/random.ts";

/** Options of {@linkcode PeerNode}; only identity, address and randomness are required. */
export interface PeerNodeOptions {
  /** This peer's id (hex of its public key). */
  id: string;
  /** The `host:port` other peers dial to reach this one. */
  addr: string;
  /** Display name sent with each message. */
  nick: string;
  /** The source of every random choice; seeded in simulations. */
  random: Random;
  /** Bootstrap addresses to register with. Default none. */
  bootstraps?: readonly string[];
  /** How many random live peers a `register` is answered with. Default 2. */
  registerSampleSize?: number;
  /** Pause between peer-list pulls from a random neighbour. Default 500 ms. */
  gossipIntervalMs?: number;
  /** Pause between registrations with each bootstrap. Default 20 000 ms. */
  registerIntervalMs?: number;
  /** Retry pause while no bootstrap has answered yet. Default 2 000 ms. */
  registerRetryMs?: number;
  /** A connection silent on our side this long gets a ping. Default 1 000 ms. */
  heartbeatIntervalMs?: number;
  /** A connection silent on their side this long is presumed failed. Default 5 000 ms. */
  heartbeatTimeoutMs?: number;
  /** Most open peer connections, both directions together. Default 8. */
  connectionsMax?: number;
  /** Most outbound dials in flight at once. Default 4. */
  dialsInFlightMax?: number;
  /** Most members remembered, tombstones included. Default 10 000. */
  membersMax?: number;
  /** How long a dead member is remembered. Default 60 000 ms. */
  deadRetentionMs?: number;
  /** Most entries in a peer list we send; 200 keeps even maximal addresses inside one frame. Default 200. */
  peersPerMessageMax?: number;
  /** Most chat messages held back waiting for their causes. Default 10 000. */
  holdBackMessagesMax?: number;
  /** Most held-back messages of one author. Default 1 000. */
  holdBackPerAuthorMax?: number;
  /** How far an author's sequence number may run ahead of what was delivered. Default 1 000. */
  seqAheadMax?: number;
}

/** {@linkcode PeerNodeOptions} with every default filled in. */
export type ResolvedPeerNodeOptions = Required<PeerNodeOptions>;

/** Fills in the defaults and checks every value. */
export function resolvePeerNodeOptions(options: PeerNodeOptions): ResolvedPeerNodeOptions {
  const resolved: ResolvedPeerNodeOptions = {
    bootstraps: [],
    registerSampleSize: 2,
    gossipIntervalMs: 500,
    registerIntervalMs: 20_000,
    registerRetryMs: 2_000,
    heartbeatIntervalMs: 1_000,
    heartbeatTimeoutMs: 5_000,
    connectionsMax: 8,
    dialsInFlightMax: 4,
    membersMax: 10_000,
    deadRetentionMs: 60_000,
    peersPerMessageMax: 200,
    holdBackMessagesMax: 10_000,
    holdBackPerAuthorMax: 1_000,
    seqAheadMax: 1_000,
    ...(stripUndefined(options) as PeerNodeOptions),
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value === "number" && !(Number.isSafeInteger(value) && value >= 1)) {
      throw new RangeError(`Invalid peer option: ${name} must be a positive integer, got ${value}`);
    }
  }
  if (resolved.heartbeatTimeoutMs <= resolved.heartbeatIntervalMs) {
    throw new RangeError(
      `Invalid peer option: heartbeatTimeoutMs (${resolved.heartbeatTimeoutMs}) must exceed heartbeatIntervalMs (${resolved.heartbeatIntervalMs})`,
    );
  }
  return resolved;
}

/** Drops keys whose value is `undefined`, so they do not override defaults. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
