/**
 * A node's side of NAT traversal, beside its actor (PROTOCOL.md § Relays):
 * it answers dial-backs and, with `--relay`, carries relayed streams for
 * others; a peer also checks whether it can be dialled and, when it cannot,
 * holds a reservation at a relay and advertises its relayed address.
 *
 * @module
 */

import { DEFAULT_RELAY_LIMITS, RelayBook, type RelayLimits } from "../nat/relay_book.ts";
import { decodeRelayFrame } from "../nat/relay_frame.ts";
import {
  type Reachability,
  ReachabilityCheck,
  type ReachabilityEvent,
} from "../nat/reachability.ts";
import type { Handshake } from "../secure/channel.ts";
import { relayedAddress } from "../wire/address.ts";
import type { Hello } from "../wire/message.ts";
import type { FramedConnection } from "./framed_connection.ts";
import { describe } from "./live_connection.ts";
import { askDialBack, RelayReservation } from "./relay_client.ts";
import { Sleepers } from "./sleepers.ts";
import { randomToken, type RelayHolder, RelayServer, type RelayWaiter } from "./relay_server.ts";

/** How a peer decides its reachability: by dial-backs, or as told. */
export type ReachabilityMode = "auto" | "public" | "private";

/** A relay's counters. */
export interface RelayStats {
  /** Relayed links carried so far. */
  readonly links: number;
  /** Bytes carried for them so far, both ways. */
  readonly bytes: number;
  /** Reservations held now. */
  readonly reservations: number;
  /** Relayed links carried or waiting now. */
  readonly open: number;
}

/** What relaying needs of the node's runtime (an `RelayedStreams`). */
export interface RelayedStreams {
  /** Wraps a socket this node opened (to a relay or a helper) for frames. */
  framedOutbound(conn: Deno.Conn): FramedConnection;
  /** A relayed stream arrived: run its handshake as the acceptor, then hand it to the actor. */
  acceptRelayed(framed: FramedConnection, otherSeen?: string): void;
}

/** Options of {@linkcode NatTraversal}. */
export interface NatTraversalOptions {
  /** Relay for others, under these limits; undefined: relay nothing (dial-backs are still answered). */
  readonly relay: Partial<RelayLimits> | undefined;
  /** How handshakes run (reservations are authenticated like links). */
  readonly handshake: Handshake;
  /** This node's hello. */
  readonly localHello: () => Hello;
  /** Largest frame payload. */
  readonly frameBytesMax: number;
  /** A dial must connect within this. */
  readonly dialTimeoutMs: number;
  /** A handshake must finish within this. */
  readonly handshakeTimeoutMs: number;
  /** Monotonic milliseconds. */
  readonly clock: () => number;
  /** A diagnostic line. */
  readonly log: (level: "info" | "debug" | "warn", text: string) => void;
}

/** Options of {@linkcode NatTraversal.startPeer}. */
export interface PeerReachabilityOptions {
  /** This peer's id (its relayed address names it). */
  readonly id: string;
  /** The address it advertises at start. */
  readonly addr: string;
  /** The port others should dial (the advertised one). */
  readonly port: number;
  /** `auto`: ask `helpers` to dial it back; otherwise take this as the answer. */
  readonly mode: ReachabilityMode;
  /** Nodes to ask for dial-backs (the bootstraps). */
  readonly helpers: readonly string[];
  /**
   * Direct addresses of the peer's neighbours now: asked for dial-backs too
   * (every node answers them) while no bootstrap could tell. Default none.
   */
  readonly neighbours?: () => readonly string[];
  /** Relays to reserve at when it cannot be dialled, in order of preference. */
  readonly relays: readonly string[];
  /** Advertise `addr` from now on. */
  readonly advertise: (addr: string) => void;
  /** Tell the front end. */
  readonly onEvent: (event: ReachabilityEvent) => void;
}

/** How many helpers a peer asks at once. */
const HELPERS_ASKED_MAX = 3;

/** While no helper could tell, ask again after this long, doubling up to `RECHECK_MS_MAX`. */
const RECHECK_MS = 30_000;
const RECHECK_MS_MAX = 600_000;
/** With nobody to ask yet (no bootstrap, no neighbour), look again after this long. */
const NO_HELPER_WAIT_MS = 5_000;

/** A probe's helper answers after closing it: give the probe this long to be read first. */
const PROBE_GRACE_MS = 1_000;

/**
 * Whom to ask in check round `round`: the bootstraps first; neighbours fill
 * the rest from the second round on (the bootstraps could not tell), or from
 * the first when there are no bootstraps. At most `HELPERS_ASKED_MAX`.
 */
export function helpersFor(options: PeerReachabilityOptions, round: number): string[] {
  const helpers = options.helpers.slice(0, HELPERS_ASKED_MAX);
  if (round > 0 || helpers.length === 0) {
    for (const addr of options.neighbours?.() ?? []) {
      if (helpers.length >= HELPERS_ASKED_MAX) break;
      if (!helpers.includes(addr)) helpers.push(addr);
    }
  }
  return helpers;
}

