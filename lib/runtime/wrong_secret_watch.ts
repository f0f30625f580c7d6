/**
 * Telling a wrong room secret from bad luck. A peer whose secret differs
 * from the room's is refused by every peer and bootstrap it dials (each sends
 * the "wrong room secret" rejection, see `noise_handshake.ts`), and without
 * this it would retry for ever. The watch wraps the handshake and counts
 * those refusals of our own dials; once {@linkcode WRONG_SECRET_REJECTIONS_MAX}
 * of them came while no handshake in either direction ever succeeded, it
 * gives up, once (acceptance by a bootstrap this process runs itself does not
 * count: it shares our key). A peer that got in even once never gives up this way: the
 * refusals then come from someone else's misconfiguration (or a forged
 * plaintext rejection, which anyone on the path can send) and change nothing.
 *
 * @module
 */

import type { Handshake } from "../secure/channel.ts";
import { HandshakeError } from "../secure/noise_handshake.ts";

/**
 * Refusals of our dials for a wrong room secret, with no handshake ever
 * accepted, after which a peer gives up. The bootstrap is retried every
 * `registerRetryMs` (2 s) while the peer is alone, and two remembered
 * addresses are tried with it, so the default lets the bootstrap and a few
 * remembered peers all answer before the peer gives up.
 */
export const WRONG_SECRET_REJECTIONS_MAX = 5;

/** Options of {@linkcode WrongSecretWatch}. */
export interface WrongSecretWatchOptions {
  /** Refusals before giving up. Default {@linkcode WRONG_SECRET_REJECTIONS_MAX}. */
  rejectionsMax?: number;
  /** Called once, when the peer should give up: `rejections` refusals, nothing accepted. */
  onGiveUp: (rejections: number) => void;
  /**
   * Ids whose acceptance proves nothing about the secret: a bootstrap this
   * process runs itself (a founder's) has its key. Default none.
   */
  selfHostedIds?: readonly string[];
}

/** Counts refusals for a wrong secret until a handshake succeeds. */
export class WrongSecretWatch {
  readonly #rejectionsMax: number;
  readonly #onGiveUp: (rejections: number) => void;
  readonly #selfHostedIds: ReadonlySet<string>;
  #rejections = 0;
  #admitted = false;
  #gaveUp = false;

  /** A watch with nothing counted yet. */
  constructor(options: WrongSecretWatchOptions) {
    const max = options.rejectionsMax ?? WRONG_SECRET_REJECTIONS_MAX;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new RangeError(`Invalid rejectionsMax: expected a positive integer, got ${max}`);
    }
    this.#rejectionsMax = max;
    this.#onGiveUp = options.onGiveUp;
    this.#selfHostedIds = new Set(options.selfHostedIds ?? []);
  }

  /** Whether some handshake ever succeeded: then the watch never gives up. */
  get admitted(): boolean {
    return this.#admitted;
  }

  /** Refusals of our dials for a wrong secret so far. */
  get rejections(): number {
    return this.#rejections;
  }

  /** `handshake`, observed: its outcomes are counted, its results unchanged. */
  wrap(handshake: Handshake): Handshake {
    return async (transport, options) => {
      try {
        const channel = await handshake(transport, options);
        if (!this.#selfHostedIds.has(channel.remote.id)) this.#admitted = true;
        return channel;
      } catch (error) {
        if (
          options.initiator && error instanceof HandshakeError && error.failure === "wrong-secret"
        ) {
          this.#rejected();
          if (!this.#admitted) {
            // Said the same way each time (so repeats can be counted, not listed): what will happen.
            throw new HandshakeError(
              "wrong-secret",
              `${error.message} (with no peer accepting it, this peer gives up after ${this.#rejectionsMax} refusals)`,
              { cause: error },
            );
          }
        }
        throw error;
      }
    };
  }

  #rejected(): void {
    this.#rejections += 1;
    if (this.#admitted || this.#gaveUp || this.#rejections < this.#rejectionsMax) return;
    this.#gaveUp = true;
    this.#onGiveUp(this.#rejections);
  }
}
