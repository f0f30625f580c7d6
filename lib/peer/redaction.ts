/**
 * Edits and deletes: what an amending chat (`amends` set, PROTOCOL.md § 8
 * chat) does to the messages a peer keeps. Every peer delivers an author's
 * messages in sequence order, and an amendment always comes after its target
 * (a higher sequence number of the same author), so applying these rules at
 * delivery gives every peer the same outcome:
 *
 * - an edit replaces the target's text: the target, and the edit before it
 *   (if any), are kept from then on in the redacted form (text removed, hash
 *   kept: still verifiable, same place in causal order); the latest edit by
 *   sequence number wins;
 * - a delete is final: the target and all its edits are redacted, and any
 *   later edit or delete of it is ignored (kept redacted, shown nowhere);
 * - an amendment of an amendment is ignored the same way.
 *
 * @module
 */

import type { Amendment, ChatMessage, PeerId } from "../wire/message.ts";

/** What is known of one amended message. */
interface TargetState {
  deleted: boolean;
  /** Sequence number of the latest edit applied, 0 before any. */
  lastEdit: number;
}

/** The outcome of one amendment at delivery. */
export interface AmendmentOutcome {
  /** Whether it changed what is shown (false: ignored, and itself redacted). */
  readonly applied: boolean;
  /** Sequence numbers of the author whose text is removed now. */
  readonly redact: readonly number[];
}

/** The edits and deletes one peer applied, bounded by `targetsMax` (oldest forgotten first). */
export class Redactions {
  readonly #targetsMax: number;
  readonly #targets = new Map<string, TargetState>();

  /** Remembers at most `targetsMax` amended messages. */
  constructor(targetsMax: number) {
    this.#targetsMax = targetsMax;
  }

  /** Amended messages remembered. */
  get size(): number {
    return this.#targets.size;
  }

  /** Whether `author#seq` was deleted. */
  isDeleted(author: PeerId, seq: number): boolean {
    return this.#targets.get(key(author, seq))?.deleted === true;
  }

  /** Sequence number of the latest edit of `author#seq` (0 when none is known). */
  lastEdit(author: PeerId, seq: number): number {
    return this.#targets.get(key(author, seq))?.lastEdit ?? 0;
  }

  /**
   * Why `author` may not send `amends` now, or `undefined`: the target must
   * be an earlier message of its own (below `nextSeq`), not itself an edit or
   * delete (`targetOf` gives the copy held, if any), and not deleted already.
   */
  problem(
    author: PeerId,
    amends: Amendment,
    nextSeq: number,
    targetOf: (seq: number) => ChatMessage | undefined,
  ): string | undefined {
    if (!Number.isSafeInteger(amends.target) || amends.target < 1 || amends.target >= nextSeq) {
      return nextSeq <= 1
        ? "you have not sent a message yet"
        : `there is no message ${amends.target} of yours (1 to ${nextSeq - 1})`;
    }
    if (this.isDeleted(author, amends.target)) {
      return `message ${amends.target} is deleted already`;
    }
    if (targetOf(amends.target)?.amends !== undefined) {
      return `message ${amends.target} is itself an edit or delete`;
    }
    return undefined;
  }

  /**
   * Applies `message`, an amendment just delivered. `targetOf` gives the held
   * copy of the author's message `seq` (if any), to tell an amendment of an
   * amendment.
   */
  apply(
    message: ChatMessage & { readonly amends: Amendment },
    targetOf: (seq: number) => ChatMessage | undefined,
  ): AmendmentOutcome {
    const { kind, target } = message.amends;
    const k = key(message.author, target);
    const state = this.#targets.get(k);
    if (state?.deleted === true || targetOf(target)?.amends !== undefined) {
      return { applied: false, redact: [message.seq] };
    }
    const redact = [target];
    if (state !== undefined && state.lastEdit > 0) redact.push(state.lastEdit);
    const next: TargetState = kind === "delete"
      ? { deleted: true, lastEdit: 0 }
      : { deleted: false, lastEdit: message.seq };
    this.#remember(k, next);
    return { applied: true, redact };
  }

  /**
   * Whether this peer removed the text of `message` (held redacted) for a
   * reason of its own author: it is an amended target, an edit superseded or
   * of a deleted message, or an amendment of an amendment (`targetOf` gives
   * the held copy of the author's message `seq`). Otherwise it came redacted
   * (a relay withheld the text), and the text may still come.
   */
  explains(message: ChatMessage, targetOf: (seq: number) => ChatMessage | undefined): boolean {
    if (this.#targets.has(key(message.author, message.seq))) return true;
    if (message.amends === undefined) return false;
    const state = this.#targets.get(key(message.author, message.amends.target));
    if (state === undefined) return targetOf(message.amends.target)?.amends !== undefined;
    return state.deleted || state.lastEdit !== message.seq;
  }

  /**
   * Rebuilds the state from restored history (already redacted on disk):
   * `messages` in delivery order.
   */
  restore(messages: Iterable<ChatMessage>): void {
    for (const message of messages) {
      if (message.amends === undefined) continue;
      const k = key(message.author, message.amends.target);
      if (this.#targets.get(k)?.deleted === true) continue;
      this.#remember(
        k,
        message.amends.kind === "delete"
          ? { deleted: true, lastEdit: 0 }
          : { deleted: false, lastEdit: message.seq },
      );
    }
  }

  #remember(k: string, state: TargetState): void {
    this.#targets.delete(k);
    this.#targets.set(k, state);
    while (this.#targets.size > this.#targetsMax) {
      const oldest = this.#targets.keys().next().value!;
      this.#targets.delete(oldest);
    }
  }
}

function key(author: PeerId, seq: number): string {
  return `${author}#${seq}`;
}
