/**
 * The peer actor: membership, connection upkeep, failure detection and causal
 * chat, as one sans-I/O state machine. Every transition of a peer lives here;
 * time arrives as `nowMs`, randomness from the injected {@linkcode Random}.
 *
 * @module
 */

import { HoldBackQueue } from "../causal/hold_back_queue.ts";
import type { VectorClock } from "../causal/vector_clock.ts";
import { MemberTable } from "../membership/member_table.ts";
import { pick, type Random, sample } from "../random/random.ts";
import {
  type ChatMessage,
  type Hello,
  type MemberInfo,
  type Message,
  type PeerId,
  PROTOCOL_VERSION,
} from "../wire/message.ts";
import type { Actor } from "./actor.ts";
import type { ConnId, Effect } from "./effect.ts";
import {
  type PeerNodeOptions,
  type ResolvedPeerNodeOptions,
  resolvePeerNodeOptions,
} from "./peer_node_options.ts";

const NO_SIGNATURE = new Uint8Array(0);

/** Why a connection exists, which decides what its messages mean. */
type LinkPurpose = "peer" | "bootstrap" | "probe";

/** One connection as the actor sees it. */
interface Link {
  readonly conn: ConnId;
  readonly outbound: boolean;
  purpose: LinkPurpose;
  /** The address dialed, for outbound links. */
  readonly dialAddr: string | undefined;
  /** The member we expected to answer, for dials to a known member. */
  readonly expectId: PeerId | undefined;
  /** The remote hello, once established. */
  remote: Hello | undefined;
  /** For peer links: counted as a neighbour (inbound links are decided on their first message). */
  accepted: boolean;
  /** For bootstrap links: messages waiting for the connection. */
  outbox: Message[];
  /** For bootstrap links: a `register` is unanswered. */
  awaitingPeers: boolean;
  /** The remote said it is closing on purpose: its disconnect is not a failure. */
  byeReceived: boolean;
  lastReceivedMs: number;
  lastSentMs: number;
}

/** A live member as reported to front ends. */
export interface PeerSummary {
  readonly id: PeerId;
  readonly addr: string;
  /** Whether this peer holds a direct connection to it. */
  readonly connected: boolean;
}

/**
 * A chat peer. Drive it through {@linkcode Actor}; call {@linkcode PeerNode.start}
 * once, then feed events and apply the effects it returns.
 *
 * @example
 * ```ts
 * import { PeerNode } from "./peer_node.ts";
 * import { seededRandom } from "../random/random.ts";
 * const node = new PeerNode({ id: "aa".repeat(32), addr: "127.0.0.1:9000", nick: "ann", random: seededRandom(1) });
 * node.start(0);
 * const sent = node.sendChat("hello", 1_700_000_000_000, 0);
 * if (sent.seq !== 1) throw new Error("first message must have seq 1");
 * ```
 */
export class PeerNode implements Actor {
  readonly #options: ResolvedPeerNodeOptions;
  readonly #random: Random;
  readonly #id: PeerId;
  readonly #addr: string;
  #nick: string;
  #incarnation = 0;
  readonly #members: MemberTable;
  readonly #queue: HoldBackQueue<ChatMessage>;
  readonly #links = new Map<ConnId, Link>();
  /** Established peer links by remote id (accepted or not yet). */
  readonly #peerLinks = new Map<PeerId, Link>();
  /** Outbound dials in flight by the member they expect. */
  readonly #dialing = new Map<PeerId, ConnId>();
  /** Members whose failure is being verified by a probe dial. */
  readonly #probing = new Map<PeerId, ConnId>();
  /** Open or pending links to bootstraps, by address. */
  readonly #bootstrapLinks = new Map<string, Link>();
  #effects: Effect[] = [];
  #nextConn = 1;
  #started = false;
  #leaving = false;
  #registered = false;
  #gossipAtMs = Infinity;
  #heartbeatAtMs = Infinity;
  #registerAtMs = Infinity;

