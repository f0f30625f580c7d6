/**
 * Whether others can dial this peer, learned from dial-backs (PROTOCOL.md §
 * Relays): a peer asks a node to dial the host its request came from at the
 * port it listens on, with a fresh nonce. The evidence it trusts:
 *
 * - **public**: a probe carrying one of its nonces reached its own listener —
 *   proof it cannot be faked by a helper that lies about its result;
 * - **private**: a helper dialled and could not connect, and no probe came;
 * - otherwise **unknown** (no helper answered, or all refused).
 *
 * Evidence comes in rounds: when the network under the peer changes (others
 * see it at a new host), a new round starts and its evidence decides again —
 * within a round, a probe that came still outweighs any failure.
 *
 * Pure: nonces come from an injected source, time as `nowMs`.
 *
 * @module
 */

/** Whether this peer can be dialled. */
export type Reachability = "unknown" | "public" | "private";

/** What a peer tells its front end about its reachability. */
export interface ReachabilityEvent {
  /** Always `"reachability"`. */
  readonly type: "reachability";
  /** Whether others can dial it. */
  readonly state: Reachability;
  /** The address it advertises now (relayed once it holds a reservation). */
  readonly addr: string;
  /** The relay it is reached through, when it holds a reservation. */
  readonly relay?: string;
  /** Why, for people: who decided, or what went wrong. */
  readonly reason: string;
}

/** One dial-back asked for and not settled. */
interface Ask {
  readonly helper: string;
  readonly askedMs: number;
  /** The round it was asked in. */
  readonly round: number;
  probed: boolean;
}

/** Asks at most this many helpers at once, and remembers as many open asks. */
const ASKS_MAX = 16;

/** The evidence so far, and the verdict it gives. */
export class ReachabilityCheck {
  readonly #newNonce: () => string;
  readonly #asks = new Map<string, Ask>();
  #state: Reachability = "unknown";
  /** The helper whose answer (or probe) decided the state. */
  #decidedBy: string | undefined;
  /** The round now, and the round whose evidence decided the state (-1: none yet). */
  #round = 0;
  #decidedRound = -1;

  /** A check with no evidence yet; `newNonce` makes unguessable nonces (hex). */
  constructor(newNonce: () => string) {
    this.#newNonce = newNonce;
  }

  /** The verdict now. */
  get state(): Reachability {
    return this.#state;
  }

  /** The helper that decided it, if any. */
  get decidedBy(): string | undefined {
    return this.#decidedBy;
  }

  /** Whether this round has a verdict (the first round: whether the state is known). */
  get settled(): boolean {
    return this.#decidedRound === this.#round;
  }

  /**
   * Starts a new round: the state stands until this round's evidence decides
   * again (either way). Answers to asks of earlier rounds count for nothing.
   */
  newRound(): void {
    this.#round++;
  }

  /** A nonce to ask `helper` with. */
  ask(helper: string, nowMs: number): string {
    if (this.#asks.size >= ASKS_MAX) {
      const oldest = this.#asks.keys().next().value;
      if (oldest !== undefined) this.#asks.delete(oldest);
    }
    const nonce = this.#newNonce();
    this.#asks.set(nonce, { helper, askedMs: nowMs, round: this.#round, probed: false });
    return nonce;
  }

  /**
   * A probe came to the listener with `nonce`. Returns the new state when it
   * changed (a probe of ours makes the peer public), else undefined; a nonce
   * it never gave out changes nothing.
   */
  probed(nonce: string): Reachability | undefined {
    const ask = this.#asks.get(nonce);
    if (ask === undefined || ask.round !== this.#round) return undefined;
    ask.probed = true;
    return this.#decide("public", ask.helper);
  }

  /**
   * `helper` answered the dial-back `nonce`: it `reached` this host, or
   * not; `undefined` when it refused (rate limit, busy): no evidence.
   * Returns the new state when it changed.
   */
  answered(nonce: string, reached: boolean | undefined): Reachability | undefined {
    const ask = this.#asks.get(nonce);
    if (ask === undefined) return undefined;
    this.#asks.delete(nonce);
    if (ask.probed || ask.round !== this.#round) return undefined;
    // A helper that says it reached us when no probe came is wrong (another
    // machine answers at that address): that, too, says others cannot dial us.
    if (reached === undefined) return undefined;
    return this.#decide("private", ask.helper);
  }

  #decide(state: Reachability, helper: string): Reachability | undefined {
    // A probe that came is proof; once public in this round, a later failure
    // (a helper on a network that cannot route to us) does not undo it.
    const settled = this.settled;
    if (settled && state === "private" && this.#state === "public") return undefined;
    this.#decidedRound = this.#round;
    if (state === this.#state) return undefined;
    this.#state = state;
    this.#decidedBy = helper;
    return state;
  }
}
