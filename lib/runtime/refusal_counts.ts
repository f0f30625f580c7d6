/**
 * Connections the shell refused or lost before any message: handshakes that
 * failed (by direction and reason) and limits that were hit (by limiter), for
 * `/metrics`. Both label sets are fixed enums, so a scrape carries at most
 * 2 × 7 handshake series and 4 limiter series whatever the remote sends.
 *
 * @module
 */

import { HandshakeError } from "../secure/noise_handshake.ts";

/** Why a handshake failed: the wire's own reasons, a timeout, or `other` (anything else). */
export const HANDSHAKE_FAILURE_REASONS = [
  "different-room",
  "wrong-secret",
  "bad-identity",
  "malformed",
  "closed",
  "timeout",
  "other",
] as const;

/** One of {@linkcode HANDSHAKE_FAILURE_REASONS}. */
export type HandshakeFailureReason = typeof HANDSHAKE_FAILURE_REASONS[number];

/** Which side started the connection whose handshake failed. */
export type HandshakeDirection = "inbound" | "outbound";

/**
 * The limits whose refusals are counted: a connection closed for sending too
 * many messages or bytes a second (`messagesPerSecondMax`, `bytesPerSecondMax`),
 * or an inbound connection refused at accept (`connectionsMax`,
 * `connectionsPerAddressMax`).
 */
export const LIMITERS = [
  "messages_per_second",
  "bytes_per_second",
  "connections",
  "connections_per_address",
] as const;

/** One of {@linkcode LIMITERS}. */
export type Limiter = typeof LIMITERS[number];

/** The reason label of a failed handshake's error; `other` when it is none of the known ones. */
export function handshakeFailureReason(error: unknown): HandshakeFailureReason {
  if (error instanceof HandshakeError) {
    const failure: string = error.failure;
    return (HANDSHAKE_FAILURE_REASONS as readonly string[]).includes(failure)
      ? failure as HandshakeFailureReason
      : "other";
  }
  if (error instanceof Error && /timed out/.test(error.message)) return "timeout";
  return "other";
}

/** Counts of failed handshakes and limit refusals; every label starts at zero. */
export class RefusalCounts {
  /** Failed handshakes, by `direction` then reason. */
  readonly handshakeFailures: ReadonlyMap<
    HandshakeDirection,
    Map<HandshakeFailureReason, number>
  > = new Map(
    (["inbound", "outbound"] as const).map((direction) => [
      direction,
      new Map(HANDSHAKE_FAILURE_REASONS.map((reason) => [reason, 0])),
    ]),
  );
  /** Connections refused or closed because a limit was hit, by limiter. */
  readonly limitRefusals: Map<Limiter, number> = new Map(LIMITERS.map((l) => [l, 0]));

  /** Counts one handshake that failed with `error`. */
  countHandshakeFailure(direction: HandshakeDirection, error: unknown): void {
    const byReason = this.handshakeFailures.get(direction)!;
    const reason = handshakeFailureReason(error);
    byReason.set(reason, byReason.get(reason)! + 1);
  }

  /** Counts one connection refused or closed by `limiter`. */
  countLimitRefusal(limiter: Limiter): void {
    this.limitRefusals.set(limiter, this.limitRefusals.get(limiter)! + 1);
  }
}