  /** A peer that has not started yet. */
  constructor(options: PeerNodeOptions) {
    this.#options = resolvePeerNodeOptions(options);
    this.#random = options.random;
    this.#id = options.id;
    this.#addr = options.addr;
    this.#nick = options.nick;
    this.#members = new MemberTable(this.#id, {
      membersMax: this.#options.membersMax,
      deadRetentionMs: this.#options.deadRetentionMs,
    });
    this.#queue = new HoldBackQueue<ChatMessage>({
      messagesMax: this.#options.holdBackMessagesMax,
      perAuthorMax: this.#options.holdBackPerAuthorMax,
      seqAheadMax: this.#options.seqAheadMax,
    });
  }

  /** This peer's id. */
  get id(): PeerId {
    return this.#id;
  }

  /** This peer's advertised address. */
  get addr(): string {
    return this.#addr;
  }

  /** The nick put on messages sent from now on. */
  get nick(): string {
    return this.#nick;
  }

  /** What this peer has delivered, per author. */
  get deliveredClock(): VectorClock {
    return this.#queue.delivered;
  }

  /** Messages waiting in the hold-back queue for their causes. */
  get heldBackCount(): number {
    return this.#queue.heldCount;
  }

  /** Changes the nick used from the next message on. */
  setNick(nick: string): void {
    this.#nick = nick;
  }

  /** The members this peer believes alive, with whether each is a neighbour. */
  peers(): PeerSummary[] {
    return this.#members.live().map((m) => ({
      id: m.id,
      addr: m.addr,
      connected: this.#peerLinks.get(m.id)?.accepted === true,
    }));
  }

  /** Neighbours: accepted peer links. */
  neighbourIds(): PeerId[] {
    return [...this.#peerLinks.values()].filter((l) => l.accepted).map((l) => l.remote!.id);
  }

  /** Begins registering and scheduling; call once. */
  start(nowMs: number): void {
    if (this.#started) throw new TypeError("Cannot start peer: already started");
    this.#started = true;
    this.#gossipAtMs = nowMs + this.#jitter(this.#options.gossipIntervalMs);
    this.#heartbeatAtMs = nowMs + this.#options.heartbeatIntervalMs;
    this.#registerAtMs = nowMs;
    this.handleTimeout(nowMs);
  }

  /** Also dial `addr` (a peer or a bootstrap) to join through it. */
  join(addr: string, nowMs: number): void {
    this.#sendToBootstrap(addr, { type: "register" }, nowMs);
  }

  /**
   * Authors a chat message: delivers it locally at once (own messages are
   * always deliverable) and floods it to the neighbours.
   */
  sendChat(text: string, ts: number, nowMs: number): ChatMessage {
    if (this.#leaving) throw new TypeError("Cannot send: the peer is leaving");
    const delivered = this.#queue.delivered;
    const seq = (delivered.get(this.#id) ?? 0) + 1;
    const clock = new Map(delivered);
    clock.set(this.#id, seq);
    const message: ChatMessage = {
      author: this.#id,
      seq,
      clock,
      nick: this.#nick,
      text,
      ts,
      signature: NO_SIGNATURE,
    };
    const released = this.#queue.recordOwn(message);
    this.#emit({ type: "deliver", message });
    for (const m of released) this.#emit({ type: "deliver", message: m });
    this.#flood({ type: "chat", message }, undefined, nowMs);
    return message;
  }

  /**
   * Leaves gracefully: tells every neighbour that this peer is gone (so they
   * do not mistake the silence for a crash), then closes every connection.
   */
  leave(nowMs: number): void {
    if (this.#leaving) return;
    this.#leaving = true;
    const gone: MemberInfo = {
      id: this.#id,
      addr: this.#addr,
      incarnation: this.#incarnation,
      status: "dead",
    };
    for (const link of [...this.#links.values()]) {
      if (link.remote === undefined) {
        this.#forget(link);
        this.#emit({ type: "close", conn: link.conn, reason: "leaving" });
        continue;
      }
      if (link.purpose === "peer" && link.accepted) {
        this.#send(link, { type: "member", member: gone }, nowMs);
      }
      this.#close(link, "leaving", nowMs);
    }
    // Deregister at once rather than let the registration lapse; the
    // bootstrap trusts a peer's word about itself.
    for (const addr of this.#options.bootstraps) {
      this.#sendToBootstrap(addr, { type: "member", member: gone }, nowMs);
    }
    this.#gossipAtMs = this.#registerAtMs = Infinity;
  }

  /** Connections open or being opened; after `leave`, zero means the goodbyes are out. */
  get linkCount(): number {
    return this.#links.size;
  }

  // ---- Actor ----

  /** @inheritdoc */
  localHello(): Hello {
    return {
      type: "hello",
      version: PROTOCOL_VERSION,
      id: this.#id,
      addr: this.#addr,
      nick: this.#nick,
      role: "peer",
      incarnation: this.#incarnation,
    };
  }

  /** @inheritdoc */
  handleAccepted(remote: Hello, nowMs: number): ConnId {
    const link = this.#newLink(false, "peer", undefined, undefined, nowMs);
    link.remote = remote;
    if (this.#leaving) {
      this.#close(link, "leaving", nowMs);
    } else if (remote.role === "bootstrap") {
      // A bootstrap checking that we are alive: the hello was the answer.
      link.purpose = "probe";
    } else if (remote.id === this.#id) {
      this.#close(link, "connected to self", nowMs);
    } else {
      this.#establishPeer(link, nowMs);
    }
    return link.conn;
  }

  /** @inheritdoc */
  handleConnected(conn: ConnId, remote: Hello, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined || link.remote !== undefined) return;
    link.remote = remote;
    link.lastReceivedMs = nowMs;
    if (link.expectId !== undefined) {
      this.#dialing.delete(link.expectId);
      if (this.#probing.get(link.expectId) === conn) this.#probing.delete(link.expectId);
      if (remote.id !== link.expectId) {
        // Another node now answers at that address: the one we knew is gone.
        this.#declareDead(link.expectId, `${link.dialAddr} now answers as another peer`, nowMs);
      }
    }
    if (remote.id === this.#id) {
      this.#close(link, "connected to self", nowMs);
      return;
    }
    if (link.purpose === "bootstrap") {
      this.#registered ||= remote.role === "peer";
      for (const message of link.outbox) this.#send(link, message, nowMs);
      link.outbox = [];
      if (remote.role === "peer") {
        // Joining through a peer: keep it as a neighbour.
        this.#bootstrapLinks.delete(link.dialAddr!);
        link.purpose = "peer";
        link.awaitingPeers = false;
        this.#establishPeer(link, nowMs);
      } else if (!link.awaitingPeers) {
        this.#close(link, "done", nowMs);
      }
      return;
    }
    if (remote.role !== "peer") {
      this.#close(link, "expected a peer", nowMs);
      return;
    }
    if (link.purpose === "probe" && this.#acceptedCount() >= this.#options.connectionsMax) {
      this.#close(link, "verified alive", nowMs);
      return;
    }
    link.purpose = "peer";
    this.#establishPeer(link, nowMs);
    if (this.#links.has(conn) && link.accepted) {
      const alone = this.#acceptedCount() === 1;
      this.#send(link, alone ? { type: "register" } : { type: "get-peers" }, nowMs);
    }
  }

  /** @inheritdoc */
  handleDialFailed(conn: ConnId, reason: string, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined || link.remote !== undefined) return;
    this.#forget(link);
    if (link.purpose === "bootstrap") {
      this.#log("warn", `Cannot reach bootstrap ${link.dialAddr}: ${reason}`);
      return;
    }
    if (link.expectId !== undefined) {
      this.#declareDead(link.expectId, `unreachable: ${reason}`, nowMs);
    }
    this.#maintainConnections(nowMs);
  }

  /** @inheritdoc */
  handleMessage(conn: ConnId, message: Message, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined || link.remote === undefined) return;
    link.lastReceivedMs = nowMs;
    if (link.purpose === "peer" && !link.accepted && !this.#decideInbound(link, message, nowMs)) {
      return;
    }
    switch (message.type) {
      case "register":
      case "get-peers":
        this.#send(link, { type: "peers", peers: this.#peerList(link.remote.id) }, nowMs);
        return;
      case "peers":
        this.#onPeers(link, message.peers, nowMs);
        return;
      case "member":
        if (this.#applyMember(message.member, nowMs, link.remote.id)) {
          this.#flood(message, conn, nowMs);
        }
        return;
      case "ping":
        this.#send(link, { type: "pong", nonce: message.nonce }, nowMs);
        return;
      case "pong":
        return;
      case "chat":
        if (link.purpose === "peer") this.#onChat(message.message, conn, nowMs);
        return;
      case "bye":
        link.byeReceived = true;
        this.#log("debug", `${short(link.remote.id)} closes: ${message.reason}`);
        this.#close(link, `remote said bye: ${message.reason}`, nowMs);
        return;
    }
  }

  /** @inheritdoc */
  handleDisconnected(conn: ConnId, reason: string, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined) return;
    this.#forget(link);
    const remote = link.remote;
    if (remote === undefined || link.purpose !== "peer" || link.byeReceived) return;
    this.#log("info", `Lost ${short(remote.id)} (${remote.addr}): ${reason}`);
    this.#suspect(remote.id, nowMs);
    this.#maintainConnections(nowMs);
  }

  /** @inheritdoc */
  handleTimeout(nowMs: number): void {
    if (nowMs >= this.#registerAtMs) {
      for (const addr of this.#options.bootstraps) {
        this.#sendToBootstrap(addr, { type: "register" }, nowMs);
      }
      this.#registerAtMs = nowMs +
        (this.#registered ? this.#options.registerIntervalMs : this.#options.registerRetryMs);
      if (this.#options.bootstraps.length === 0) this.#registerAtMs = Infinity;
    }
    if (nowMs >= this.#heartbeatAtMs) {
      this.#checkHeartbeats(nowMs);
      this.#heartbeatAtMs = nowMs + this.#options.heartbeatIntervalMs / 2;
    }
    if (nowMs >= this.#gossipAtMs) {
      const target = pick(this.#acceptedLinks(), this.#random);
      if (target !== undefined) this.#send(target, { type: "get-peers" }, nowMs);
      this.#maintainConnections(nowMs);
      this.#members.expire(nowMs);
      this.#gossipAtMs = nowMs + this.#jitter(this.#options.gossipIntervalMs);
    }
  }

  /** @inheritdoc */
  nextDeadlineMs(): number {
    return Math.min(this.#gossipAtMs, this.#heartbeatAtMs, this.#registerAtMs);
  }

  /** @inheritdoc */
  takeEffects(): Effect[] {
    const effects = this.#effects;
    this.#effects = [];
    return effects;
  }

  // ---- connections ----

  #newLink(
    outbound: boolean,
    purpose: LinkPurpose,
    dialAddr: string | undefined,
    expectId: PeerId | undefined,
    nowMs: number,
  ): Link {
    const link: Link = {
      conn: this.#nextConn++,
      outbound,
      purpose,
      dialAddr,
      expectId,
      remote: undefined,
      accepted: outbound,
      outbox: [],
      awaitingPeers: false,
      byeReceived: false,
      lastReceivedMs: nowMs,
      lastSentMs: nowMs,
    };
    this.#links.set(link.conn, link);
    return link;
  }

  #dial(addr: string, purpose: LinkPurpose, expectId: PeerId | undefined, nowMs: number): Link {
    const link = this.#newLink(true, purpose, addr, expectId, nowMs);
    if (expectId !== undefined) {
      (purpose === "probe" ? this.#probing : this.#dialing).set(expectId, link.conn);
    }
    this.#emit({ type: "dial", conn: link.conn, addr });
    return link;
  }

  /** Registers an established peer link, resolving duplicates and learning the remote. */
  #establishPeer(link: Link, nowMs: number): void {
    const remote = link.remote!;
    const existing = this.#peerLinks.get(remote.id);
    if (existing !== undefined && existing !== link) {
      // Both sides dialed: keep the connection dialed by the smaller id, which
      // both ends compute alike.
      const initiator = (l: Link) => (l.outbound ? this.#id : remote.id);
      const keepNew = initiator(link) < initiator(existing);
      const loser = keepNew ? existing : link;
      if (keepNew) link.accepted ||= existing.accepted;
      this.#close(loser, "duplicate", nowMs);
      if (!keepNew) return;
    }
    this.#peerLinks.set(remote.id, link);
    this.#learnFromHello(link, nowMs);
  }

  /** Decides whether an inbound peer link becomes a neighbour, on its first message. */
  #decideInbound(link: Link, first: Message, nowMs: number): boolean {
    if (first.type === "register") {
      // A peer with no other neighbour: always take it, making room if needed
      // (HyParView's forced join), so newcomers are never locked out.
      link.accepted = true;
      if (this.#acceptedCount() > this.#options.connectionsMax) {
        const victim = pick(
          this.#acceptedLinks().filter((l) => l !== link),
          this.#random,
        );
        if (victim !== undefined) this.#close(victim, "rebalance", nowMs);
      }
      return true;
    }
    if (this.#acceptedCount() < this.#options.connectionsMax) {
      link.accepted = true;
      return true;
    }
    this.#send(link, { type: "peers", peers: this.#peerList(link.remote!.id) }, nowMs);
    this.#close(link, "full", nowMs);
    return false;
  }

  #acceptedLinks(): Link[] {
    const links: Link[] = [];
    for (const link of this.#peerLinks.values()) if (link.accepted) links.push(link);
    return links;
  }

  #acceptedCount(): number {
    let n = 0;
    for (const link of this.#peerLinks.values()) if (link.accepted) n++;
    return n;
  }

  /** Dials random live members until the neighbour target is met. */
  #maintainConnections(nowMs: number): void {
    if (this.#leaving) return;
    let budget = this.#options.connectionsMax - this.#acceptedCount() - this.#dialing.size;
    while (budget > 0 && this.#dialing.size < this.#options.dialsInFlightMax) {
      const target = this.#members.randomLive(
        this.#random,
        (m) => this.#peerLinks.has(m.id) || this.#dialing.has(m.id) || this.#probing.has(m.id),
      );
      if (target === undefined) return;
      this.#dial(target.addr, "peer", target.id, nowMs);
      budget--;
    }
  }

  #checkHeartbeats(nowMs: number): void {
    for (const link of [...this.#links.values()]) {
      if (link.remote === undefined) continue;
      if (nowMs - link.lastReceivedMs >= this.#options.heartbeatTimeoutMs) {
        const remote = link.remote;
        this.#close(link, "heartbeat timeout", nowMs);
        if (link.purpose === "peer") {
          this.#log(
            "info",
            `No heartbeat from ${short(remote.id)} for ${this.#options.heartbeatTimeoutMs} ms`,
          );
          this.#suspect(remote.id, nowMs);
        }
      } else if (nowMs - link.lastSentMs >= this.#options.heartbeatIntervalMs) {
        this.#send(link, { type: "ping", nonce: this.#random.int(0x1_0000_0000) }, nowMs);
      }
    }
  }

  #sendToBootstrap(addr: string, message: Message, nowMs: number): void {
    let link = this.#bootstrapLinks.get(addr);
    if (link === undefined) {
      link = this.#dial(addr, "bootstrap", undefined, nowMs);
      this.#bootstrapLinks.set(addr, link);
    }
    if (message.type === "register") {
      if (link.awaitingPeers) return; // one unanswered registration is enough
      link.awaitingPeers = true;
    }
    if (link.remote === undefined) link.outbox.push(message);
    else this.#send(link, message, nowMs);
  }

  #send(link: Link, message: Message, nowMs: number): void {
    link.lastSentMs = nowMs;
    this.#emit({ type: "send", conn: link.conn, message });
  }

  #flood(message: Message, exceptConn: ConnId | undefined, nowMs: number): void {
    for (const link of this.#peerLinks.values()) {
      if (link.accepted && link.conn !== exceptConn) this.#send(link, message, nowMs);
    }
  }

  #close(link: Link, reason: string, nowMs: number): void {
    if (!this.#links.has(link.conn)) return;
    if (link.remote !== undefined && !link.byeReceived) {
      this.#send(link, { type: "bye", reason }, nowMs);
    }
    this.#forget(link);
    this.#emit({ type: "close", conn: link.conn, reason });
  }

  /** Drops every reference to a link. */
  #forget(link: Link): void {
    this.#links.delete(link.conn);
    const id = link.remote?.id;
    if (id !== undefined && this.#peerLinks.get(id) === link) this.#peerLinks.delete(id);
    if (link.expectId !== undefined) {
      if (this.#dialing.get(link.expectId) === link.conn) this.#dialing.delete(link.expectId);
      if (this.#probing.get(link.expectId) === link.conn) this.#probing.delete(link.expectId);
    }
    if (link.dialAddr !== undefined && this.#bootstrapLinks.get(link.dialAddr) === link) {
      this.#bootstrapLinks.delete(link.dialAddr);
    }
  }

  // ---- membership ----

  #selfInfo(): MemberInfo {
    return { id: this.#id, addr: this.#addr, incarnation: this.#incarnation, status: "alive" };
  }

  /** A peer list for `requester`: ourselves plus a random sample of what we know. */
  #peerList(requester: PeerId): MemberInfo[] {
    const known = this.#members.all().filter((m) => m.id !== requester);
    const room = this.#options.peersPerMessageMax - 1;
    const picked = known.length <= room ? known : sample(known, room, this.#random);
    return [this.#selfInfo(), ...picked.map(toInfo)];
  }

  #onPeers(link: Link, peers: readonly MemberInfo[], nowMs: number): void {
    for (const info of peers) this.#applyMember(info, nowMs);
    if (link.purpose === "bootstrap" && link.awaitingPeers) {
      link.awaitingPeers = false;
      this.#registered = true;
      if (link.outbox.length === 0) this.#close(link, "done", nowMs);
    }
    this.#maintainConnections(nowMs);
  }

  /** A direct connection proves its remote alive; tell everyone about a newcomer. */
  #learnFromHello(link: Link, nowMs: number): void {
    const remote = link.remote!;
    const info: MemberInfo = {
      id: remote.id,
      addr: remote.addr,
      incarnation: remote.incarnation,
      status: "alive",
    };
    const known = this.#members.get(remote.id);
    if (known !== undefined && known.status === "dead" && !(info.incarnation > known.incarnation)) {
      // It is talking to us, so it is not dead: show it the tombstone so it
      // refutes it with a higher incarnation.
      this.#send(link, { type: "member", member: toInfo(known) }, nowMs);
      return;
    }
    if (this.#applyMember(info, nowMs)) {
      this.#flood({ type: "member", member: info }, link.conn, nowMs);
    }
  }

  /**
   * Merges a rumor; returns whether it changed anything (and so should
   * spread). `from` is the neighbour it came from, if any.
   */
  #applyMember(info: MemberInfo, nowMs: number, from?: PeerId): boolean {
    if (info.id === this.#id) {
      if (info.status !== "alive" && info.incarnation >= this.#incarnation && !this.#leaving) {
        // Refute: we are alive, and say so with a newer incarnation.
        this.#incarnation = info.incarnation + 1;
        this.#log(
          "info",
          `Refuting a '${info.status}' rumor about us; incarnation now ${this.#incarnation}`,
        );
        this.#flood({ type: "member", member: this.#selfInfo() }, undefined, nowMs);
      }
      return false;
    }
    const { applied, previous } = this.#members.apply(info, nowMs);
    if (!applied) return false;
    const wasLive = previous !== undefined && previous.status !== "dead";
    const isLive = info.status !== "dead";
    if (!wasLive && isLive) this.#emit({ type: "peer-up", id: info.id, addr: info.addr });
    if (wasLive && !isLive) {
      const reason = from === info.id ? "left" : "reported dead";
      this.#emit({ type: "peer-down", id: info.id, addr: info.addr, reason });
    }
    return true;
  }

  /** A neighbour went quiet or away: verify with a fresh dial before declaring it dead. */
  #suspect(id: PeerId, nowMs: number): void {
    const member = this.#members.get(id);
    if (member === undefined || member.status === "dead" || this.#probing.has(id)) return;
    if (this.#leaving) return;
    this.#dial(member.addr, "probe", id, nowMs);
  }

  /** Our own verdict: flood it, tell the bootstraps, and let the front end know. */
  #declareDead(id: PeerId, reason: string, nowMs: number): void {
    const member = this.#members.get(id);
    if (member === undefined || member.status === "dead") return;
    const verdict: MemberInfo = { ...toInfo(member), status: "dead" };
    this.#members.apply(verdict, nowMs);
    this.#log("info", `Peer ${short(id)} (${member.addr}) is dead: ${reason}`);
    this.#emit({ type: "peer-down", id, addr: member.addr, reason });
    const link = this.#peerLinks.get(id);
    if (link !== undefined) this.#close(link, "declared dead", nowMs);
    this.#flood({ type: "member", member: verdict }, undefined, nowMs);
    for (const addr of this.#options.bootstraps) {
      this.#sendToBootstrap(addr, { type: "member", member: verdict }, nowMs);
    }
  }

  // ---- chat ----

  #onChat(message: ChatMessage, from: ConnId, nowMs: number): void {
    if (this.#queue.has(message.author, message.seq)) return;
    const result = this.#queue.offer(message);
    if (result.status === "rejected") {
      this.#log(
        "debug",
        `Dropped message ${short(message.author)}#${message.seq}: ${result.reason}`,
      );
      return;
    }
    if (result.status === "duplicate") return;
    this.#flood({ type: "chat", message }, from, nowMs);
    for (const m of result.delivered) this.#emit({ type: "deliver", message: m });
  }

  // ---- helpers ----

  #emit(effect: Effect): void {
    this.#effects.push(effect);
  }

  #log(level: "debug" | "info" | "warn", text: string): void {
    this.#emit({ type: "log", level, text });
  }

  /** `ms` ± 10 %, so that peers do not fall into lockstep. */
  #jitter(ms: number): number {
    return ms * (0.9 + 0.2 * this.#random.float());
  }
}

function toInfo(entry: MemberInfo): MemberInfo {
  return { id: entry.id, addr: entry.addr, incarnation: entry.incarnation, status: entry.status };
}

/** The first 8 hex digits of an id: enough to tell peers apart in logs. */
export function short(id: PeerId): string {
  return id.slice(0, 8);
}
