/**
 * Disk before network: what a peer's runtime step delivered, skipped and
 * learned is committed to its store before anything that step sent reaches
 * a socket. Once a write fails the peer stops sending — a message it could
 * not record might get its sequence number reused after a restart — while
 * receiving goes on.
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

  /** Records into `store`; `onFailure` hears of the first failed write, once. */
  constructor(store: PeerStore, onFailure: (error: Error) => void) {
    this.#store = store;
    this.#onFailure = onFailure;
  }

  /** The first write that failed, if any: sending is off from then on. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Commits what one step delivered, skipped and saw, with the incarnation it ran at. */
  record(events: readonly RuntimeEvent[], incarnation: number): void {
    if (this.#failure !== undefined) return;
    try {
      this.#store.record({ ...stepRecord(events), incarnation });
    } catch (error) {
      this.#failure = error as Error;
      this.#onFailure(this.#failure);
    }
  }
}

/** What the store keeps of one runtime step. */
function stepRecord(
  events: readonly RuntimeEvent[],
): Omit<Parameters<PeerStore["record"]>[0], "incarnation"> {
  const delivered: ChatMessage[] = [];
  const skipped: { author: string; seq: number }[] = [];
  const seen: { id: string; addr: string }[] = [];
  for (const event of events) {
    if (event.type === "deliver") delivered.push(event.message);
    else if (event.type === "skip") skipped.push({ author: event.author, seq: event.seq });
    else if (event.type === "address-proven") seen.push({ id: event.id, addr: event.addr });
  }
  return { delivered, skipped, seen };
}
