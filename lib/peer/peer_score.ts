/**
 * Peer scoring: each identity that broke the rules carries a penalty that
 * decays with a half-life; past a threshold it is disconnected and backed
 * off (not dialled, its joins refused) for a while. Offences are reported by
 * the runtime (protocol errors, floods, forged signatures) and by the peer
 * itself (broken promises). Sans-I/O: time comes in as `nowMs`.
 *
 * Modelled on gossipsub v1.1's peer score, kept to penalties only: a score
 * never rises above zero, so good behaviour cannot be banked to pay for
 * later attacks.
 *
 * @module
 */

import type { Offence } from "../actor/offence.ts";
import type { PeerId } from "../wire/message.ts";

export { type Offence, OFFENCES } from "../actor/offence.ts";

/** The penalty of each offence by default (PROTOCOL.md, Limits). */
export const OFFENCE_PENALTIES: Readonly<Record<Offence, number>> = Object.freeze({
  "protocol-error": 500,
  flood: 500,
  forgery: 250,
  "broken-promise": 100,
});

/** Options of {@linkcode PeerScore}. */
export interface PeerScoreOptions {
  /** Penalty at which an identity is disconnected and backed off. Default 1 000. */
  readonly penaltyThreshold: number;
  /** Time in which a penalty halves. Default 60 000 ms. */
  readonly penaltyHalfLifeMs: number;
  /** How long a backed-off identity is neither dialled nor let in. Default 300 000 ms. */
  readonly misbehaviourBackoffMs: number;
  /** Identities scored at once; past it the one with the least penalty is forgotten. Default 1 024. */
  readonly scoredPeersMax: number;
  /** Penalty per offence. Default {@linkcode OFFENCE_PENALTIES}. */
  readonly penalties?: Readonly<Record<Offence, number>>;
}

interface Entry {
  /** Penalty as of `atMs`. */
  penalty: number;
  atMs: number;
  /** Backed off until then (0: not backed off). */
  backedOffUntilMs: number;
}

/**
 * Penalties per identity, with decay and back-off.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PeerScore } from "./peer_score.ts";
 * const score = new PeerScore({
 *   penaltyThreshold: 1_000,
 *   penaltyHalfLifeMs: 60_000,
 *   misbehaviourBackoffMs: 300_000,
 *   scoredPeersMax: 1_024,
 * });
 * assert.equal(score.penalise("aa".repeat(32), "flood", 0), false);
 * assert.equal(score.penalise("aa".repeat(32), "flood", 0), true); // 1 000: backed off
 * assert.equal(score.isBackedOff("aa".repeat(32), 299_999), true);
 * assert.equal(score.isBackedOff("aa".repeat(32), 300_000), false);
 * ```
 */
export class PeerScore {
  readonly #options: PeerScoreOptions;
  readonly #penalties: Readonly<Record<Offence, number>>;
  readonly #entries = new Map<PeerId, Entry>();

  /** No identity penalised yet. */
  constructor(options: PeerScoreOptions) {
    this.#options = options;
    this.#penalties = options.penalties ?? OFFENCE_PENALTIES;
  }

  /** Identities with a penalty or a back-off on record. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Adds the penalty of `offence` to `id`; returns true when this crosses the
   * threshold (the caller disconnects it): it is then backed off, and its
   * penalty starts again from zero.
   */
  penalise(id: PeerId, offence: Offence, nowMs: number): boolean {
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      this.#makeRoom(nowMs);
      entry = { penalty: 0, atMs: nowMs, backedOffUntilMs: 0 };
      this.#entries.set(id, entry);
    }
    entry.penalty = this.#decayed(entry, nowMs) + this.#penalties[offence];
    entry.atMs = nowMs;
    if (entry.penalty < this.#options.penaltyThreshold) return false;
    entry.penalty = 0;
    entry.backedOffUntilMs = nowMs + this.#options.misbehaviourBackoffMs;
    return true;
  }

  /** The penalty of `id` now (0 when it never misbehaved). */
  penalty(id: PeerId, nowMs: number): number {
    const entry = this.#entries.get(id);
    return entry === undefined ? 0 : this.#decayed(entry, nowMs);
  }

  /** Whether `id` is backed off: not to be dialled, its joins refused. */
  isBackedOff(id: PeerId, nowMs: number): boolean {
    const until = this.#entries.get(id)?.backedOffUntilMs ?? 0;
    return until > nowMs;
  }

  /** Forgets identities whose penalty has decayed to nothing and whose back-off is over. */
  expire(nowMs: number): void {
    for (const [id, entry] of this.#entries) {
      if (entry.backedOffUntilMs <= nowMs && this.#decayed(entry, nowMs) < 1) {
        this.#entries.delete(id);
      }
    }
  }

  #decayed(entry: Entry, nowMs: number): number {
    const elapsed = Math.max(0, nowMs - entry.atMs);
    return entry.penalty * 0.5 ** (elapsed / this.#options.penaltyHalfLifeMs);
  }

  /**
   * At the cap, forgets the least-penalised identity that is not backed off
   * (else the one whose back-off ends first): a stream of fresh identities
   * cannot push a backed-off one out cheaply.
   */
  #makeRoom(nowMs: number): void {
    if (this.#entries.size < this.#options.scoredPeersMax) return;
    this.expire(nowMs);
    if (this.#entries.size < this.#options.scoredPeersMax) return;
    let victim: PeerId | undefined;
    let least = Infinity;
    for (const [id, entry] of this.#entries) {
      const weight = entry.backedOffUntilMs > nowMs
        ? this.#options.penaltyThreshold + entry.backedOffUntilMs - nowMs
        : this.#decayed(entry, nowMs);
      if (weight < least) {
        least = weight;
        victim = id;
      }
    }
    if (victim !== undefined) this.#entries.delete(victim);
  }
}
