/**
 * The peer actor: membership, connection upkeep, failure detection and causal
 * chat, as one sans-I/O state machine. Every transition of a peer lives here;
 * time arrives as `nowMs`, randomness from the injected {@linkcode Random}.
 *
 * The parts, each described in PROTOCOL.md § Behaviour:
 * - connections: a bounded active view, filled by dialing random members;
 * - membership: SWIM-style rumors merged by precedence, peer-list pulls, and
 *   a table that becomes a random partial view past `membersMax`;
 * - failure detection: SWIM probes with indirect probes and suspicion that
 *   the suspect can refute;
 * - dissemination: eager push along a self-pruning tree (Plumtree), lazy
 *   `have` announcements on the other links, and periodic anti-entropy
 *   (full `have`) that repairs loss, partitions and late joins from a
 *   bounded message log;
 * - causal delivery through the hold-back queue.
 *
 * @module
 */

import { MessageLog } from "../broadcast/message_log.ts";
import { HoldBackQueue } from "../causal/hold_back_queue.ts";
import type { VectorClock } from "../causal/vector_clock.ts";
import { type MakeRoom, MemberTable } from "./member_table.ts";
import { pick, type Random, sample } from "../random/random.ts";
import {
  type ChatMessage,
  type Direct,
  DIRECT_ID_BYTES,
  type Have,
  type Hello,
  type MemberInfo,
  type Message,
  type PeerId,
  PROTOCOL_VERSION,
  type SeqRange,
  type Skip,
  type Want,
} from "../wire/message.ts";
import type { Actor } from "../actor/actor.ts";
import { TimerTable } from "../actor/timer_table.ts";
import type { ConnId, Effect } from "../actor/effect.ts";
import {
  type PeerNodeOptions,
  type ResolvedPeerNodeOptions,
  resolvePeerNodeOptions,
} from "./peer_node_options.ts";
import { PEER_TIMERS, type PeerTimer } from "./peer_timer.ts";

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
  /** For bootstrap links: when the last `register` was sent or queued. */
  registeredAtMs: number;
  /** The remote said it is closing on purpose: its disconnect is not a failure. */
  byeReceived: boolean;
  lastReceivedMs: number;
  lastSentMs: number;
  /**
   * Broadcast trees, one per author: the authors whose messages are not
   * pushed on this link (it is not on their tree) but announced lazily.
   */
  lazyFor: Set<PeerId>;
  /** What we last announced on this link, per author. */
  announced: Map<PeerId, number>;
  /** A rewiring dial: once accepted, one other neighbour is let go. */
  rewire: boolean;
}

/** The probe of the current SWIM period. */
interface Probe {
  readonly target: PeerId;
  readonly nonce: number;
  readonly sentAtMs: number;
  indirectSent: boolean;
  answered: boolean;
}

/** An indirect probe we run for another peer. */
interface Relay {
  readonly requester: ConnId;
  readonly target: PeerId;
  readonly nonce: number;
  readonly expiresAtMs: number;
}

/** A member we suspect, and since when (our clock, adjusted for our own stalls). */
interface Suspicion {
  readonly incarnation: number;
  sinceMs: number;
}

