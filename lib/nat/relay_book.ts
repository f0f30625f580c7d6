/**
 * What a relay has agreed to (PROTOCOL.md § Relays): which peers hold a
 * reservation, which streams wait for their target and which are carried,
 * and whom it has dialled back lately. Pure: time comes in as `nowMs`,
 * tokens from an injected source, so every limit is tested without sockets.
 *
 * @module
 */

import type { PeerId } from "../wire/message.ts";

/** A relay's limits; each is a flag of `--relay` (README § Relays). */
export interface RelayLimits {
  /** Peers holding a reservation at once. Default 32. */
  readonly reservationsMax: number;
  /** Streams carried (or waiting for their target) at once. Default 64. */
  readonly linksMax: number;
  /** Bytes per second one stream may carry, each way. Default 128 KiB. */
  readonly linkBytesPerSecondMax: number;
  /** Bytes one stream may carry in all, both ways. Default 64 MiB. */
  readonly linkBytesMax: number;
  /** How long one stream may last; the peers then open another. Default 1 h. */
  readonly linkDurationMsMax: number;
  /**
   * When every stream slot is taken, one that has carried nothing for this
   * long (a punched link's fallback, say) is closed to make room. Default 1 min.
   */
  readonly linkIdleMs: number;
  /** How long a reservation holds unless renewed (peers renew at half). Default 2 min. */
  readonly reservationTtlMs: number;
  /** How long a stream waits for its target to accept it. Default 5 s. */
  readonly acceptTimeoutMs: number;
  /** Dial-backs to one host and port: at most one per this long. Default 30 s. */
  readonly dialBackIntervalMs: number;
  /** Dial-backs under way at once. Default 8. */
  readonly dialBacksInFlightMax: number;
}

/** The limits a relay uses unless told otherwise. */
export const DEFAULT_RELAY_LIMITS: RelayLimits = Object.freeze({
  reservationsMax: 32,
  linksMax: 64,
  linkBytesPerSecondMax: 128 * 1024,
  linkBytesMax: 64 * 1024 * 1024,
  linkDurationMsMax: 60 * 60 * 1000,
  linkIdleMs: 60 * 1000,
  reservationTtlMs: 2 * 60 * 1000,
  acceptTimeoutMs: 5_000,
  dialBackIntervalMs: 30_000,
  dialBacksInFlightMax: 8,
});

/** Hosts remembered for the dial-back interval. */
const DIAL_BACK_HOSTS_MAX = 4096;

/** An answer: yes with a value, or no with a reason the asker is told. */
export type Verdict<T> = { readonly ok: true; readonly value: T } | {
  readonly ok: false;
  readonly reason: string;
};

/** A carried stream as the book keeps it: when it last carried a byte (the relay updates it). */
export interface CarriedLink {
  lastActiveMs: number;
}

/** A stream waiting for its target's `accept`. */
interface PendingLink<S> {
  readonly target: PeerId;
  readonly expiresMs: number;
  readonly dialer: S;
}

/**
 * The relay's ledger. `R` is how the runtime reaches a reservation holder
 * (its control connection), `S` a waiting dialer.
 */
export class RelayBook<R, S> {
  readonly #limits: RelayLimits;
  readonly #newToken: () => string;
  readonly #reservations = new Map<PeerId, { holder: R; expiresMs: number }>();
  readonly #pending = new Map<string, PendingLink<S>>();
  readonly #lastDialBack = new Map<string, number>();
  readonly #carried = new Set<CarriedLink>();
  #dialBacksInFlight = 0;

  /** A book under `limits`; `newToken` makes unguessable stream tokens (hex). */
  constructor(limits: RelayLimits, newToken: () => string) {
    this.#limits = limits;
    this.#newToken = newToken;
  }

  /** The limits in force. */
  get limits(): RelayLimits {
    return this.#limits;
  }

  /** Reservations held now. */
  get reservationCount(): number {
    return this.#reservations.size;
  }

  /** Streams carried or waiting now. */
  get linkCount(): number {
    return this.#carried.size + this.#pending.size;
  }

  /**
   * Reserves (or renews) a slot for `id` held by `holder`; a new holder for
   * the same id replaces the old one (returned, for the caller to close).
   */
  reserve(id: PeerId, holder: R, nowMs: number): Verdict<{ ttlMs: number; replaced?: R }> {
    this.#expire(nowMs);
    const known = this.#reservations.get(id);
    if (known === undefined && this.#reservations.size >= this.#limits.reservationsMax) {
      return { ok: false, reason: `relay full: ${this.#limits.reservationsMax} reservations` };
    }
    const ttlMs = this.#limits.reservationTtlMs;
    this.#reservations.set(id, { holder, expiresMs: nowMs + ttlMs });
    const replaced = known !== undefined && known.holder !== holder ? known.holder : undefined;
    return { ok: true, value: replaced === undefined ? { ttlMs } : { ttlMs, replaced } };
  }

