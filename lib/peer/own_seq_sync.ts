/**
 * Own-sequence sync: a peer that lost its database (or the last moments of
 * it) but kept its identity must not give a new message a sequence number
 * it used before — every peer that delivered the old one would drop the new
 * one as a duplicate, silently. So before its first send a peer learns from
 * its neighbours how far they have delivered its own messages: each `have`
 * (the full one a new neighbour sends at once, and lazy ones) carries its
 * entry. The peer is synced once a neighbour sent its full `have` and its
 * own messages up to the highest announced are back (repair brings them),
 * or once `ownSeqSyncTimeoutMs` has passed since the start; the next stamp
 * then starts above everything announced, giving up what did not come back.
 *
 * An announcement is a neighbour's word, not a proof: a hostile neighbour
 * could announce an absurd number to make this peer skip ahead so far that
 * nobody accepts its messages. So an announcement counts at most so far that
 * the next stamp is `seqAheadMax` beyond what this peer delivered (receivers
 * still accept that), and only until the first message is published: a lie
 * costs at most one gap, which receivers close with a `skip` from this peer,
 * never its voice.
 *
 * @module
 */

import type { Have, PeerId } from "../wire/message.ts";
import type { OwnSeqSyncOptions, ResolvedPeerNodeOptions } from "./peer_node_options.ts";

/** The options {@linkcode OwnSeqSync} reads. */
type OwnSeqSyncReads = Pick<ResolvedPeerNodeOptions, keyof OwnSeqSyncOptions | "seqAheadMax">;

/** Learns this peer's own highest sequence number from its neighbours before it sends. */
export class OwnSeqSync {
  readonly #id: PeerId;
  readonly #options: OwnSeqSyncReads;
  readonly #deliveredSeq: () => number;
  /** The highest own sequence number a neighbour announced (capped). */
  #heard = 0;
  #fullHaveSeen = false;
  #deadlineMs = Infinity;
  /** A message was published: announcements are no longer news about lost history. */
  #settled = false;

  /** Sync for peer `id`; `deliveredSeq` says how many of its own messages it has delivered. */
  constructor(id: PeerId, options: OwnSeqSyncReads, deliveredSeq: () => number) {
    this.#id = id;
    this.#options = options;
    this.#deliveredSeq = deliveredSeq;
  }

  /** Starts waiting at `nowMs` (not at all for a new identity). */
  start(nowMs: number): void {
    this.#deadlineMs = this.#options.newIdentity
      ? nowMs
      : nowMs + this.#options.ownSeqSyncTimeoutMs;
  }

  /** When this peer sends even without news from a neighbour. */
  get deadlineMs(): number {
    return this.#deadlineMs;
  }

  /** The highest own sequence number announced by a neighbour (capped at `seqAheadMax` ahead). */
  get heardSeq(): number {
    return this.#heard;
  }

  /** A neighbour's `have`: how far it delivered this peer's own messages. */
  onHave(have: Have): void {
    if (this.#settled) return;
    if (have.full) this.#fullHaveSeen = true;
    const announced = have.clock.get(this.#id);
    if (announced === undefined || announced <= this.#heard) return;
    const capped = this.#deliveredSeq() + this.#options.seqAheadMax - 1;
    this.#heard = Math.max(this.#heard, Math.min(announced, capped));
  }

  /** This peer published a message: from now on it knows its own sequence. */
  settle(): void {
    this.#settled = true;
  }

  /**
   * Whether this peer may stamp a message now without risk of reusing a
   * sequence number, as far as it can know: a new identity, or a neighbour's
   * full `have` came and the own messages it announced are back, or the wait
   * is over.
   */
  isSynced(nowMs: number): boolean {
    if (nowMs >= this.#deadlineMs) return true;
    return this.#fullHaveSeen && this.#deliveredSeq() >= this.#heard;
  }
}
