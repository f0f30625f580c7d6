/**
 * The peer's connections: transport state per link, dial/accept/close, and
 * the indexes by remote id. The only part of the peer that emits I/O effects
 * (`send`, `dial`, `close`); every other sub-machine reaches the network
 * through it.
 *
 * @module
 */

import type { ConnId, IoEffect } from "../actor/effect.ts";
import type { Hello, Message, PeerId, Want } from "../wire/message.ts";

/**
 * Why a connection exists, which decides what its messages mean. A `liveness`
 * link only proves its remote alive: our dial to a neighbour we lost, or a
 * bootstrap's dial to check on us.
 */
export type LinkPurpose = "peer" | "bootstrap" | "liveness";

/** What the bootstrap client keeps per bootstrap link. */
export interface Registration {
  /** Messages waiting for the connection. */
  outbox: Message[];
  /** A `register` is unanswered. */
  awaitingPeers: boolean;
  /** When the last `register` was sent or queued. */
  registeredAtMs: number;
}

/** What dissemination keeps per peer link. */
export interface TreeState {
  /**
   * Broadcast trees, one per author: the authors whose messages are not
   * pushed on this link (it is not on their tree) but announced lazily.
   */
  readonly lazyFor: Set<PeerId>;
  /**
   * Off the shared tree (Plumtree's single tree, under the per-author ones):
   * an author's first message here is not pushed on this link, and the link
   * starts off that author's tree. So a new author's message follows the
   * shared tree instead of flooding every link.
   */
  offSharedTree: boolean;
  /** What we last announced on this link, per author. */
  readonly announced: Map<PeerId, number>;
  /** When we last sent this link a prune (−∞: never): repeats are spaced out. */
  prunedAtMs: number;
}

/** A graft: `link` carries `author`'s messages again, and is back on the shared tree. */
export function graftLink(link: Link, author: PeerId): void {
  link.tree.lazyFor.delete(author);
  link.tree.offSharedTree = false;
}

/** One connection as the actor sees it. */
export interface Link {
  readonly conn: ConnId;
  readonly outbound: boolean;
  /** When the link record was opened (the dial started or the connection came in). */
  readonly openedAtMs: number;
  purpose: LinkPurpose;
  /** The host an inbound connection came from, as the transport saw it (when known). */
  sourceHost: string | undefined;
  /** The address dialed, for outbound links. */
  readonly dialAddr: string | undefined;
  /** The member we expected to answer, for dials to a known member. */
  readonly expectId: PeerId | undefined;
  /** The remote hello, once established. */
  remote: Hello | undefined;
  /** A check of a member's liveness only: closed once its hello answered, never a neighbour. */
  checkOnly?: boolean;
  /** The remote said it is closing on purpose: its disconnect is not a failure. */
  byeReceived: boolean;
  /**
   * When the remote last sent a `chat` or a `have` (never: `-Infinity`): an
   * active neighbour, which a black hole never is. Protection from forced
   * joins and the count of working outbound links go by it.
   */
  lastUsefulMs: number;
  /** When anything last arrived: heartbeats judge silence by it. */
  lastReceivedMs: number;
  /** When we last sent: a quiet link gets a ping. */
  lastSentMs: number;
  /**
   * When we sent the first `want` that nothing (no `chat`, no `skip`) has
   * answered since, and how many we sent since then: past
   * `promiseTimeoutMs` the remote broke that many promises (its `have`s).
   * Only a `want` that asks for more than we asked this link before counts:
   * an honest server does not serve the same message twice within a while.
   */
  unansweredWants: { readonly sinceMs: number; count: number } | undefined;
  /**
   * Per author, the highest sequence number we asked this link for (authors
   * we track only); made by the first `want` (most links never send one).
   */
  askedUpTo: Map<PeerId, number> | undefined;
  /** Active view: counted as a neighbour (inbound links are decided on their first message). */
  accepted: boolean;
  /** Active view: a rewiring dial; once accepted, one other neighbour is let go. */
  rewire: boolean;
  /** Bootstrap client state, for bootstrap links. */
  readonly registration: Registration;
  /** Dissemination state, for peer links. */
  readonly tree: TreeState;
}

/** Every connection of one peer, with the indexes the other sub-machines ask. */
export class Links {
  readonly #emit: (effect: IoEffect) => void;
  readonly #byConn = new Map<ConnId, Link>();
  /** Established peer links by remote id (accepted or not yet). */
  readonly #peers = new Map<PeerId, Link>();
  /** Outbound dials in flight by the member they expect. */
  readonly #dialing = new Map<PeerId, ConnId>();
  /** Members whose failure is being checked by a liveness dial. */
  readonly #checking = new Map<PeerId, ConnId>();
  #nextConn = 1;
  #leaving = false;

  /** No links yet; `emit` takes every I/O effect. */
  constructor(emit: (effect: IoEffect) => void) {
    this.#emit = emit;
  }

  /** Whether the peer is leaving: it opens no new neighbour links and refutes nothing. */
  get leaving(): boolean {
    return this.#leaving;
  }

  /** Marks the peer as leaving, for good. */
  startLeaving(): void {
    this.#leaving = true;
  }

  /** Connections open or being opened. */
  get count(): number {
    return this.#byConn.size;
  }

  /** Outbound dials in flight to known members. */
  get dialsInFlight(): number {
    return this.#dialing.size;
  }

  /** Liveness dials (proofs, checks) to known members that have not finished their hello. */
  get checksInFlight(): number {
    return this.#checking.size;
  }

