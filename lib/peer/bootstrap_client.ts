/**
 * The peer's side of bootstrapping: registering with the bootstraps (and
 * retrying), joining through a given address, the queue of messages for a
 * bootstrap link still connecting, and a join point that turns out to be a
 * peer kept as a neighbour.
 *
 * @module
 */

import type { TimerTable } from "../actor/timer_table.ts";
import { type Random, sample } from "../random/random.ts";
import type { Hello, MemberInfo, Message } from "../wire/message.ts";
import type { Link, Links } from "./links.ts";
import type { BootstrapClientOptions, ResolvedPeerNodeOptions } from "./peer_node_options.ts";
import type { PeerTimer } from "./peer_timer.ts";

/** The options {@linkcode BootstrapClient} reads: its own group, and some of others. */
type BootstrapClientReads = Pick<
  ResolvedPeerNodeOptions,
  keyof BootstrapClientOptions | "connectionsMax"
>;

/** What {@linkcode BootstrapClient} works with. */
export interface BootstrapClientPort {
  readonly links: Links;
  readonly timers: TimerTable<PeerTimer>;
  readonly random: Random;
  readonly options: BootstrapClientReads;
  /** This peer's own record (signed on its way out), sent with each registration. */
  readonly selfRecord: () => MemberInfo;
}

/** Registration with bootstraps and joins through known addresses. */
export class BootstrapClient {
  readonly #port: BootstrapClientPort;
  readonly #links: Links;
  readonly #options: BootstrapClientReads;
  /**
   * Links to bootstraps (and join points), by address. An entry whose link
   * has closed is stale: it counts as absent.
   */
  readonly #byAddr = new Map<string, Link>();
  /** Some bootstrap (or join point) has answered. */
  #registered = false;
  /** A peer at an address of the address book has answered. */
  #reachedBook = false;
  /** Where the walk through the address book has got to. */
  #bookCursor = 0;

  /** A client not registered anywhere yet. */
  constructor(port: BootstrapClientPort) {
    this.#port = port;
    this.#links = port.links;
    this.#options = port.options;
  }

  /** When the register timer fires next. */
  nextDeadlineMs(): number {
    return this.#port.timers.nextDeadlineMs(["register"]);
  }

  /** Dials `addr` (a peer or a bootstrap) to join through it. */
  join(addr: string, nowMs: number): void {
    this.send(addr, { type: "register" }, nowMs);
  }

  /** Tells every bootstrap `message`. */
  tellAll(message: Message, nowMs: number): void {
    for (const addr of this.#options.bootstraps) this.send(addr, message, nowMs);
  }

  /** Sends `message` to the bootstrap at `addr`, dialing it if needed. */
  send(addr: string, message: Message, nowMs: number): void {
    let link = this.#byAddr.get(addr);
    if (link === undefined || this.#links.get(link.conn) !== link) {
      link = this.#links.dial(addr, "bootstrap", undefined, nowMs);
      this.#byAddr.set(addr, link);
    }
    const registration = link.registration;
    if (message.type === "register") {
      // One unanswered registration at a time, unless it has gone unanswered
      // for a retry period (lost, or ignored by a bootstrap that restarted).
      if (
        registration.awaitingPeers &&
        (link.remote === undefined ||
          nowMs - registration.registeredAtMs < this.#options.registerRetryMs)
      ) {
        return;
      }
      registration.awaitingPeers = true;
      registration.registeredAtMs = nowMs;
    }
    // A registration comes with our own signed record: the bootstrap passes
    // on only addresses their members vouched for.
    const messages: Message[] = message.type === "register"
      ? [message, { type: "member", member: this.#port.selfRecord() }]
      : [message];
    if (link.remote === undefined) registration.outbox.push(...messages);
    else for (const m of messages) this.#links.send(link, m, nowMs);
  }

  /** Registers again (and, while isolated, tries the address book); sets the next round. */
  onRegisterTimer(nowMs: number): void {
    this.tellAll({ type: "register" }, nowMs);
    const isolated = this.#links.acceptedCount() === 0;
    const searching = this.#options.addressBookUntilReached && !this.#reachedBook;
    if ((isolated || searching) && this.#options.addressBook.length > 0 && !this.#links.leaving) {
      // Nobody to talk to (or not yet the network we knew): try peers remembered from earlier runs.
      for (const addr of this.#nextFromBook()) this.join(addr, nowMs);
    }
    const settled = this.#registered && !isolated && !searching;
    this.#port.timers.set(
      "register",
      nowMs + (settled ? this.#options.registerIntervalMs : this.#options.registerRetryMs),
    );
    if (this.#options.bootstraps.length === 0 && this.#options.addressBook.length === 0) {
      this.#port.timers.stop("register");
    }
  }

  /**
   * The next two book addresses to try: the next in the book's order, which
   * lists proven addresses first (so a flood of addresses members merely
   * announced cannot bury them), and one at random (so a book of stale
   * proven ones is not walked alone).
   */
  #nextFromBook(): Set<string> {
    const book = this.#options.addressBook;
    const next = book[this.#bookCursor++ % book.length]!;
    return new Set([next, ...sample(book, 1, this.#port.random)]);
  }

  /**
   * A bootstrap link connected: flush what waited for it. Returns whether
   * the remote is a peer to keep as a neighbour: the link is then no longer
   * the bootstrap client's, and the active view takes it.
   */
  onConnected(link: Link, remote: Hello, nowMs: number): boolean {
    this.#registered ||= remote.role === "peer";
    this.#reachedBook ||= remote.role === "peer" &&
      this.#options.addressBook.includes(link.dialAddr ?? "");
    for (const message of link.registration.outbox) this.#links.send(link, message, nowMs);
    link.registration.outbox = [];
    if (
      remote.role === "peer" && !this.#links.leaving &&
      this.#links.acceptedCount() < this.#options.connectionsMax
    ) {
      // Joining through a peer: keep it as a neighbour.
      this.#byAddr.delete(link.dialAddr!);
      link.registration.awaitingPeers = false;
      return true;
    }
    if (!link.registration.awaitingPeers) this.#links.close(link, "done", nowMs);
    return false;
  }

  /** A peer list arrived on `link`: when it answers our `register`, that link is done. */
  onPeers(link: Link, nowMs: number): void {
    if (link.purpose !== "bootstrap" || !link.registration.awaitingPeers) return;
    link.registration.awaitingPeers = false;
    this.#registered = true;
    if (link.registration.outbox.length === 0) this.#links.close(link, "done", nowMs);
  }
}
