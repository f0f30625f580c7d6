/**
 * The address others see this peer at, learned from the nodes it dials: an
 * acceptor's `hello` says where the connection comes from (`seen`). Behind a
 * NAT that is the router's address, not the one the peer advertises, which
 * is the first thing a person behind one needs to know.
 *
 * @module
 */

import type { PeerId } from "../wire/message.ts";
import { parseAddress } from "../wire/address.ts";

/** What the observers agree on now: the host most of them saw, and how many did. */
export interface Observation {
  /** The host (IP address) others see this peer connect from. */
  readonly host: string;
  /** How many of the remembered observers saw it. */
  readonly observers: number;
}

/**
 * The observed host, by the observers' majority. Each observer counts once
 * (its latest report); the `observersMax` latest observers are remembered.
 * A tie keeps the current host, so the answer does not flap. Pure: no I/O,
 * time or randomness.
 */
export class ObservedAddress {
  readonly #observersMax: number;
  /** Observer → the host it saw, least recent first. */
  readonly #byObserver = new Map<PeerId, string>();
  #current: Observation | undefined;

  /** Remembers at most `observersMax` observers (default 16). */
  constructor(observersMax = 16) {
    if (!Number.isSafeInteger(observersMax) || observersMax < 1) {
      throw new RangeError(
        `Cannot create observed address: observersMax is ${observersMax}, must be a safe integer >= 1`,
      );
    }
    this.#observersMax = observersMax;
  }

  /** What the observers agree on now, if any has reported. */
  get current(): Observation | undefined {
    return this.#current;
  }

  /**
   * Records that `observer` saw this peer's connection come from `seen`
   * (`host:port`, as the wire carries it). Returns the new agreement when
   * its host changed (once per change, however many more observers then
   * agree: its owner prints it), else `undefined`; `current` has the count.
   */
  record(observer: PeerId, seen: string): Observation | undefined {
    const { hostname } = parseAddress(seen);
    this.#byObserver.delete(observer);
    this.#byObserver.set(observer, hostname);
    if (this.#byObserver.size > this.#observersMax) {
      this.#byObserver.delete(this.#byObserver.keys().next().value!);
    }
    const counts = new Map<string, number>();
    for (const host of this.#byObserver.values()) counts.set(host, (counts.get(host) ?? 0) + 1);
    const current = this.#current?.host;
    let best: string | undefined;
    let bestCount = 0;
    for (const [host, count] of counts) {
      if (count > bestCount || (count === bestCount && host === current)) {
        best = host;
        bestCount = count;
      }
    }
    const changed = best !== current;
    this.#current = { host: best!, observers: bestCount };
    return changed ? this.#current : undefined;
  }
}
