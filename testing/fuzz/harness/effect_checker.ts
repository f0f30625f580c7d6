/**
 * Checks what a sans-I/O actor asks of the world, effect by effect, against
 * the connections the driver has told it about:
 *
 * - `dial` uses a fresh connection id and a valid address;
 * - `send` goes only to an established connection that is still open (never
 *   after its `close`, a disconnect or a failed dial), never carries a hello,
 *   and encodes with `encodeMessage` (what a peer would accept);
 * - `close` names a connection being dialed or open, once;
 * - `deliver` is causal and exactly once: each author's messages in sequence
 *   order (skips aside) and only after everything its clock depends on;
 * - `skip` only moves an author forward; `peer-up`/`peer-down` name a valid
 *   peer other than the actor itself; `direct` carries a box; `log` text.
 *
 * @module
 */

import { sameVersion } from "../../../lib/peer/equivocation.ts";
import type { ConnId, Effect } from "../../../lib/actor/effect.ts";
import { addressProblem, formatAddress } from "../../../lib/wire/address.ts";
import type { Message, PeerId } from "../../../lib/wire/message.ts";
import { isPeerId } from "../../../lib/wire/fields.ts";
import { encodeMessage } from "../../../lib/wire/message_encode.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "../../../lib/wire/wire_limits.ts";
import { KnownIssueError } from "./fuzz_campaign.ts";

/** An effect the actor should not have produced. */
export class EffectViolation extends Error {
  /** Always `"EffectViolation"`. */
  override name = "EffectViolation";
}

/** Where a connection stands, as the driver knows it. */
export type ConnState = "dialing" | "open" | "closed";

/** Options of {@linkcode EffectChecker}. */
export interface EffectCheckerOptions {
  /** The actor's own id. */
  readonly selfId: PeerId;
  /** Limits sent messages must keep. Default `DEFAULT_WIRE_LIMITS`. */
  readonly limits?: WireLimits;
}

/**
 * Tracks connections and delivery, and checks each batch of effects. Tell it
 * about every event the driver feeds the actor (`accepted`, `connected`,
 * `dialFailed`, `disconnected`) before checking the effects that follow.
 */
export class EffectChecker {
  readonly #selfId: PeerId;
  readonly #limits: WireLimits;
  readonly #conns = new Map<ConnId, ConnState>();
  readonly #dialAddrs = new Map<ConnId, string>();
  readonly #delivered = new Map<PeerId, number>();
  #sentOwn = false;
  #sends = 0;
  #delivers = 0;

  /** A checker for the actor `selfId`. */
  /** The node sent a chat of its own (from then on its own history is never given up). */
  noteOwnSend(): void {
    this.#sentOwn = true;
  }

  constructor(options: EffectCheckerOptions) {
    this.#selfId = options.selfId;
    this.#limits = options.limits ?? DEFAULT_WIRE_LIMITS;
  }