  /** The link of `conn`, if open. */
  get(conn: ConnId): Link | undefined {
    return this.#byConn.get(conn);
  }

  /** Every open link, in the order they were opened. */
  all(): IterableIterator<Link> {
    return this.#byConn.values();
  }

  /** The established peer link to `id`, accepted or not. */
  peerLink(id: PeerId): Link | undefined {
    return this.#peers.get(id);
  }

  /** Records `link` as the peer link to its remote. */
  setPeerLink(link: Link): void {
    this.#peers.set(link.remote!.id, link);
  }

  /** Neighbours: accepted peer links. */
  accepted(): Link[] {
    const links: Link[] = [];
    for (const link of this.#peers.values()) if (link.accepted) links.push(link);
    return links;
  }

  /** How many neighbours there are. */
  acceptedCount(): number {
    let n = 0;
    for (const link of this.#peers.values()) if (link.accepted) n++;
    return n;
  }

  /** Whether there is a neighbour (cheaper than counting them: asked after every step). */
  hasAccepted(): boolean {
    for (const link of this.#peers.values()) if (link.accepted) return true;
    return false;
  }

  /** How many neighbours this peer dialed itself. */
  outboundCount(): number {
    let n = 0;
    for (const link of this.#peers.values()) if (link.accepted && link.outbound) n++;
    return n;
  }

  /** Whether `id` is a peer link, being dialed, or being checked: never evicted nor dialed again. */
  isBusyWith(id: PeerId): boolean {
    return this.#peers.has(id) || this.#dialing.has(id) || this.#checking.has(id);
  }

  /** Whether a liveness dial to `id` is under way. */
  isChecking(id: PeerId): boolean {
    return this.#checking.has(id);
  }

  /** Opens a link record (an accepted connection, or the start of a dial). */
  open(
    outbound: boolean,
    purpose: LinkPurpose,
    dialAddr: string | undefined,
    expectId: PeerId | undefined,
    nowMs: number,
  ): Link {
    const link: Link = {
      conn: this.#nextConn++,
      outbound,
      openedAtMs: nowMs,
      purpose,
      sourceHost: undefined,
      dialAddr,
      expectId,
      remote: undefined,
      byeReceived: false,
      lastUsefulMs: -Infinity,
      lastReceivedMs: nowMs,
      lastSentMs: nowMs,
      unansweredWants: undefined,
      askedUpTo: undefined,
      accepted: outbound,
      rewire: false,
      registration: { outbox: [], awaitingPeers: false, registeredAtMs: -Infinity },
      tree: {
        lazyFor: new Set(),
        offSharedTree: false,
        announced: new Map(),
        prunedAtMs: -Infinity,
      },
    };
    this.#byConn.set(link.conn, link);
    return link;
  }

  /** Dials `addr`, expecting `expectId` to answer when it is a known member. */
  dial(addr: string, purpose: LinkPurpose, expectId: PeerId | undefined, nowMs: number): Link {
    const link = this.open(true, purpose, addr, expectId, nowMs);
    if (expectId !== undefined) {
      (purpose === "liveness" ? this.#checking : this.#dialing).set(expectId, link.conn);
    }
    this.#emit({ type: "dial", conn: link.conn, addr });
    return link;
  }

  /** A dial finished its hello: it no longer counts as in flight. */
  settleDial(link: Link): void {
    if (link.expectId === undefined) return;
    this.#dialing.delete(link.expectId);
    if (this.#checking.get(link.expectId) === link.conn) this.#checking.delete(link.expectId);
  }

  /** Sends `message` on `link`. */
  send(link: Link, message: Message, nowMs: number): void {
    link.lastSentMs = nowMs;
    if (message.type === "want" && this.#asksMore(link, message)) {
      if (link.unansweredWants === undefined) link.unansweredWants = { sinceMs: nowMs, count: 1 };
      else link.unansweredWants.count++;
    }
    this.#emit({ type: "send", conn: link.conn, message });
  }

  /** Whether `want` asks `link` for more than we asked it before (and notes what it asks). */
  #asksMore(link: Link, want: Want): boolean {
    let more = false;
    const askedUpTo = link.askedUpTo ??= new Map();
    for (const { author, to } of want.ranges) {
      if (to > (askedUpTo.get(author) ?? 0)) {
        askedUpTo.set(author, to);
        more = true;
      }
    }
    return more;
  }

  /** Sends to every neighbour but `exceptConn`. */
  flood(message: Message, exceptConn: ConnId | undefined, nowMs: number): void {
    for (const link of this.#peers.values()) {
      if (link.accepted && link.conn !== exceptConn) this.send(link, message, nowMs);
    }
  }

  /** Says `bye` (when the remote has not) and closes. */
  close(link: Link, reason: string, nowMs: number): void {
    if (!this.#byConn.has(link.conn)) return;
    if (link.remote !== undefined && !link.byeReceived) {
      this.send(link, { type: "bye", reason }, nowMs);
    }
    this.forget(link);
    this.#emit({ type: "close", conn: link.conn, reason });
  }

  /** Drops every reference to a link. */
  forget(link: Link): void {
    this.#byConn.delete(link.conn);
    const id = link.remote?.id;
    if (id !== undefined && this.#peers.get(id) === link) this.#peers.delete(id);
    if (link.expectId !== undefined) {
      if (this.#dialing.get(link.expectId) === link.conn) this.#dialing.delete(link.expectId);
      if (this.#checking.get(link.expectId) === link.conn) this.#checking.delete(link.expectId);
    }
  }
}
