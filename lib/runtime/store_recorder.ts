/**
 * Disk before network: a peer's own message is committed (signed) before it
 * is published at all ({@linkcode StoreRecorder.commitOwn}), and what a
 * runtime step delivered, skipped and learned is committed to its store
 * before anything that step sent reaches a socket. Once a write fails the
 * peer stops sending until a restart (the store no longer knows all it
 * delivered), while receiving goes on.
 *
 * @module
 */

import type { ChatMessage } from "../wire/message.ts";
import type { PeerStore } from "../store/peer_store.ts";
import type { RuntimeEvent } from "./peer_event.ts";

/** Records runtime steps into a store and remembers the first failure. */
export class StoreRecorder {
  readonly #store: PeerStore;
  readonly #onFailure: (error: Error) => void;
  #failure: Error | undefined;
  /** Own messages committed by `commitOwn`: their delivery need not be written again. */
  readonly #committed = new WeakSet<ChatMessage>();

  /** Records into `store`; `onFailure` hears of the first failed write, once. */
  constructor(store: PeerStore, onFailure: (error: Error) => void) {
    this.#store = store;
    this.#onFailure = onFailure;
  }

  /** The first write that failed, if any: sending is off from then on. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /**
   * Commits this peer's own message, signed, in a transaction of its own,
   * before anything of it is published.
   *
   * @throws {Error} "Cannot send: writing to the data directory failed
   * (<SQLite's reason>)" if it, or an earlier write, failed: then nothing of
   * the message may be published.
   */
  commitOwn(message: ChatMessage): void {
    this.throwIfFailed();
    try {
      this.#store.record({ delivered: [message] });
    } catch (error) {
      this.#fail(error as Error);
      this.throwIfFailed();
    }
    this.#committed.add(message);
  }

  /** Commits what one step delivered, skipped and saw, with the incarnation it ran at. */
  record(events: readonly RuntimeEvent[], incarnation: number): void {
    if (this.#failure !== undefined) return;
    try {
      this.#store.record({ ...stepRecord(events, this.#committed), incarnation });
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  /**
   * Throws the error every send gets once a write has failed: "Cannot send:
   * writing to the data directory failed (<SQLite's reason>)".
   */
  throwIfFailed(): void {
    if (this.#failure === undefined) return;
    throw new Error(
      `Cannot send: writing to the data directory failed (${this.#failure.message})`,
      { cause: this.#failure },
    );
  }

  #fail(error: Error): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#onFailure(error);
  }
}

/** What the store keeps of one runtime step. */
function stepRecord(
  events: readonly RuntimeEvent[],
  committed: WeakSet<ChatMessage>,
): Omit<Parameters<PeerStore["record"]>[0], "incarnation"> {
  const delivered: ChatMessage[] = [];
  const skipped: { author: string; seq: number }[] = [];
  const seen: { id: string; addr: string }[] = [];
  const heard: { id: string; addr: string }[] = [];
  const redacted: ChatMessage[] = [];
  for (const event of events) {
    if (event.type === "deliver") {
      if (!committed.has(event.message)) delivered.push(event.message);
    } else if (event.type === "skip") skipped.push({ author: event.author, seq: event.seq });
    else if (event.type === "address-proven") seen.push({ id: event.id, addr: event.addr });
    else if (event.type === "peer-up") heard.push({ id: event.id, addr: event.addr });
    // Either way the stored row is rewritten in the form the peer now keeps.
    else if (event.type === "redact" || event.type === "text-arrived") {
      redacted.push(event.message);
    }
  }
  return { delivered, skipped, seen, heard, redacted };
}
