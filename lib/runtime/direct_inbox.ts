/**
 * The direct-message inbox of a running peer: the actor hands over sealed
 * boxes addressed here; the inbox opens them (an X25519 agreement and a
 * signature check each) with a bound on how many open at once, and shows a
 * box once however often a relay replays it.
 *
 * @module
 */

import type { Identity } from "../identity/identity.ts";
import { directBoxId, type DirectMessage, openDirect } from "../secure/direct_message.ts";

/** Direct messages remembered to drop replays. */
export const OPENED_BOXES_MAX = 4_096;

/** Direct messages being opened at once; more are dropped (each costs an X25519 and a verify). */
export const OPENING_BOXES_MAX = 64;

/** A direct message for this peer, opened and verified. */
export interface DirectMessageEvent extends DirectMessage {
  /** The kind of event. */
  readonly type: "direct-message";
}

/** Where the inbox reports: opened messages, and why a box was dropped. */
export interface DirectInboxSink {
  /** A box opened and verified, first time seen. */
  onMessage(event: DirectMessageEvent): void;
  /** A box dropped: the reason, one line. */
  onDropped(reason: string): void;
}

/** Opens the sealed boxes addressed to `identity`, boundedly and once each. */
export class DirectInbox {
  readonly #identity: Identity;
  readonly #sink: DirectInboxSink;
  /** Boxes opened, by their ephemeral key (unique per box), oldest first. */
  readonly #opened = new Set<string>();
  #opening = 0;

  /** An inbox for `identity`'s boxes, reporting to `sink`. */
  constructor(identity: Identity, sink: DirectInboxSink) {
    this.#identity = identity;
    this.#sink = sink;
  }

  /** Boxes being opened now. */
  get opening(): number {
    return this.#opening;
  }

  /**
   * Opens `box` in the background. A relay that replays a box, under a new
   * routing id, does not get it shown twice.
   */
  receive(box: Uint8Array): void {
    if (this.#opening >= OPENING_BOXES_MAX) {
      this.#sink.onDropped("too many to open");
      return;
    }
    this.#opening++;
    openDirect(this.#identity, box).then(
      (message) => {
        const id = directBoxId(box);
        if (this.#opened.has(id)) return;
        this.#opened.add(id);
        if (this.#opened.size > OPENED_BOXES_MAX) {
          this.#opened.delete(this.#opened.values().next().value!);
        }
        this.#sink.onMessage({ type: "direct-message", ...message });
      },
      (error) => this.#sink.onDropped((error as Error).message),
    ).finally(() => this.#opening--);
  }
}