  /** Connections in `state`. */
  conns(state: ConnState): ConnId[] {
    return [...this.#conns].filter(([, s]) => s === state).map(([conn]) => conn);
  }

  /** Connections being dialed or open. */
  get liveCount(): number {
    let n = 0;
    for (const state of this.#conns.values()) if (state !== "closed") n++;
    return n;
  }

  /** The address a dial went to. */
  dialAddr(conn: ConnId): string | undefined {
    return this.#dialAddrs.get(conn);
  }

  /** Messages sent so far. */
  get sends(): number {
    return this.#sends;
  }

  /** Messages delivered so far. */
  get delivers(): number {
    return this.#delivers;
  }

  /** The actor accepted an inbound connection and named it `conn`. */
  accepted(conn: ConnId): void {
    if (this.#conns.has(conn)) {
      this.#fail(`handleAccepted returned conn ${conn}, which is already in use`);
    }
    this.#conns.set(conn, "open");
  }

  /** A dial completed. */
  connected(conn: ConnId): void {
    this.#move(conn, "dialing", "open", "connected");
  }

  /** A dial failed. */
  dialFailed(conn: ConnId): void {
    this.#move(conn, "dialing", "closed", "dial failed");
  }

  /** An open connection dropped. */
  disconnected(conn: ConnId): void {
    this.#move(conn, "open", "closed", "disconnected");
  }

  /**
   * Checks one batch of effects, in order.
   *
   * @throws {EffectViolation} at the first bad effect.
   */
  check(effects: readonly Effect[]): void {
    for (const effect of effects) this.#checkOne(effect);
  }

  #checkOne(effect: Effect): void {
    switch (effect.type) {
      case "dial":
        if (this.#conns.has(effect.conn)) this.#fail(`dial reuses conn ${effect.conn}`);
        if (addressProblem(effect.addr) !== undefined) {
          this.#fail(`dial to an invalid address ${JSON.stringify(effect.addr)}`);
        }
        this.#conns.set(effect.conn, "dialing");
        this.#dialAddrs.set(effect.conn, effect.addr);
        return;
      case "send": {
        const state = this.#conns.get(effect.conn);
        if (state !== "open") {
          this.#fail(
            `${effect.message.type} sent on conn ${effect.conn}, which is ${state ?? "unknown"}`,
          );
        }
        this.#checkMessage(effect.message);
        this.#sends++;
        return;
      }
      case "close": {
        const state = this.#conns.get(effect.conn);
        if (state !== "dialing" && state !== "open") {
          this.#fail(`close of conn ${effect.conn}, which is ${state ?? "unknown"}`);
        }
        this.#conns.set(effect.conn, "closed");
        return;
      }
      case "text-arrived": {
        const { author, seq, redacted } = effect.message;
        if (seq > (this.#delivered.get(author) ?? 0)) {
          this.#fail(`text of ${author.slice(0, 8)}#${seq} arrived before its delivery`);
        }
        if (redacted === true) this.#fail("text-arrived without a text");
        return;
      }
      case "redact": {
        const { author, seq, text, redacted } = effect.message;
        if (seq > (this.#delivered.get(author) ?? 0)) {
          this.#fail(`redacted ${author.slice(0, 8)}#${seq} before delivering it`);
        }
        if (redacted !== true || text !== "") this.#fail("redact with a text left");
        return;
      }
      case "deliver": {
        const { author, seq, clock } = effect.message;
        const last = this.#delivered.get(author) ?? 0;
        if (seq !== last + 1) this.#fail(`delivered ${author.slice(0, 8)}#${seq} after #${last}`);
        if (clock.get(author) !== seq) {
          this.#fail(`delivered a message whose clock disagrees with its seq`);
        }
        for (const [id, n] of clock) {
          if (id !== author && n > (this.#delivered.get(id) ?? 0)) {
            this.#fail(
              `delivered ${author.slice(0, 8)}#${seq} before its cause ${id.slice(0, 8)}#${n}`,
            );
          }
        }
        this.#delivered.set(author, seq);
        this.#delivers++;
        return;
      }
      case "skip": {
        // A peer whose identity is not new gives up own messages it lost with
        // its database, before its first send; never after.
        if (effect.author === this.#selfId && this.#sentOwn) {
          this.#fail(`skipped its own messages up to ${effect.seq} after sending`);
        }
        const last = this.#delivered.get(effect.author) ?? 0;
        if (!(effect.seq > last)) {
          this.#fail(`skip of ${effect.author.slice(0, 8)} back to ${effect.seq} from ${last}`);
        }
        this.#delivered.set(effect.author, effect.seq);
        return;
      }
      case "peer-up":
      case "peer-down":
      case "address-proven":
        if (!isPeerId(effect.id) || effect.id === this.#selfId) {
          this.#fail(`${effect.type} about ${JSON.stringify(effect.id)}`);
        }
        if (addressProblem(effect.addr) !== undefined) {
          this.#fail(`${effect.type} with a bad address`);
        }
        return;
      case "equivocation": {
        const [a, b] = effect.versions;
        if (a.author !== effect.author || b.author !== effect.author) {
          this.#fail("equivocation with a version of another author");
        }
        if (a.seq !== effect.seq || b.seq !== effect.seq) {
          this.#fail("equivocation with versions of other sequence numbers");
        }
        if (sameVersion(a, b)) {
          this.#fail("equivocation between two equal versions");
        }
        return;
      }
      case "direct":
        if (!(effect.box instanceof Uint8Array) || effect.box.length === 0) {
          this.#fail("direct without a box");
        }
        return;
      case "log":
        if (typeof effect.text !== "string") this.#fail("log without text");
        return;
      case "nick":
        if (!isPeerId(effect.id) || effect.id === this.#selfId) {
          this.#fail(`nick about ${JSON.stringify(effect.id)}`);
        }
        if (effect.old === effect.new) this.#fail("nick change to the same nick");
        return;
      case "message-state":
        if (!Number.isSafeInteger(effect.seq) || effect.seq < 1) {
          this.#fail(`message-state of seq ${effect.seq}`);
        }
        return;
      case "connectivity":
        if ((effect.state === "alone") !== (effect.neighbours === 0)) {
          this.#fail(`connectivity ${effect.state} with ${effect.neighbours} neighbours`);
        }
        return;
      case "observed-address":
        try {
          formatAddress({ hostname: effect.host, port: 1 });
        } catch {
          this.#fail(`observed-address of host ${JSON.stringify(effect.host)}`);
        }
        if (!Number.isSafeInteger(effect.observers) || effect.observers < 1) {
          this.#fail(`observed-address with ${effect.observers} observers`);
        }
        return;
      default: {
        const unknown: never = effect;
        this.#fail(`unknown effect ${JSON.stringify(unknown)}`);
      }
    }
  }

  #checkMessage(message: Message): void {
    if ((message as { type: string }).type === "hello") {
      this.#fail("hello sent after the handshake");
    }
    try {
      encodeMessage(message, this.#limits);
    } catch (error) {
      throw new EffectViolation(
        `sent a ${message.type} that does not encode: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
  }

  #move(conn: ConnId, from: ConnState, to: ConnState, event: string): void {
    const state = this.#conns.get(conn);
    if (state !== from) {
      throw new RangeError(`Cannot report ${event} of conn ${conn}: it is ${state ?? "unknown"}`);
    }
    this.#conns.set(conn, to);
  }

  #fail(detail: string): never {
    throw new EffectViolation(`Bad effect: ${detail}`);
  }
}

/** A failed bound or an unexpected exception, with the step it happened at. */
export class ActorCheckError extends Error {
  /** Always `"ActorCheckError"`. */
  override name = "ActorCheckError";
}

/**
 * Runs one step of a fuzzed actor and checks the effects it left: a bad
 * effect is reported with the step, and anything else the actor throws
 * becomes an {@linkcode ActorCheckError} naming `actor`, the step and `what`.
 */
export function checkedStep(
  actor: string,
  step: number,
  what: string,
  action: () => void,
  checkEffects: () => void,
): void {
  try {
    action();
    checkEffects();
  } catch (error) {
    if (error instanceof KnownIssueError) throw error;
    if (error instanceof EffectViolation) {
      error.message += ` (step ${step}: ${what})`;
      throw error;
    }
    throw new ActorCheckError(
      `${actor} threw at step ${step} (${what}): ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );
  }
}
