/**
 * Tells the front end, once, that this peer lost its last neighbour link,
 * how it is trying to get back (the bootstraps it re-registers with, the
 * members it remembers and dials, when the next attempt is due), and, once,
 * that it has a link again. Nothing is said before the first link: joining
 * is reported elsewhere.
 *
 * @module
 */

import type { Effect } from "../actor/effect.ts";

/** What {@linkcode ConnectivityWatch} reads of the node at the end of each step. */
export interface ConnectivityReading {
  /** Accepted neighbour links. */
  readonly neighbours: number;
  /** Whether the peer is leaving (then nothing is said). */
  readonly leaving: boolean;
  /** Bootstrap addresses it retries. */
  readonly bootstraps: number;
  /** Live members it remembers. */
  readonly remembered: number;
  /** In how many ms the next dial or registration is due. */
  readonly nextAttemptInMs: number;
}

/** Watches the neighbour count for the edges "none left" and "one again". */
export class ConnectivityWatch {
  readonly #emit: (effect: Effect) => void;
  #everLinked = false;
  #alone = false;

  /** A watch reporting through `emit`. */
  constructor(emit: (effect: Effect) => void) {
    this.#emit = emit;
  }

  /** Whether the peer has been without a neighbour since it last had one. */
  get alone(): boolean {
    return this.#alone;
  }

  /**
   * Looks at the node after a step: `linked` when it has a neighbour; `read`
   * is called only when something may have changed.
   */
  check(linked: boolean, read: () => ConnectivityReading): void {
    if (linked) {
      this.#everLinked = true;
      if (!this.#alone) return;
      this.#alone = false;
      const r = read();
      this.#emit({
        type: "connectivity",
        state: "linked",
        neighbours: r.neighbours,
        bootstraps: r.bootstraps,
        remembered: r.remembered,
        nextAttemptInMs: 0,
      });
      return;
    }
    if (!this.#everLinked || this.#alone) return;
    const { leaving, ...r } = read();
    if (leaving) return;
    this.#alone = true;
    this.#emit({ type: "connectivity", state: "alone", ...r });
  }
}
