/**
 * Where this peer's own chat messages stand, for a front end that shows
 * it next to each line: `queued` (published while no neighbour link was
 * up), `sent` (handed to at least one neighbour link), `seen` (a neighbour
 * announced it holds it). The cheapest honest signal of `seen` is already
 * on the wire: a neighbour's `have` whose clock covers our sequence number
 * (it delivered the message, or its history skipped past it). Each state is
 * emitted at most once per message, and only for messages of this session.
 *
 * @module
 */

import type { Effect } from "../actor/effect.ts";
import type { VectorClock } from "../causal/vector_clock.ts";
import type { PeerId } from "../wire/message.ts";

/** Queued own messages remembered until one goes out; past it the oldest are forgotten (never shown `sent`). */
export const OWN_QUEUED_TRACKED_MAX = 10_000;

/** The state of this peer's own messages of this session. */
export class OwnMessageStates {
  readonly #id: PeerId;
  readonly #emit: (effect: Effect) => void;
  /** The first own seq published in this session (earlier ones belong to another life). */
  #firstSeq: number | undefined;
  #publishedSeq = 0;
  #seenSeq = 0;
  /** Published while alone, not yet handed to a link: oldest first. */
  readonly #queued = new Set<number>();

  /** States of the messages `id` publishes, reported through `emit`. */
  constructor(id: PeerId, emit: (effect: Effect) => void) {
    this.#id = id;
    this.#emit = emit;
  }

  /**
   * Own message `seq` was just published; `effects` are those its
   * publication produced (the sends of the message, if any link was up).
   */
  onPublished(seq: number, effects: readonly Effect[]): void {
    this.#firstSeq ??= seq;
    this.#publishedSeq = Math.max(this.#publishedSeq, seq);
    if (effects.some((e) => this.#isOwnChat(e, seq))) {
      this.#emit({ type: "message-state", seq, state: "sent" });
      return;
    }
    this.#queued.add(seq);
    if (this.#queued.size > OWN_QUEUED_TRACKED_MAX) {
      this.#queued.delete(this.#queued.values().next().value!);
    }
    this.#emit({ type: "message-state", seq, state: "queued" });
  }

  /** Looks through a batch of effects for queued own messages that went out at last (a repair to a new neighbour). */
  onEffects(effects: readonly Effect[]): void {
    if (this.#queued.size === 0) return;
    for (const effect of effects) {
      if (effect.type !== "send" || effect.message.type !== "chat") continue;
      const message = effect.message.message;
      if (message.author !== this.#id || !this.#queued.delete(message.seq)) continue;
      this.#emit({ type: "message-state", seq: message.seq, state: "sent" });
    }
  }

  /** A neighbour's `have` clock: own messages of this session it covers are seen. */
  onHave(clock: VectorClock): void {
    if (this.#firstSeq === undefined) return;
    const upTo = Math.min(clock.get(this.#id) ?? 0, this.#publishedSeq);
    for (let seq = Math.max(this.#seenSeq + 1, this.#firstSeq); seq <= upTo; seq++) {
      this.#queued.delete(seq);
      this.#emit({ type: "message-state", seq, state: "seen" });
    }
    this.#seenSeq = Math.max(this.#seenSeq, upTo);
  }

  #isOwnChat(effect: Effect, seq: number): boolean {
    return effect.type === "send" && effect.message.type === "chat" &&
      effect.message.message.author === this.#id && effect.message.message.seq === seq;
  }
}