/** Dial-backs answered, relays served and reservations held for one node. */
export class NatTraversal {
  readonly #o: NatTraversalOptions;
  readonly #server: RelayServer;
  readonly #check = new ReachabilityCheck(randomToken);
  readonly #book: RelayBook<RelayHolder, RelayWaiter> | undefined;
  #reservation: RelayReservation | undefined;
  #runtime: RelayedStreams | undefined;
  /** What `startPeer` was told, for rechecks. */
  #peer: PeerReachabilityOptions | undefined;
  /** The relay holding this peer's reservation, once it is taken. */
  #reservedAt: string | undefined;
  /** A round of dial-backs is under way. */
  #checking = false;
  /** Why to ask again once the round under way ends (a recheck came during it). */
  #recheckAfter: string | undefined;
  #stopped = false;
  /** Pauses under way, which `stop` cuts short. */
  readonly #sleepers = new Sleepers();

  /** A traversal for one node; `runtimeOptions` go to its runtime. */
  constructor(options: NatTraversalOptions) {
    this.#o = options;
    const limits = { ...DEFAULT_RELAY_LIMITS, ...options.relay };
    const book = options.relay === undefined ? undefined : new RelayBook<RelayHolder, RelayWaiter>(
      limits,
      randomToken,
    );
    this.#book = book;
    this.#server = new RelayServer({
      handshake: options.handshake,
      localHello: options.localHello,
      book,
      // A node that relays nothing still answers dial-backs, under the same limits.
      dialBacks: book ?? new RelayBook(limits, randomToken),
      frameBytesMax: options.frameBytesMax,
      dialTimeoutMs: options.dialTimeoutMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      clock: options.clock,
      log: options.log,
    });
  }

  /** What the node's runtime needs: where relay frames go, and the connections held here. */
  runtimeOptions(): {
    onRelayFrame: (framed: FramedConnection, first: Uint8Array, host: string) => void;
    heldConnections: () => number;
  } {
    return {
      onRelayFrame: (framed, first, host) => this.#onRelayFrame(framed, first, host),
      heldConnections: () => this.#server.connectionCount,
    };
  }

  /** Relay counters (for `/metrics`); undefined when this node relays nothing. */
  relayStats(): RelayStats | undefined {
    const book = this.#book;
    if (book === undefined) return undefined;
    return {
      links: this.#server.linksRelayed,
      bytes: this.#server.bytesRelayed,
      reservations: book.reservationCount,
      open: book.linkCount,
    };
  }

  /** Whether this node carries relayed streams. */
  get relays(): boolean {
    return this.#book !== undefined;
  }

  /** Where the peer's reachability stands. */
  get reachability(): Reachability {
    return this.#check.state;
  }

  /** Learns whether the peer can be dialled, and acts on it (see {@linkcode PeerReachabilityOptions}). */
  startPeer(runtime: RelayedStreams, options: PeerReachabilityOptions): void {
    this.#runtime = runtime;
    this.#peer = options;
    if (options.mode !== "auto") {
      this.#decided(options, options.mode, "as told (--reachability)");
      return;
    }
    if (options.helpers.length === 0) {
      options.onEvent({
        type: "reachability",
        state: "unknown",
        addr: options.addr,
        reason: "no bootstrap to ask for a dial-back: asking neighbours once linked",
      });
    }
    void this.#checkUntilKnown(options);
  }

  /**
   * Asks the helpers; while none could tell (down, busy, none yet), asks
   * again later, neighbours too.
   */
  async #checkUntilKnown(options: PeerReachabilityOptions) {
    this.#checking = true;
    try {
      let pause = RECHECK_MS;
      for (let round = 0; !this.#stopped; round++) {
        const helpers = helpersFor(options, round);
        await Promise.all(helpers.map((helper) => this.#askDialBack(options, helper)));
        if (this.#check.settled || this.#stopped) return;
        if (helpers.length === 0) {
          await this.#sleepers.sleep(NO_HELPER_WAIT_MS);
          continue;
        }
        this.#o.log(
          "info",
          `No dial-back could tell whether others can dial this peer; again in ${pause} ms`,
        );
        await this.#sleepers.sleep(pause);
        pause = Math.min(RECHECK_MS_MAX, pause * 2);
      }
    } finally {
      this.#checking = false;
      const again = this.#recheckAfter;
      this.#recheckAfter = undefined;
      if (again !== undefined) this.recheck(again);
    }
  }

  /**
   * Others see this peer at another host than the one it advertises (behind
   * a NAT, most likely): while its first dial-back is still out, it reserves
   * at a relay at once, so that others reach it sooner; the verdict then
   * keeps the reservation or lets it go.
   */
  suspectPrivate(reason: string): void {
    const options = this.#peer;
    if (
      options?.mode !== "auto" || this.#stopped || this.#check.state !== "unknown" ||
      this.#reservation !== undefined || options.relays.length === 0
    ) return;
    options.onEvent({
      type: "reachability",
      state: "unknown",
      addr: options.addr,
      reason: `${reason}: reserving at a relay while a dial-back checks`,
    });
    this.#reserve(options, 0);
  }

  /**
   * The network under the peer changed (others now see it at another host):
   * asks again whether it can be dialled, and acts on a changed verdict — a
   * peer that became private reserves at a relay, one that became public lets
   * its reservation go and advertises its own address again.
   */
  recheck(reason: string): void {
    const options = this.#peer;
    if (options?.mode !== "auto" || this.#stopped) return;
    if (this.#checking) {
      this.#recheckAfter = reason;
      return;
    }
    this.#o.log("info", `Asking again whether others can dial this peer: ${reason}`);
    this.#check.newRound();
    void this.#checkUntilKnown(options);
  }

  /** Lets reservations go and closes what is held here. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#sleepers.wakeAll();
    this.#server.stop();
    await this.#reservation?.stop();
  }

  #onRelayFrame(framed: FramedConnection, first: Uint8Array, host: string): void {
    let frame;
    try {
      frame = decodeRelayFrame(first);
    } catch (error) {
      this.#o.log("info", `Closing a connection from ${host}: ${describe(error)}`);
      framed.close();
      return;
    }
    if (frame.op === "dial-back-probe") {
      framed.close();
      const state = this.#check.probed(frame.nonce);
      if (state !== undefined) this.#onChecked?.(state);
      return;
    }
    void this.#server.serve(framed, first, host);
  }

  /** Set by `#askDialBack`'s first caller: acts on a new state. */
  #onChecked: ((state: Reachability) => void) | undefined;

  async #askDialBack(options: PeerReachabilityOptions, helper: string): Promise<void> {
    this.#onChecked ??= (state) =>
      this.#decided(options, state, `dial-back by ${this.#check.decidedBy}`);
    const nonce = this.#check.ask(helper, this.#o.clock());
    const runtime = this.#runtime!;
    try {
      const answer = await askDialBack(
        { framed: (conn) => runtime.framedOutbound(conn), dialTimeoutMs: this.#o.dialTimeoutMs },
        helper,
        nonce,
        options.port,
      );
      if (answer.ok && answer.reached) await this.#sleepers.sleep(PROBE_GRACE_MS);
      if (!answer.ok) this.#o.log("info", `Dial-back by ${helper} refused: ${answer.reason}`);
      const state = this.#check.answered(nonce, answer.ok ? answer.reached : undefined);
      if (state !== undefined && !this.#stopped) this.#onChecked(state);
    } catch (error) {
      this.#o.log("info", `Dial-back by ${helper} failed: ${describe(error)}`);
      this.#check.answered(nonce, undefined);
    }
  }

  #decided(options: PeerReachabilityOptions, state: Reachability, reason: string): void {
    const event = { type: "reachability", state, addr: options.addr } as const;
    if (state !== "private") {
      const reservation = this.#reservation;
      if (reservation !== undefined) {
        // Dialable (now, or after all): back to its own address, the relay let go.
        this.#reservation = undefined;
        this.#reservedAt = undefined;
        void reservation.stop();
        options.advertise(options.addr);
      }
      options.onEvent({ ...event, reason });
      return;
    }
    if (options.relays.length === 0) {
      options.onEvent({ ...event, reason: `${reason}; no relay to reserve at` });
      return;
    }
    if (this.#reservation !== undefined) {
      // Reserving already (it looked private): the verdict confirms it.
      const relay = this.#reservedAt;
      options.onEvent(
        relay === undefined
          ? { ...event, reason: `${reason}; reserving at a relay` }
          : { ...event, addr: relayedAddress(relay, options.id), relay, reason },
      );
      return;
    }
    options.onEvent({ ...event, reason: `${reason}; reserving at a relay` });
    this.#reserve(options, 0);
  }

  /** Holds a reservation at `relays[index]`, moving on to the next when it is never taken. */
  #reserve(options: PeerReachabilityOptions, index: number): void {
    if (this.#stopped) return;
    const relay = options.relays[index % options.relays.length]!;
    const runtime = this.#runtime!;
    let taken = false;
    const reservation = this.#reservation = new RelayReservation({
      relay,
      handshake: this.#o.handshake,
      localHello: this.#o.localHello,
      framed: (conn) => runtime.framedOutbound(conn),
      acceptRelayed: (framed, seen) => runtime.acceptRelayed(framed, seen),
      dialTimeoutMs: this.#o.dialTimeoutMs,
      log: this.#o.log,
      onState: (state) => {
        // A reservation let go (the peer became public) has nothing more to say.
        if (this.#reservation !== reservation) return;
        if (state.state === "reserved") {
          taken = true;
          this.#reservedAt = relay;
          const addr = relayedAddress(relay, options.id);
          options.advertise(addr);
          options.onEvent({
            type: "reachability",
            // Still unknown when it reserved on a hunch (suspectPrivate).
            state: this.#check.state === "unknown" ? "unknown" : "private",
            addr,
            relay,
            reason: `reserved at relay ${relay}`,
          });
          return;
        }
        this.#o.log("info", `Reservation at ${relay}: ${state.reason}`);
        if (!taken && options.relays.length > 1) {
          // Never taken here: try the next relay instead.
          void reservation.stop().then(() => this.#reserve(options, index + 1));
        }
      },
    });
    reservation.start();
  }
}