/** A message announced by a lazy neighbour that has not arrived yet. */
interface Missing {
  upTo: number;
  conn: ConnId;
  readonly sinceMs: number;
  /** Announced lazily (the tree should have brought it): pull it with a graft. */
  graft: boolean;
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
 * import assert from "node:assert/strict";
 * import { PeerNode } from "./peer_node.ts";
 * import { seededRandom } from "../random/random.ts";
 * const node = new PeerNode({ id: "aa".repeat(32), addr: "127.0.0.1:9000", nick: "ann", random: seededRandom(1) });
 * node.start(0);
 * assert.equal(node.sendChat("hello", 1_700_000_000_000, 0).seq, 1);
 * ```
 */
export class PeerNode implements Actor {
  readonly #options: ResolvedPeerNodeOptions;
  readonly #random: Random;
  readonly #id: PeerId;
  readonly #addr: string;
  #nick: string;
  #incarnation: number;
  readonly #members: MemberTable;
  readonly #queue: HoldBackQueue<ChatMessage>;
  readonly #history: MessageLog<ChatMessage>;
  readonly #links = new Map<ConnId, Link>();
  /** Established peer links by remote id (accepted or not yet). */
  readonly #peerLinks = new Map<PeerId, Link>();
  /** Outbound dials in flight by the member they expect. */
  readonly #dialing = new Map<PeerId, ConnId>();
  /** Members whose failure is being verified by a probe dial. */
  readonly #probing = new Map<PeerId, ConnId>();
  /** Open or pending links to bootstraps (and join points), by address. */
  readonly #bootstrapLinks = new Map<string, Link>();
  /** Suspects we are timing, with the incarnation they were suspected at. */
  readonly #suspects = new Map<PeerId, Suspicion>();
  /** Indirect probes we run for others, by the nonce of our ping. */
  readonly #relays = new Map<number, Relay>();
  /** Announced but not yet arrived, per author. */
  readonly #missing = new Map<PeerId, Missing>();
  /** Skips received, per author, not yet backed by a message that proves the gap. */
  readonly #pendingSkips = new Map<PeerId, PendingSkip>();
  /** Direct message ids seen (bounded, oldest forgotten first). */
  readonly #directSeen = new Set<string>();
  /** Members that refused us as full, until when they are left alone. */
  readonly #fullUntil = new Map<PeerId, number>();
  readonly #makeRoom: MakeRoom;
  #probe: Probe | undefined;
  #probeCursor = 0;
  #effects: Effect[] = [];
  #nextConn = 1;
  #started = false;
  #leaving = false;
  #registered = false;
  /** Deliveries so far: lazy announcements go out only when it moved. */
  #deliveries = 0;
  #announcedDeliveries = 0;
  readonly #timers = new TimerTable<PeerTimer>(PEER_TIMERS);
  #fullPullAtMs = 0;

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
    this.#makeRoom = {
      random: this.#random,
      keep: (id) => this.#peerLinks.has(id) || this.#dialing.has(id) || this.#probing.has(id),
    };
    const restore = this.#options.restore;
    this.#incarnation = restore?.incarnation ?? 0;
    const delivered = new Map<PeerId, number>(restore?.skipped ?? []);
    for (const m of restore?.messages ?? []) delivered.set(m.author, m.seq);
    this.#queue = new HoldBackQueue<ChatMessage>({
      messagesMax: this.#options.holdBackMessagesMax,
      perAuthorMax: this.#options.holdBackPerAuthorMax,
      seqAheadMax: this.#options.seqAheadMax,
      authorsMax: this.#options.authorsMax,
      reservedAuthor: this.#id,
      delivered,
    });
    this.#history = new MessageLog<ChatMessage>({ messagesMax: this.#options.historyMessagesMax });
    for (const [author, seq] of restore?.skipped ?? []) this.#history.skipTo(author, seq);
    for (const m of restore?.messages ?? []) this.#history.add(m);
    this.#deliveries = restore?.messages.length ?? 0;
    this.#announcedDeliveries = this.#deliveries;
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

  /** The current incarnation (raised to refute suspicions). */
  get incarnation(): number {
    return this.#incarnation;
  }

  /** What this peer has delivered, per author. */
  get deliveredClock(): VectorClock {
    return this.#queue.delivered;
  }

  /** How many of `author`'s messages this peer has delivered (or skipped). */
  deliveredSeq(author: PeerId): number {
    return this.#queue.deliveredSeq(author);
  }

  /** Messages waiting in the hold-back queue for their causes. */
  get heldBackCount(): number {
    return this.#queue.heldCount;
  }

  /** Messages kept in the history window. */
  get historySize(): number {
    return this.#history.size;
  }

  /** Members believed alive or suspected. */
  get liveMemberCount(): number {
    return this.#members.liveCount;
  }

  /** Members remembered, tombstones included. */
  get memberCount(): number {
    return this.#members.size;
  }

  /** Connections open or being opened; after `leave`, zero means the goodbyes are out. */
  get linkCount(): number {
    return this.#links.size;
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

  /** Whether this peer believes `id` alive (or only suspected). */
  knowsAlive(id: PeerId): boolean {
    return this.#members.isLive(id);
  }

  /** Neighbours: accepted peer links. */
  neighbourIds(): PeerId[] {
    return this.#acceptedLinks().map((l) => l.remote!.id);
  }

  /** Neighbours this peer pushes `author`'s messages to at once (its links on that author's tree). */
  eagerNeighbourIds(author: PeerId): PeerId[] {
    return this.#acceptedLinks().filter((l) => !l.lazyFor.has(author)).map((l) => l.remote!.id);
  }

  /** Begins registering and scheduling; call once. */
  start(nowMs: number): void {
    if (this.#started) throw new TypeError("Cannot start peer: already started");
    this.#started = true;
    // The jitter draws come in this order; it is part of the behaviour.
    this.#timers.set("gossip", nowMs + this.#jitter(this.#options.gossipIntervalMs));
    this.#timers.set("heartbeat", nowMs + this.#options.heartbeatIntervalMs);
    this.#timers.set("probe-period", nowMs + this.#jitter(this.#options.probeIntervalMs));
    this.#timers.set("sync", nowMs + this.#jitter(this.#options.syncIntervalMs));
    this.#timers.set("rewire", nowMs + this.#jitter(this.#options.mixIntervalMs));
    this.#timers.set("reconnect", nowMs + this.#jitter(this.#options.reconnectIntervalMs));
    this.#timers.set("register", nowMs);
    for (const addr of this.#options.joins) this.join(addr, nowMs);
    this.handleTimeout(nowMs);
  }

  /** Also dial `addr` (a peer or a bootstrap) to join through it. */
  join(addr: string, nowMs: number): void {
    this.#sendToBootstrap(addr, { type: "register" }, nowMs);
  }

  /**
   * Authors a chat message: delivers it locally at once (own messages are
   * always deliverable) and pushes it to the neighbours.
   */
  sendChat(text: string, ts: number, nowMs: number): ChatMessage {
    if (this.#leaving) throw new TypeError("Cannot send: the peer is leaving");
    const { seq, clock } = this.#queue.nextStamp(this.#id);
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
    this.#deliverAll([message, ...released]);
    this.#pushEager(message, undefined, nowMs);
    return message;
  }

  /**
   * Sends a sealed direct message towards `to`: straight to it when it is a
   * neighbour, else through the overlay (each node passes it on once, within
   * `directHopsMax` hops). Only `to` can open `box`.
   */
  sendDirect(to: PeerId, box: Uint8Array, nowMs: number): void {
    if (this.#leaving) throw new TypeError("Cannot send: the peer is leaving");
    let id = "";
    for (let i = 0; i < DIRECT_ID_BYTES / 4; i++) {
      id += this.#random.int(0x1_0000_0000).toString(16).padStart(8, "0");
    }
    this.#routeDirect(
      { type: "direct", to, id, hops: this.#options.directHopsMax, box },
      undefined,
      nowMs,
    );
  }

  /**
   * Leaves gracefully: tells every neighbour and bootstrap that this peer is
   * gone (so they do not mistake the silence for a crash), then closes every
   * connection.
   */
  leave(nowMs: number): void {
    if (this.#leaving) return;
    this.#leaving = true;
    const gone: MemberInfo = { ...this.#selfInfo(), status: "dead" };
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
    for (const timer of TIMERS_STOPPED_BY_LEAVE) this.#timers.stop(timer);
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
      if (
        remote.role === "peer" && !this.#leaving &&
        this.#acceptedCount() < this.#options.connectionsMax
      ) {
        // Joining through a peer: keep it as a neighbour.
        this.#bootstrapLinks.delete(link.dialAddr!);
        link.purpose = "peer";
        link.awaitingPeers = false;
        link.accepted = true;
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
    const replacing = this.#peerLinks.get(remote.id)?.accepted === true;
    if (this.#acceptedCount() >= this.#options.connectionsMax && !replacing) {
      // Inbound connections filled the view while this dial was under way.
      this.#close(link, link.purpose === "probe" ? "verified alive" : "full", nowMs);
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
      this.#log("warn", `Cannot reach ${link.dialAddr}: ${reason}`);
      return;
    }
    if (link.expectId !== undefined) {
      // A refused connection is proof enough that no process listens there any
      // more; silence (a timeout) might be a slow or cut-off peer: suspect it.
      if (reason.startsWith("connection refused")) {
        this.#declareDead(link.expectId, `unreachable: ${reason}`, nowMs);
      } else {
        this.#suspect(link.expectId, `unreachable: ${reason}`, nowMs);
      }
    }
    this.#maintainConnections(nowMs);
  }

  /** @inheritdoc */
  handleMessage(conn: ConnId, message: Message, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined || link.remote === undefined) return;
    link.lastReceivedMs = nowMs;
    if (this.#probe !== undefined && link.remote.id === this.#probe.target) {
      this.#probe.answered = true;
    }
    if (link.purpose === "peer" && !link.accepted && !this.#decideInbound(link, message, nowMs)) {
      return;
    }
    switch (message.type) {
      case "register":
      case "get-peers": {
        const total = this.#members.liveCount;
        if (message.type === "register" || message.all === true) {
          // A newcomer joining through us, or a peer that found it knows less
          // than we do: everything we know, at once.
          for (const peers of this.#fullPeerList(link.remote.id)) {
            this.#send(link, { type: "peers", peers, total }, nowMs);
          }
        } else {
          this.#send(link, { type: "peers", peers: this.#peerList(link.remote.id), total }, nowMs);
        }
        return;
      }
      case "peers":
        this.#onPeers(link, message.peers, nowMs);
        if (message.total !== undefined) this.#compareTotals(link, message.total, nowMs);
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
        this.#onPong(message.nonce, nowMs);
        return;
      case "probe":
        this.#onProbeRequest(link, message.target, message.nonce, nowMs);
        return;
      case "probe-ack":
        if (this.#probe?.target === message.target && this.#probe.nonce === message.nonce) {
          this.#probe.answered = true;
        }
        return;
      case "bye":
        link.byeReceived = true;
        // Only a peer we dialed can turn us away as full (and so be left alone).
        if (message.reason === "full" && link.outbound) {
          this.#fullUntil.set(link.remote.id, nowMs + this.#options.fullBackoffMs);
        }
        this.#log("debug", `${short(link.remote.id)} closes: ${message.reason}`);
        this.#close(link, `remote said bye: ${message.reason}`, nowMs);
        return;
    }
    // The rest is chat traffic: only between neighbours.
    if (link.purpose !== "peer" || !link.accepted) return;
    switch (message.type) {
      case "chat":
        this.#onChat(link, message.message, message.repair === true, nowMs);
        return;
      case "prune":
        // Only authors we track: the set stays within authorsMax.
        for (const author of message.authors) {
          if (this.#queue.knows(author)) link.lazyFor.add(author);
        }
        return;
      case "have":
        this.#onHave(link, message, nowMs);
        return;
      case "want":
        this.#onWant(link, message, nowMs);
        return;
      case "skip":
        this.#onSkip(message, nowMs);
        return;
      case "direct":
        this.#onDirect(link, message, nowMs);
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
    this.#verify(remote.id, nowMs);
    this.#maintainConnections(nowMs);
  }

  /** @inheritdoc */
  handleTimeout(nowMs: number): void {
    const lateMs = nowMs - this.nextDeadlineMs();
    if (lateMs >= STALL_THRESHOLD_MS) this.#recoverFromStall(lateMs);
    for (const timer of PEER_TIMERS) {
      if (this.#timers.isExpired(timer, nowMs)) this.#fire(timer, nowMs);
    }
  }

  /** @inheritdoc */
  nextDeadlineMs(): number {
    return this.#timers.nextDeadlineMs();
  }

  /** Runs one due timer; each sets its own next deadline. */
  #fire(timer: PeerTimer, nowMs: number): void {
    switch (timer) {
      case "register":
        this.#registerTick(nowMs);
        return;
      case "heartbeat":
        this.#checkHeartbeats(nowMs);
        this.#timers.set("heartbeat", nowMs + this.#options.heartbeatIntervalMs / 2);
        return;
      case "gossip": {
        const target = pick(this.#acceptedLinks(), this.#random);
        if (target !== undefined) this.#send(target, { type: "get-peers" }, nowMs);
        this.#maintainConnections(nowMs);
        this.#members.expire(nowMs);
        for (const [id, until] of this.#fullUntil) if (until <= nowMs) this.#fullUntil.delete(id);
        this.#timers.set("gossip", nowMs + this.#jitter(this.#options.gossipIntervalMs));
        return;
      }
      case "indirect-probe":
        this.#probeIndirectly(nowMs);
        return;
      case "probe-period":
        this.#probeTick(nowMs);
        return;
      case "lazy":
        this.#lazyTick(nowMs);
        return;
      case "reconnect": {
        const dead = pick(this.#members.recentDead(16), this.#random);
        if (dead !== undefined && !this.#makeRoom.keep(dead.id)) {
          this.#dial(dead.addr, "peer", dead.id, nowMs);
        }
        this.#timers.set("reconnect", nowMs + this.#jitter(this.#options.reconnectIntervalMs));
        return;
      }
      case "rewire":
        this.#mix(nowMs);
        this.#timers.set("rewire", nowMs + this.#jitter(this.#options.mixIntervalMs));
        return;
      case "sync": {
        const target = pick(this.#acceptedLinks(), this.#random);
        if (target !== undefined) this.#sendFullHave(target, nowMs);
        this.#timers.set("sync", nowMs + this.#jitter(this.#options.syncIntervalMs));
        return;
      }
    }
  }

  /** @inheritdoc */
  isNewChat(message: ChatMessage): boolean {
    return !this.#queue.has(message.author, message.seq);
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
      registeredAtMs: -Infinity,
      byeReceived: false,
      lastReceivedMs: nowMs,
      lastSentMs: nowMs,
      lazyFor: new Set(),
      announced: new Map(),
      rewire: false,
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
    if (link.accepted) this.#welcome(link, nowMs);
  }

  /** A new neighbour: compare histories at once, so a late joiner catches up. */
  #welcome(link: Link, nowMs: number): void {
    this.#sendFullHave(link, nowMs);
    if (!link.outbound && this.#acceptedCount() === 1) {
      // Our first neighbour came to us: we are the newcomer here, so ask it
      // for everything it knows (an outbound first link asks when it opens).
      this.#send(link, { type: "register" }, nowMs);
    }
  }

  /** Decides whether an inbound peer link becomes a neighbour, on its first message. */
  #decideInbound(link: Link, first: Message, nowMs: number): boolean {
    if (first.type === "register") {
      // A peer with no other neighbour: always take it, making room if needed
      // (HyParView's forced join), so newcomers are never locked out.
      link.accepted = true;
      if (this.#acceptedCount() > this.#options.connectionsMax) {
        const victim = pick(this.#acceptedLinks().filter((l) => l !== link), this.#random);
        if (victim !== undefined) this.#close(victim, "rebalance", nowMs);
      }
      this.#welcome(link, nowMs);
      return true;
    }
    if (this.#acceptedCount() < this.#options.connectionsMax) {
      link.accepted = true;
      this.#welcome(link, nowMs);
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

  /** Dials random live members until the active view reaches its target. */
  #maintainConnections(nowMs: number): void {
    if (this.#leaving) return;
    let budget = this.#options.connectionsTarget - this.#acceptedCount() - this.#dialing.size;
    while (budget > 0 && this.#dialing.size < this.#options.dialsInFlightMax) {
      const target = this.#randomNonNeighbour(nowMs);
      if (target === undefined) return;
      this.#dial(target.addr, "peer", target.id, nowMs);
      budget--;
    }
  }

  /** A random alive member that is not a neighbour, not being dialed, and has not just refused us. */
  #randomNonNeighbour(nowMs: number): MemberInfo | undefined {
    return this.#members.randomLive(this.#random, (m) => {
      if (m.status !== "alive" || this.#makeRoom.keep(m.id)) return true;
      const until = this.#fullUntil.get(m.id);
      if (until === undefined) return false;
      if (until > nowMs) return true;
      this.#fullUntil.delete(m.id);
      return false;
    });
  }

  /**
   * Rewiring: at its target, a peer connects to one random non-neighbour and
   * lets go of one random neighbour. Rare and random, it merges an overlay
   * that split while many peers joined at once, and costs nothing in a full
   * mesh (there is no non-neighbour to pick).
   */
  #mix(nowMs: number): void {
    if (this.#leaving || this.#dialing.size > 0) return;
    if (this.#acceptedCount() < this.#options.connectionsTarget) return;
    const target = this.#randomNonNeighbour(nowMs);
    if (target === undefined) return;
    const link = this.#dial(target.addr, "peer", target.id, nowMs);
    link.rewire = true;
  }

  #checkHeartbeats(nowMs: number): void {
    for (const link of [...this.#links.values()]) {
      if (link.remote === undefined) continue;
      if (nowMs - link.lastReceivedMs >= this.#options.heartbeatTimeoutMs) {
        const remote = link.remote;
        this.#close(link, "heartbeat timeout", nowMs);
        if (link.purpose === "peer") {
          this.#suspect(remote.id, `silent for ${this.#options.heartbeatTimeoutMs} ms`, nowMs);
        }
      } else if (nowMs - link.lastSentMs >= this.#options.heartbeatIntervalMs) {
        this.#send(link, { type: "ping", nonce: this.#random.int(0x1_0000_0000) }, nowMs);
      }
    }
  }

  #registerTick(nowMs: number): void {
    for (const addr of this.#options.bootstraps) {
      this.#sendToBootstrap(addr, { type: "register" }, nowMs);
    }
    const isolated = this.#acceptedCount() === 0;
    if (isolated && this.#options.addressBook.length > 0 && !this.#leaving) {
      // Nobody to talk to: try peers remembered from earlier runs.
      for (const addr of sample(this.#options.addressBook, 2, this.#random)) this.join(addr, nowMs);
    }
    const settled = this.#registered && !isolated;
    this.#timers.set(
      "register",
      nowMs + (settled ? this.#options.registerIntervalMs : this.#options.registerRetryMs),
    );
    if (this.#options.bootstraps.length === 0 && this.#options.addressBook.length === 0) {
      this.#timers.stop("register");
    }
  }

  #sendToBootstrap(addr: string, message: Message, nowMs: number): void {
    let link = this.#bootstrapLinks.get(addr);
    if (link === undefined) {
      link = this.#dial(addr, "bootstrap", undefined, nowMs);
      this.#bootstrapLinks.set(addr, link);
    }
    if (message.type === "register") {
      // One unanswered registration at a time, unless it has gone unanswered
      // for a retry period (lost, or ignored by a bootstrap that restarted).
      if (
        link.awaitingPeers &&
        (link.remote === undefined || nowMs - link.registeredAtMs < this.#options.registerRetryMs)
      ) {
        return;
      }
      link.awaitingPeers = true;
      link.registeredAtMs = nowMs;
    }
    if (link.remote === undefined) link.outbox.push(message);
    else this.#send(link, message, nowMs);
  }

  #send(link: Link, message: Message, nowMs: number): void {
    link.lastSentMs = nowMs;
    this.#emit({ type: "send", conn: link.conn, message });
  }

  /** Sends to every neighbour but `exceptConn`. */
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

  /** Our whole table (live members, then recent deaths), in `peers`-sized chunks; ourselves first. */
  #fullPeerList(requester: PeerId): MemberInfo[][] {
    const all = [
      this.#selfInfo(),
      ...this.#members.live().filter((m) => m.id !== requester).map(toInfo),
      ...this.#members.recentDead(FULL_LIST_DEAD_MAX).map(toInfo),
    ];
    const chunks: MemberInfo[][] = [];
    for (let i = 0; i < all.length; i += this.#options.peersPerMessageMax) {
      chunks.push(all.slice(i, i + this.#options.peersPerMessageMax));
    }
    return chunks;
  }

  /** A peer list for `requester`: ourselves, a random sample of live members, a few recent deaths. */
  #peerList(requester: PeerId): MemberInfo[] {
    const room = this.#options.peersPerMessageMax - 1;
    const dead = this.#members.recentDead(Math.min(8, Math.floor(room / 4)));
    const live = this.#members.sampleLive(
      room - dead.length,
      this.#random,
      (m) => m.id === requester,
    );
    return [this.#selfInfo(), ...live.map(toInfo), ...dead.map(toInfo)];
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

  /**
   * A neighbour knows more live members than we do: some joins passed us by
   * (we joined through someone who had not heard of them yet). Pull its whole
   * table — at most once per `fullPullIntervalMs`, as views of the dead may
   * simply differ for a while.
   */
  #compareTotals(link: Link, total: number, nowMs: number): void {
    // Its total counts us in and itself out; ours the other way round.
    if (total <= this.#members.liveCount || nowMs < this.#fullPullAtMs || link.purpose !== "peer") {
      return;
    }
    this.#fullPullAtMs = nowMs + this.#options.fullPullIntervalMs;
    this.#send(link, { type: "get-peers", all: true }, nowMs);
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
    if (
      known !== undefined && known.status !== "alive" && !(info.incarnation > known.incarnation)
    ) {
      // It is talking to us, so it is not dead: show it the rumor so that it
      // refutes it with a higher incarnation.
      this.#send(link, { type: "member", member: toInfo(known) }, nowMs);
      return;
    }
    if (this.#applyMember(info, nowMs)) {
      this.#flood({ type: "member", member: info }, link.conn, nowMs);
    }
  }

  /**
   * Merges a rumor; returns whether it should spread further. `from` is the
   * neighbour it came from, if any. A member learned while the table is full
   * is kept by random replacement but not spread: in a network larger than
   * the table, joins travel by peer-list sampling, not by flooding everyone.
   */
  #applyMember(info: MemberInfo, nowMs: number, from?: PeerId): boolean {
    if (info.id === this.#id) {
      if (info.status !== "alive" && info.incarnation >= this.#incarnation && !this.#leaving) {
        // Refute: we are alive, and say so with a newer incarnation. (At the
        // largest one there is no newer: only a liar gets a member there.)
        this.#incarnation = Math.min(info.incarnation + 1, Number.MAX_SAFE_INTEGER);
        this.#log(
          "info",
          `Refuting a '${info.status}' rumor about us; incarnation now ${this.#incarnation}`,
        );
        this.#flood({ type: "member", member: this.#selfInfo() }, undefined, nowMs);
      }
      return false;
    }
    const wasFull = this.#members.full;
    const { applied, previous, evicted } = this.#members.apply(info, nowMs, this.#makeRoom);
    if (!applied) return false;
    if (evicted !== undefined && evicted.status !== "dead") {
      this.#emit({
        type: "peer-down",
        id: evicted.id,
        addr: evicted.addr,
        reason: "forgotten (partial view)",
      });
    }
    const wasLive = previous !== undefined && previous.status !== "dead";
    const isLive = info.status !== "dead";
    if (!wasLive && isLive) this.#emit({ type: "peer-up", id: info.id, addr: info.addr });
    if (wasLive && !isLive) {
      const reason = from === info.id ? "left" : "reported dead";
      this.#emit({ type: "peer-down", id: info.id, addr: info.addr, reason });
    }
    if (info.status === "suspect") {
      this.#suspects.set(info.id, { incarnation: info.incarnation, sinceMs: nowMs });
    }
    return !(previous === undefined && wasFull);
  }

  /** A neighbour's connection dropped: dial it once more before believing it gone. */
  #verify(id: PeerId, nowMs: number): void {
    const member = this.#members.get(id);
    if (member === undefined || member.status === "dead" || this.#probing.has(id)) return;
    if (this.#leaving) return;
    this.#dial(member.addr, "probe", id, nowMs);
  }

  /**
   * How long a suspect has to refute: `suspicionTimeoutMs`, times log10 of
   * the network size (as memberlist does), since a refutation takes longer
   * to reach everyone in a larger network.
   */
  #suspicionTimeoutMs(): number {
    return Math.round(
      this.#options.suspicionTimeoutMs * Math.max(1, Math.log10(this.#members.liveCount + 1)),
    );
  }

  /** Starts the suspicion of `id`: everyone hears it, and it has a suspicion timeout to refute. */
  #suspect(id: PeerId, reason: string, nowMs: number): void {
    const member = this.#members.get(id);
    if (member === undefined || member.status !== "alive" || this.#leaving) return;
    const rumor: MemberInfo = { ...toInfo(member), status: "suspect" };
    this.#members.apply(rumor, nowMs);
    this.#suspects.set(id, { incarnation: member.incarnation, sinceMs: nowMs });
    this.#log("info", `Suspecting ${short(id)} (${member.addr}): ${reason}`);
    this.#flood({ type: "member", member: rumor }, undefined, nowMs);
  }

  /** Our own verdict: flood it, tell the bootstraps, and let the front end know. */
  #declareDead(id: PeerId, reason: string, nowMs: number): void {
    const member = this.#members.get(id);
    if (member === undefined || member.status === "dead") return;
    const verdict: MemberInfo = { ...toInfo(member), status: "dead" };
    this.#members.apply(verdict, nowMs);
    this.#suspects.delete(id);
    this.#log("info", `Peer ${short(id)} (${member.addr}) is dead: ${reason}`);
    this.#emit({ type: "peer-down", id, addr: member.addr, reason });
    const link = this.#peerLinks.get(id);
    if (link !== undefined) this.#close(link, "declared dead", nowMs);
    this.#flood({ type: "member", member: verdict }, undefined, nowMs);
    for (const addr of this.#options.bootstraps) {
      this.#sendToBootstrap(addr, { type: "member", member: verdict }, nowMs);
    }
  }

  // ---- failure detection (SWIM) ----

  /**
   * Our own timer fired `lateMs` late: this process was not running (paused,
   * swapped out, overloaded). Whatever our peers sent meanwhile is still
   * waiting to be read, so silence over that time proves nothing: credit it
   * to every connection, suspicion and probe before judging anyone (after
   * Lifeguard's "local health" idea — don't blame others for our own stall).
   */
  #recoverFromStall(lateMs: number): void {
    this.#log(
      "info",
      `This process stalled for about ${Math.round(lateMs)} ms; postponing failure verdicts`,
    );
    for (const link of this.#links.values()) link.lastReceivedMs += lateMs;
    for (const suspicion of this.#suspects.values()) suspicion.sinceMs += lateMs;
    if (this.#probe !== undefined) this.#probe.answered = true;
  }

  /** Ends the current probe period (suspecting an unanswered target) and starts the next. */
  #probeTick(nowMs: number): void {
    const probe = this.#probe;
    this.#probe = undefined;
    this.#timers.stop("indirect-probe");
    if (probe !== undefined && !probe.answered) {
      this.#suspect(probe.target, "no answer to direct or indirect probes", nowMs);
    }
    for (const [nonce, relay] of this.#relays) {
      if (relay.expiresAtMs <= nowMs) this.#relays.delete(nonce);
    }
    const timeoutMs = this.#suspicionTimeoutMs();
    for (const [id, suspicion] of [...this.#suspects]) {
      const member = this.#members.get(id);
      if (
        member === undefined || member.status !== "suspect" ||
        member.incarnation !== suspicion.incarnation
      ) {
        this.#suspects.delete(id);
        continue;
      }
      if (nowMs - suspicion.sinceMs < timeoutMs) continue;
      const link = this.#peerLinks.get(id);
      if (link !== undefined && link.accepted && nowMs - link.lastReceivedMs < timeoutMs) {
        // It talks to us: the refutation went missing somewhere, not the peer.
        // Show it the rumor so that it refutes again, and give it more time.
        this.#send(link, { type: "member", member: toInfo(member) }, nowMs);
        suspicion.sinceMs = nowMs;
        continue;
      }
      this.#declareDead(id, `suspected for ${timeoutMs} ms and not refuted`, nowMs);
    }
    const neighbours = this.#acceptedLinks();
    if (neighbours.length > 0) {
      // Round robin over the neighbours, so each is probed within a bounded time.
      const link = neighbours[this.#probeCursor++ % neighbours.length]!;
      const nonce = this.#random.int(0x1_0000_0000);
      this.#probe = {
        target: link.remote!.id,
        nonce,
        sentAtMs: nowMs,
        indirectSent: false,
        answered: false,
      };
      this.#send(link, { type: "ping", nonce }, nowMs);
      this.#timers.set("indirect-probe", nowMs + this.#options.probeTimeoutMs);
    }
    this.#timers.set("probe-period", nowMs + this.#options.probeIntervalMs);
  }

  /** The direct probe went unanswered: ask a few other neighbours to try. */
  #probeIndirectly(nowMs: number): void {
    this.#timers.stop("indirect-probe");
    const probe = this.#probe;
    if (probe === undefined || probe.answered || probe.indirectSent) return;
    probe.indirectSent = true;
    const helpers = sample(
      this.#acceptedLinks().filter((l) => l.remote!.id !== probe.target),
      this.#options.indirectProbes,
      this.#random,
    );
    for (const helper of helpers) {
      this.#send(helper, { type: "probe", target: probe.target, nonce: probe.nonce }, nowMs);
    }
  }

  #onProbeRequest(requester: Link, target: PeerId, nonce: number, nowMs: number): void {
    const link = this.#peerLinks.get(target);
    if (link === undefined || !link.accepted || this.#relays.size >= RELAYS_MAX) return;
    const ours = this.#random.int(0x1_0000_0000);
    this.#relays.set(ours, {
      requester: requester.conn,
      target,
      nonce,
      expiresAtMs: nowMs + this.#options.probeIntervalMs,
    });
    this.#send(link, { type: "ping", nonce: ours }, nowMs);
  }

  #onPong(nonce: number, nowMs: number): void {
    const relay = this.#relays.get(nonce);
    if (relay === undefined) return;
    this.#relays.delete(nonce);
    const requester = this.#links.get(relay.requester);
    if (requester !== undefined) {
      this.#send(requester, { type: "probe-ack", target: relay.target, nonce: relay.nonce }, nowMs);
    }
  }

  // ---- dissemination ----

  #onChat(link: Link, message: ChatMessage, repair: boolean, nowMs: number): void {
    if (this.#pendingSkips.size > 0 && !this.#queue.has(message.author, message.seq)) {
      this.#skipProvenGaps(message, nowMs);
    }
    if (this.#queue.has(message.author, message.seq)) {
      // An unasked-for copy over a link on this author's tree: the tree has a
      // cycle here. Keep the link for announcements only (Plumtree's prune).
      const author = message.author;
      if (!repair && !link.lazyFor.has(author)) {
        link.lazyFor.add(author);
        this.#send(link, { type: "prune", authors: [author] }, nowMs);
      }
      return;
    }
    const result = this.#queue.offer(message);
    if (result.status === "rejected") {
      this.#log(
        "debug",
        `Dropped message ${short(message.author)}#${message.seq}: ${result.reason}`,
      );
      return;
    }
    if (result.status === "duplicate") return;
    this.#pushEager(message, link.conn, nowMs);
    this.#deliverAll(result.delivered);
  }

  /** Pushes a new message along its author's tree; other links hear of it in the next `have`. */
  #pushEager(message: ChatMessage, exceptConn: ConnId | undefined, nowMs: number): void {
    const chat: Message = { type: "chat", message };
    let lazy = false;
    for (const link of this.#peerLinks.values()) {
      if (!link.accepted || link.conn === exceptConn) continue;
      if (link.lazyFor.has(message.author)) lazy = true;
      else this.#send(link, chat, nowMs);
    }
    if (lazy) this.#armLazy(nowMs);
  }

  #deliverAll(messages: readonly ChatMessage[]): void {
    for (const message of messages) {
      this.#history.add(message);
      this.#deliveries++;
      this.#emit({ type: "deliver", message });
      const missing = this.#missing.get(message.author);
      if (missing !== undefined && message.seq >= missing.upTo) {
        this.#missing.delete(message.author);
      }
      const skip = this.#pendingSkips.get(message.author);
      if (skip !== undefined && message.seq >= skip.seq) this.#pendingSkips.delete(message.author);
    }
  }

  #armLazy(nowMs: number): void {
    this.#timers.arm("lazy", nowMs + this.#options.lazyIntervalMs);
  }

  /** Announces new deliveries on lazy links, and pulls what was announced but never came. */
  #lazyTick(nowMs: number): void {
    this.#timers.stop("lazy");
    if (this.#deliveries !== this.#announcedDeliveries) {
      this.#announcedDeliveries = this.#deliveries;
      for (const link of this.#acceptedLinks()) {
        if (link.lazyFor.size === 0) continue;
        // Only the authors whose messages this link does not get pushed.
        const news = new Map<PeerId, number>();
        for (const author of link.lazyFor) {
          const n = this.#queue.deliveredSeq(author);
          if (n > (link.announced.get(author) ?? 0)) news.set(author, n);
        }
        if (news.size === 0) continue;
        for (const [author, n] of news) link.announced.set(author, n);
        this.#send(link, { type: "have", full: false, clock: news }, nowMs);
      }
    }
    const wants = new Map<ConnId, { graft: boolean; ranges: SeqRange[] }>();
    for (const [author, missing] of this.#missing) {
      const have = this.#queue.deliveredSeq(author);
      if (have >= missing.upTo) {
        this.#missing.delete(author);
        continue;
      }
      if (nowMs - missing.sinceMs < this.#options.graftTimeoutMs) continue;
      this.#missing.delete(author);
      const link = this.#links.get(missing.conn);
      if (link === undefined || !link.accepted) continue;
      const want = wants.get(link.conn) ?? { graft: false, ranges: [] };
      want.ranges.push({ author, from: have, to: missing.upTo });
      want.graft ||= missing.graft;
      wants.set(link.conn, want);
    }
    for (const [conn, { graft, ranges }] of wants) {
      // A lazily announced message the tree did not bring: graft this link into
      // those authors' trees. (Gaps seen in an anti-entropy round just pull.)
      const link = this.#links.get(conn)!;
      if (graft) { for (const { author } of ranges) link.lazyFor.delete(author); }
      this.#send(link, { type: "want", graft, ranges }, nowMs);
    }
    if (this.#missing.size > 0) this.#armLazy(nowMs);
  }

  #sendFullHave(link: Link, nowMs: number): void {
    this.#send(link, { type: "have", full: true, clock: this.#queue.delivered }, nowMs);
  }

  #onHave(link: Link, have: Have, nowMs: number): void {
    if (link.rewire && have.full) {
      // The remote accepted our rewiring dial (its welcome is this full
      // `have`; a refusal would have been `bye`): let go of one other neighbour.
      link.rewire = false;
      const victim = pick(this.#acceptedLinks().filter((l) => l !== link), this.#random);
      if (victim !== undefined && this.#acceptedCount() > this.#options.connectionsTarget) {
        this.#close(victim, "rebalance", nowMs);
      }
    }
    // What the other has and we lack is pulled only if it is still missing
    // after a graft timeout: under load most of it is merely in flight, and
    // asking for it at once would double the traffic just when it hurts.
    for (const [author, n] of have.clock) {
      if (n <= this.#queue.deliveredSeq(author)) continue;
      const missing = this.#missing.get(author);
      if (missing === undefined) {
        // Only authors the clock has room for, so that a `want` always fits a message.
        if (this.#missing.size >= this.#options.authorsMax || !this.#queue.admits(author)) continue;
        this.#missing.set(author, { upTo: n, conn: link.conn, sinceMs: nowMs, graft: !have.full });
      } else {
        if (missing.upTo < n) missing.upTo = n;
        missing.graft ||= !have.full;
      }
    }
    if (this.#missing.size > 0) this.#armLazy(nowMs);
  }

  #onWant(link: Link, want: Want, nowMs: number): void {
    if (want.graft) { for (const { author } of want.ranges) link.lazyFor.delete(author); }
    const floors = new Map<PeerId, number>();
    for (const { author, from } of want.ranges) {
      const floor = this.#history.floor(author);
      if (floor > from) floors.set(author, floor);
    }
    if (floors.size > 0) this.#send(link, { type: "skip", clock: floors }, nowMs);
    for (const message of this.#history.collect(want.ranges, this.#options.syncMessagesMax)) {
      this.#send(link, { type: "chat", message, repair: true }, nowMs);
    }
  }

  /**
   * A skip is a neighbour's word that some history is gone; taken alone, one
   * lie would silence an author for good. So it is only noted, and acted on
   * up to what an authentic message proves: the gap below a message of that
   * author (or below what one depends on) that we hold or have just received.
   */
  #onSkip(skip: Skip, nowMs: number): void {
    for (const [author, seq] of skip.clock) {
      // Nobody holds more of our own history than we do; and a new author
      // the clock has no room for is not taken in by a skip either.
      if (author === this.#id || seq <= this.#queue.deliveredSeq(author)) continue;
      const pending = this.#pendingSkips.get(author);
      if (pending === undefined) {
        if (this.#pendingSkips.size >= this.#options.authorsMax) continue;
        if (!this.#queue.admits(author)) continue;
      } else if (pending.seq >= seq && pending.untilMs > nowMs) continue;
      this.#pendingSkips.set(author, { seq, untilMs: nowMs + PENDING_SKIP_MS });
      this.#skipTo(author, this.#queue.provenSeq(author), nowMs);
    }
  }

  /** Applies the pending skips that `message` (not yet known) proves. */
  #skipProvenGaps(message: ChatMessage, nowMs: number): void {
    const { author, seq, clock } = message;
    // Walk the smaller of the two: usually the pending skips.
    const ids = this.#pendingSkips.size <= clock.size ? this.#pendingSkips.keys() : clock.keys();
    for (const id of ids) {
      const proven = id === author ? seq - 1 : clock.get(id);
      if (proven !== undefined && this.#pendingSkips.has(id)) this.#skipTo(id, proven, nowMs);
    }
  }

  /** Skips `author` up to `proven`, no further than its pending skip. */
  #skipTo(author: PeerId, proven: number, nowMs: number): void {
    const pending = this.#pendingSkips.get(author);
    if (pending === undefined) return;
    if (pending.untilMs <= nowMs) {
      this.#pendingSkips.delete(author);
      return;
    }
    const seq = Math.min(pending.seq, proven);
    if (seq > this.#queue.deliveredSeq(author)) {
      const released = this.#queue.skipTo(author, seq);
      this.#history.skipTo(author, seq);
      this.#emit({ type: "skip", author, seq });
      this.#deliverAll(released);
    }
    if (this.#queue.deliveredSeq(author) >= pending.seq) this.#pendingSkips.delete(author);
  }

  // ---- direct messages ----

  #onDirect(link: Link, message: Direct, nowMs: number): void {
    if (this.#directSeen.has(message.id)) return;
    if (message.to === this.#id) {
      this.#remember(message.id);
      this.#emit({ type: "direct", box: message.box });
      return;
    }
    if (message.hops === 0) return;
    this.#routeDirect({ ...message, hops: message.hops - 1 }, link.conn, nowMs);
  }

  #routeDirect(message: Direct, from: ConnId | undefined, nowMs: number): void {
    this.#remember(message.id);
    const direct = this.#peerLinks.get(message.to);
    if (direct !== undefined && direct.accepted) {
      this.#send(direct, message, nowMs);
      return;
    }
    this.#flood(message, from, nowMs);
  }

  #remember(id: string): void {
    this.#directSeen.add(id);
    if (this.#directSeen.size > this.#options.directSeenMax) {
      // Sets iterate in insertion order: the first is the oldest.
      this.#directSeen.delete(this.#directSeen.values().next().value!);
    }
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

/**
 * How long a skip waits for a message that proves its gap. A neighbour sends
 * its skips just before the repairs they make room for, in one answer.
 */
const PENDING_SKIP_MS = 5_000;

/** A skip received and not yet (fully) applied. */
interface PendingSkip {
  readonly seq: number;
  readonly untilMs: number;
}

/**
 * The timers `leave` stops. Heartbeat and reconnect keep running: a known
 * flaw (a node that left still dials), kept until its fix is its own change.
 */
const TIMERS_STOPPED_BY_LEAVE: readonly PeerTimer[] = [
  "gossip",
  "register",
  "probe-period",
  "indirect-probe",
  "lazy",
  "sync",
  "rewire",
];

/** A timer this late means this process was not running. */
const STALL_THRESHOLD_MS = 1_000;

/** Tombstones included in the full list a newcomer gets. */
const FULL_LIST_DEAD_MAX = 64;

/** Most indirect probes run for others at once. */
const RELAYS_MAX = 64;

function toInfo(entry: MemberInfo): MemberInfo {
  return { id: entry.id, addr: entry.addr, incarnation: entry.incarnation, status: entry.status };
}

/** The first 8 hex digits of an id: enough to tell peers apart in logs. */
export function short(id: PeerId): string {
  return id.slice(0, 8);
}