  /** `holder` let its reservation go (its connection closed). */
  release(id: PeerId, holder: R): void {
    if (this.#reservations.get(id)?.holder === holder) this.#reservations.delete(id);
  }

  /**
   * Opens a stream to `target` for `dialer`: the token its target must
   * accept, whom to tell, and, when the relay was full, the idle stream that
   * gives way (no longer counted here; the caller closes it).
   */
  open(
    target: PeerId,
    dialer: S,
    nowMs: number,
  ): Verdict<{ token: string; holder: R; evicted?: CarriedLink }> {
    this.#expire(nowMs);
    const reservation = this.#reservations.get(target);
    if (reservation === undefined) {
      return { ok: false, reason: `no reservation for ${target.slice(0, 8)}` };
    }
    let evicted: CarriedLink | undefined;
    if (this.linkCount >= this.#limits.linksMax) {
      evicted = this.#idlest(nowMs);
      if (evicted === undefined) {
        return { ok: false, reason: `relay full: ${this.#limits.linksMax} links` };
      }
      this.#carried.delete(evicted);
    }
    const token = this.#newToken();
    this.#pending.set(token, { target, dialer, expiresMs: nowMs + this.#limits.acceptTimeoutMs });
    const value = { token, holder: reservation.holder };
    return { ok: true, value: evicted === undefined ? value : { ...value, evicted } };
  }

  /** The carried stream idle longest, if it has been idle `linkIdleMs` at least. */
  #idlest(nowMs: number): CarriedLink | undefined {
    let idlest: CarriedLink | undefined;
    for (const link of this.#carried) {
      if (idlest === undefined || link.lastActiveMs < idlest.lastActiveMs) idlest = link;
    }
    return idlest !== undefined && nowMs - idlest.lastActiveMs >= this.#limits.linkIdleMs
      ? idlest
      : undefined;
  }

  /**
   * `id` accepts the stream `token`: the waiting dialer and the stream, now
   * carried, or undefined when the token is unknown, expired or meant for
   * another peer.
   */
  accept(
    token: string,
    id: PeerId | undefined,
    nowMs: number,
  ): { dialer: S; link: CarriedLink } | undefined {
    this.#expire(nowMs);
    const pending = this.#pending.get(token);
    if (pending === undefined || (id !== undefined && pending.target !== id)) return undefined;
    this.#pending.delete(token);
    const link = { lastActiveMs: nowMs };
    this.#carried.add(link);
    return { dialer: pending.dialer, link };
  }

  /** The stream `token` was never accepted: forget it (its dialer was refused). */
  abandon(token: string): void {
    this.#pending.delete(token);
  }

  /** A carried stream ended (a no-op for one already evicted). */
  closeLink(link: CarriedLink): void {
    this.#carried.delete(link);
  }

  /**
   * Whether to dial `target` (a host and port) back now; if so,
   * `dialBackDone` must follow.
   */
  admitDialBack(target: string, nowMs: number): Verdict<undefined> {
    const last = this.#lastDialBack.get(target);
    if (last !== undefined && nowMs - last < this.#limits.dialBackIntervalMs) {
      return { ok: false, reason: `one dial-back per ${this.#limits.dialBackIntervalMs} ms` };
    }
    if (this.#dialBacksInFlight >= this.#limits.dialBacksInFlightMax) {
      return { ok: false, reason: "too many dial-backs under way" };
    }
    // Only the window matters: hosts dialled back longer ago are forgotten.
    if (this.#lastDialBack.size >= DIAL_BACK_HOSTS_MAX) this.#forgetOldDialBacks(nowMs);
    if (this.#lastDialBack.size >= DIAL_BACK_HOSTS_MAX) {
      return { ok: false, reason: "too many hosts asked for dial-backs lately" };
    }
    this.#dialBacksInFlight++;
    this.#lastDialBack.set(target, nowMs);
    return { ok: true, value: undefined };
  }

  /** A dial-back admitted by `admitDialBack` ended. */
  dialBackDone(): void {
    if (this.#dialBacksInFlight > 0) this.#dialBacksInFlight--;
  }

  #forgetOldDialBacks(nowMs: number): void {
    for (const [host, at] of this.#lastDialBack) {
      if (nowMs - at >= this.#limits.dialBackIntervalMs) this.#lastDialBack.delete(host);
    }
  }

  #expire(nowMs: number): void {
    for (const [id, reservation] of this.#reservations) {
      if (reservation.expiresMs <= nowMs) this.#reservations.delete(id);
    }
    for (const [token, pending] of this.#pending) {
      if (pending.expiresMs <= nowMs) this.#pending.delete(token);
    }
  }
}
