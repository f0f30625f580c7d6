/**
 * The peer actor: a sans-I/O state machine composed of sub-machines, each
 * with one responsibility (PROTOCOL.md § Behaviour describes them):
 * - {@linkcode Links}: connections, and the only source of I/O effects;
 * - {@linkcode ActiveView}: a bounded set of neighbours, filled by dialing
 *   random members;
 * - {@linkcode BootstrapClient}: registration and joins;
 * - {@linkcode Membership}: SWIM-style rumors, suspicion and verdicts, in a
 *   table that becomes a random partial view past `membersMax`;
 * - {@linkcode FailureDetector}: probes, indirect probes and heartbeats;
 * - {@linkcode Dissemination}: eager push along self-pruning trees
 *   (Plumtree) and lazy `have` announcements;
 * - {@linkcode Repair}: anti-entropy (full `have`) and pulls that repair
 *   loss, partitions and late joins from a bounded message log;
 * - {@linkcode Delivery}: causal delivery through the hold-back queue;
 * - {@linkcode DirectRouting}: sealed direct messages.
 *
 * This file routes inputs to them and runs their timers from one table, in
 * {@linkcode PEER_TIMERS} order. Time arrives as `nowMs`, randomness from the
 * injected {@linkcode Random}.
 *
 * @module
 */

import type { Actor } from "../actor/actor.ts";
import type { ConnId, Effect } from "../actor/effect.ts";
import type { Offence } from "../actor/offence.ts";
import { TimerTable } from "../actor/timer_table.ts";
import { type MessageRef, missingCause } from "../causal/missing_cause.ts";
import type { VectorClock } from "../causal/vector_clock.ts";
import type { Random } from "../random/random.ts";
import {
  type Amendment,
  type ChatMessage,
  type Hello,
  type MemberInfo,
  type Message,
  type PeerId,
  PROTOCOL_VERSION,
} from "../wire/message.ts";
import { ActiveView } from "./active_view.ts";
import { BootstrapClient } from "./bootstrap_client.ts";
import { Delivery } from "./delivery.ts";
import { DirectRouting } from "./direct_routing.ts";
import { Dissemination } from "./dissemination.ts";
import { Equivocations, sameVersion } from "./equivocation.ts";
import { FailureDetector } from "./failure_detector.ts";
import { Links } from "./links.ts";
import { Membership } from "./membership.ts";
import { OwnSeqSync } from "./own_seq_sync.ts";
import { type OverlayView, overlayView, type OverlayViewOptions } from "./overlay_view.ts";
import {
  type PeerNodeOptions,
  type ResolvedPeerNodeOptions,
  resolvePeerNodeOptions,
} from "./peer_node_options.ts";
import { PEER_TIMERS, type PeerTimer, startPeerTimers } from "./peer_timer.ts";
import { Repair } from "./repair.ts";
import { OwnMessageStates } from "./own_message_states.ts";
import { ConnectivityWatch } from "./connectivity_watch.ts";
import { ObservedAddress } from "./observed_address.ts";
import { nickProblem, textProblem } from "../wire/fields.ts";
import { dialAddressProblem } from "../wire/address.ts";

/** Options of {@linkcode PeerNode.stampChat} and {@linkcode PeerNode.sendChat}. */
export interface StampOptions {
  /** Make the message an edit or delete of an earlier own message. Default: a plain message. */
  readonly amends?: Amendment;
  /**
   * Stamp the message that follows `after`, an own message stamped in the
   * same step and not published yet (a batch signed at once: see
   * `signChats`). Default: the next message after those published.
   */
  readonly after?: ChatMessage;
}

/** A live member as reported to front ends. */
export interface PeerSummary {
  /** Its id. */
  readonly id: PeerId;
  /** The address it advertises. */
  readonly addr: string;
  /** Whether this peer holds a direct connection to it. */
  readonly connected: boolean;
  /** Its nick, once its signed record or its hello named one. */
  readonly nick?: string;
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
  #addr: string;
  /** Where the nodes it dials see it connect from. */
  readonly #observed = new ObservedAddress();
  #nick: string;
  #effects: Effect[] = [];
  #started = false;
  readonly #timers = new TimerTable<PeerTimer>(PEER_TIMERS);
  readonly #links: Links;
  readonly #delivery: Delivery;
  readonly #repair: Repair;
  readonly #dissemination: Dissemination;
  readonly #equivocations: Equivocations;
  readonly #direct: DirectRouting;
  readonly #bootstrap: BootstrapClient;
  readonly #membership: Membership;
  readonly #failureDetector: FailureDetector;
  readonly #activeView: ActiveView;
  readonly #ownSeq: OwnSeqSync;
  readonly #ownStates: OwnMessageStates;
  readonly #connectivity: ConnectivityWatch;
  /** The time of the latest input, for what `takeEffects` reports. */
  #nowMs = 0;

  /** A peer that has not started yet. */
  constructor(options: PeerNodeOptions) {
    const resolved = this.#options = resolvePeerNodeOptions(options);
    const random = this.#random = options.random;
    const id = this.#id = options.id;
    this.#addr = options.addr;
    this.#nick = options.nick;
    const emit = (effect: Effect) => this.#effects.push(effect);
    this.#ownStates = new OwnMessageStates(id, emit);
    this.#connectivity = new ConnectivityWatch(emit);
    const base = { id, emit, random, timers: this.#timers, options: resolved };
    const links = this.#links = new Links(emit);
    // Membership is built below; delivery asks it only when a new author comes.
    const isMember = (peer: PeerId) => this.#membership.get(peer) !== undefined;
    const delivery = this.#delivery = new Delivery(id, emit, resolved, isMember);
    this.#ownSeq = new OwnSeqSync(id, resolved, () => delivery.deliveredSeq(id));
    const repair = this.#repair = new Repair({ ...base, links, delivery });
    const copyOf = (author: PeerId, seq: number) => delivery.copyOf(author, seq);
    const relayForm = (message: ChatMessage) => delivery.relayForm(message);
    const equivocations = this.#equivocations = new Equivocations({
      ...base,
      links,
      copyOf,
      relayForm,
    });
    this.#dissemination = new Dissemination({ ...base, links, delivery, repair, equivocations });
    // Routing, too, asks membership only when a message comes.
    const knowsAlive = (peer: PeerId) => this.#membership.isLive(peer);
    this.#direct = new DirectRouting({ ...base, links, knowsAlive });
    const selfRecord = () => this.#membership.selfInfo();
    const bootstrap = this.#bootstrap = new BootstrapClient({ ...base, links, selfRecord });
    const incarnation = resolved.restore?.incarnation ?? 0;
    const self = { ...base, addr: options.addr, incarnation, nick: options.nick };
    const membership = this.#membership = new Membership({ ...self, links, bootstrap });
    const failureDetector = new FailureDetector({ ...base, links, membership });
    this.#failureDetector = failureDetector;
    const dissemination = this.#dissemination;
    const below = { links, membership, bootstrap, failureDetector, repair, dissemination };
    this.#activeView = new ActiveView({ ...base, ...below });
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
    return this.#membership.incarnation;
  }

  /** What this peer has delivered, per author. */
  get deliveredClock(): VectorClock {
    return this.#delivery.delivered;
  }

  /** How many of `author`'s messages this peer has delivered (or skipped). */
  deliveredSeq(author: PeerId): number {
    return this.#delivery.deliveredSeq(author);
  }

  /**
   * Messages neighbours announced that this peer has not delivered yet, and
   * from how many authors (an estimate of the catch-up still to come).
   */
  backlog(): { messages: number; authors: number } {
    return this.#repair.backlog();
  }

  /** New chat dropped by a limit so far: over its author's rate, or a full hold-back queue. */
  get limitDrops(): { readonly authorRate: number; readonly holdBack: number } {
    return this.#dissemination.limitDrops;
  }

  /** Messages waiting in the hold-back queue for their causes. */
  get heldBackCount(): number {
    return this.#delivery.heldCount;
  }

  /** Estimated bytes of the chat messages waiting for their causes (bounded by `holdBackBytesMax`). */
  get heldBackBytes(): number {
    return this.#delivery.heldBytes;
  }

  /** Messages kept in the history window. */
  get historySize(): number {
    return this.#delivery.historySize;
  }

  /** Estimated bytes of the history window (bounded by `historyBytesMax`). */
  get historyBytes(): number {
    return this.#delivery.historyBytes;
  }

  /** Members believed alive or suspected. */
  get liveMemberCount(): number {
    return this.#membership.liveCount;
  }

  /** Members remembered, tombstones included. */
  get memberCount(): number {
    return this.#membership.size;
  }

  /** Connections open or being opened; after `leave`, zero means the goodbyes are out. */
  get linkCount(): number {
    return this.#links.count;
  }

  /**
   * Changes the nick used from the next message on, and in this peer's own
   * record: re-signed at the next incarnation, and flooded to the neighbours
   * and bootstraps at `nowMs` (without a time, as before a start, the record
   * goes out with the next one this peer sends).
   *
   * @throws {RangeError} if the wire could not carry it (1–32 UTF-8 bytes, no control characters).
   */
  setNick(nick: string, nowMs?: number): void {
    const problem = nickProblem(nick);
    if (problem !== undefined) throw new RangeError(`Cannot change nick: ${problem}`);
    this.#nick = nick;
    this.#membership.setNick(nick, nowMs);
  }

  /**
   * Advertises `addr` from now on: in hellos, and in a new signed record
   * flooded to the neighbours and bootstraps (PROTOCOL.md § Relays: a peer
   * that cannot be dialled advertises its relayed address).
   *
   * @throws {TypeError} if `addr` is not a direct or relayed address.
   */
  setAddr(addr: string, nowMs: number): void {
    const problem = dialAddressProblem(addr);
    if (problem !== undefined) throw new TypeError(`Cannot advertise ${addr}: ${problem}`);
    this.#nowMs = nowMs;
    this.#addr = addr;
    this.#membership.setAddr(addr, nowMs);
  }

  /** The connection of this peer's link to neighbour `id`, if it has one. */
  linkConnOf(id: PeerId): ConnId | undefined {
    const link = this.#links.peerLink(id);
    return link?.accepted === true ? link.conn : undefined;
  }

  /** The members this peer believes alive, with whether each is a neighbour. */
  peers(): PeerSummary[] {
    return this.#membership.live().map((m) => ({
      id: m.id,
      addr: m.addr,
      connected: this.#links.peerLink(m.id)?.accepted === true,
      ...(m.nick === undefined ? {} : { nick: m.nick }),
    }));
  }

  /**
   * The overlay as this peer knows it at `nowMs` (members, its links, what
   * is held back), for a front end to draw: a read-only view, no effects.
   */
  overlay(nowMs: number, options: OverlayViewOptions = {}): OverlayView {
    return overlayView(
      {
        self: { id: this.#id, addr: this.#addr, nick: this.#nick },
        incarnation: this.#membership.incarnation,
        members: this.#membership.all(),
        links: this.#links.all(),
        delivered: this.#delivery.delivered,
        deliveredSeq: (id) => this.#delivery.deliveredSeq(id),
        held: this.#delivery.heldMessages(),
      },
      nowMs,
      options,
    );
  }

  /** The id of the remote on connection `conn`, once its hello came. */
  remoteIdOf(conn: ConnId): PeerId | undefined {
    return this.#links.get(conn)?.remote?.id;
  }

  /**
   * What `author#seq` waits for when it is held back here (its first missing
   * cause); `undefined` when it is not held.
   */
  heldCause(author: PeerId, seq: number): MessageRef | undefined {
    const held = this.#delivery.copyOf(author, seq);
    if (held === undefined || this.#delivery.deliveredSeq(author) >= seq) return undefined;
    return missingCause(held, (id) => this.#delivery.deliveredSeq(id));
  }

  /** Whether this peer believes `id` alive (or only suspected). */
  knowsAlive(id: PeerId): boolean {
    return this.#membership.isLive(id);
  }

  /** Neighbours: accepted peer links. */
  neighbourIds(): PeerId[] {
    return this.#links.accepted().map((l) => l.remote!.id);
  }

  /** Neighbours this peer pushes `author`'s messages to at once (its links on that author's tree). */
  eagerNeighbourIds(author: PeerId): PeerId[] {
    return this.#links.accepted().filter((l) => !l.tree.lazyFor.has(author))
      .map((l) => l.remote!.id);
  }

  /** Begins registering and scheduling; call once. */
  start(nowMs: number): void {
    if (this.#started) throw new TypeError("Cannot start peer: already started");
    this.#started = true;
    this.#nowMs = nowMs;
    startPeerTimers(this.#timers, this.#options, this.#random, nowMs);
    this.#ownSeq.start(nowMs);
    for (const addr of this.#options.joins) this.join(addr, nowMs);
    this.handleTimeout(nowMs);
  }

  /** Also dial `addr` (a peer or a bootstrap) to join through it. */
  join(addr: string, nowMs: number): void {
    this.#bootstrap.join(addr, nowMs);
  }

  /**
   * Authors a chat message: delivers it locally at once (own messages are
   * always deliverable) and pushes it to the neighbours. The message goes
   * unsigned: this is {@linkcode PeerNode.stampChat} then
   * {@linkcode PeerNode.publishChat}, for simulations and plain rooms; a
   * runtime that signs and stores calls the two itself, with both in between.
   *
   * @throws {RangeError} if the wire could not carry the text (at most 4 096
   * UTF-8 bytes of well-formed Unicode); nothing is stamped or emitted.
   */
  sendChat(text: string, ts: number, nowMs: number, options: StampOptions = {}): ChatMessage {
    return this.publishChat(this.stampChat(text, ts, options), nowMs);
  }

  /**
   * Blocks `author` (local policy, `Delivery.block`): its messages are still
   * verified, counted and delivered, but kept, served and relayed without
   * their text from now on; those held lose their text now (`redact` events).
   */
  block(author: PeerId): void {
    this.#delivery.block(author);
  }

  /** Stops blocking `author`; messages that lost their text stay without it. */
  unblock(author: PeerId): void {
    this.#delivery.unblock(author);
  }

  /** Whether `author` is blocked here. */
  isBlocked(author: PeerId): boolean {
    return this.#delivery.isBlocked(author);
  }

  /**
   * Whether this peer may send now without reusing one of its sequence
   * numbers, as far as it can know (`own_seq_sync.ts`): a new identity, or
   * its neighbours said how far they delivered its messages and those are
   * back, or `ownSeqSyncTimeoutMs` has passed since the start.
   */
  ownSeqSynced(nowMs: number): boolean {
    return this.#ownSeq.isSynced(nowMs);
  }

  /** When {@linkcode PeerNode.ownSeqSynced} turns true at the latest. */
  get ownSeqSyncDeadlineMs(): number {
    return this.#ownSeq.deadlineMs;
  }

  /**
   * Stamps this peer's next chat message (sequence number, clock, nick)
   * without recording or sending anything: the caller signs it and commits
   * it to disk, then hands it to {@linkcode PeerNode.publishChat}. Own
   * history that neighbours announced and that never came back is given up
   * first (a `skip`), so the stamp is above every sequence number used before.
   *
   * With `options.amends` the message edits (its text is the new one) or
   * deletes (its text must be empty) an earlier message of this peer.
   *
   * @throws {RangeError} if the wire could not carry the text, or the
   * amendment names no earlier message of this peer, a deleted one, or an
   * edit or delete ("Cannot edit: there is no message 9 of yours (1 to 4)").
   * @throws {TypeError} if the peer is leaving.
   */
  stampChat(text: string, ts: number, options: StampOptions = {}): ChatMessage {
    if (this.#links.leaving) throw new TypeError("Cannot send: the peer is leaving");
    const amends = options.amends;
    const verb = amends === undefined ? "send" : amends.kind;
    // Refused before it is stamped: a sequence number given to a message no
    // one can receive would hold back every later message of this author.
    const problem = textProblem(text);
    if (problem !== undefined) throw new RangeError(`Cannot ${verb}: ${problem}`);
    const after = options.after;
    if (after !== undefined && after.author !== this.#id) {
      throw new TypeError("Cannot send: the message stamped before is not this peer's own");
    }
    const heard = this.#ownSeq.heardSeq;
    if (after === undefined && heard > this.#delivery.deliveredSeq(this.#id)) {
      this.#repair.deliver(this.#delivery.skipTo(this.#id, heard));
    }
    if (amends !== undefined) {
      if (amends.kind === "delete" && text !== "") {
        throw new RangeError("Cannot delete: a delete carries no text");
      }
      const wrong = this.#delivery.amendmentProblem(amends);
      if (wrong !== undefined) throw new RangeError(`Cannot ${verb}: ${wrong}`);
    }
    return this.#delivery.stampOwn(text, this.#nick, ts, amends, after);
  }

  /**
   * Whether `message`, stamped by {@linkcode PeerNode.stampChat}, may still be
   * published: its seq is the next one and above every own seq a neighbour
   * announced since. Otherwise stamp again.
   */
  stampIsCurrent(message: ChatMessage): boolean {
    return message.seq === this.#delivery.deliveredSeq(this.#id) + 1 &&
      message.seq > this.#ownSeq.heardSeq;
  }

  /**
   * Publishes a message stamped by {@linkcode PeerNode.stampChat} (signed,
   * and committed to disk, by then): delivers it locally and pushes it to the
   * neighbours exactly as given.
   *
   * @throws {RangeError} if the stamp is stale (another message of this peer
   * took its sequence number since, or its own history moved on): stamp again.
   * @throws {TypeError} if the peer is leaving or the message is not its own.
   */
  publishChat(message: ChatMessage, nowMs: number): ChatMessage {
    if (this.#links.leaving) throw new TypeError("Cannot send: the peer is leaving");
    if (message.author !== this.#id) {
      throw new TypeError("Cannot send: the message is not this peer's own");
    }
    if (!this.stampIsCurrent(message)) {
      throw new RangeError(`Cannot send: the stamp is stale (seq ${message.seq})`);
    }
    const released = this.#delivery.recordOwn(message);
    this.#ownSeq.settle();
    this.#repair.deliver([message, ...released]);
    const before = this.#effects.length;
    this.#dissemination.push(message, undefined, nowMs);
    this.#ownStates.onPublished(message.seq, this.#effects.slice(before));
    return message;
  }

  /**
   * Sends a sealed direct message towards `to`: straight to it when it is a
   * neighbour, else through the overlay (each node passes it on once, within
   * `directHopsMax` hops). Only `to` can open `box`.
   *
   * @throws {RangeError} if `to` is neither a neighbour nor a member this peer knows alive.
   */
  sendDirect(to: PeerId, box: Uint8Array, nowMs: number): void {
    if (this.#links.leaving) throw new TypeError("Cannot send: the peer is leaving");
    this.#direct.send(to, box, nowMs);
  }

  /**
   * Leaves gracefully: tells every neighbour and bootstrap that this peer is
   * gone (so they do not mistake the silence for a crash), then closes every
   * connection.
   */
  leave(nowMs: number): void {
    if (this.#links.leaving) return;
    this.#links.startLeaving();
    const gone: MemberInfo = { ...this.#membership.selfInfo(), status: "dead" };
    for (const link of [...this.#links.all()]) {
      if (link.remote !== undefined && link.purpose === "peer" && link.accepted) {
        this.#links.send(link, { type: "member", member: gone }, nowMs);
      }
      this.#links.close(link, "leaving", nowMs);
    }
    // Deregister at once rather than let the registration lapse; the
    // bootstrap trusts a peer's word about itself.
    this.#bootstrap.tellAll({ type: "member", member: gone }, nowMs);
    // A peer that left does nothing more on its own: no heartbeat, no
    // reconnect dial (only the goodbyes above still go out).
    this.#timers.stopAll();
  }

  // ---- Actor ----

  /** The hello this actor presents on every new connection (see {@linkcode Actor}). */
  localHello(): Hello {
    return {
      type: "hello",
      version: PROTOCOL_VERSION,
      id: this.#id,
      addr: this.#addr,
      nick: this.#nick,
      role: "peer",
      incarnation: this.#membership.incarnation,
    };
  }

  /** An inbound connection finished its hello; returns the id to use for it (see {@linkcode Actor}). */
  handleAccepted(remote: Hello, nowMs: number, sourceHost?: string): ConnId {
    this.#nowMs = nowMs;
    return this.#activeView.onAccepted(remote, nowMs, sourceHost);
  }

  /** The runtime caught the remote of `conn` breaking the protocol (see {@linkcode Actor}). */
  handleOffence(conn: ConnId, offence: Offence, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link !== undefined) this.#activeView.onOffence(link, offence, nowMs);
  }

  /** The penalty `id` carries here now for misbehaving (0: none); see `penaltyThreshold`. */
  penalty(id: PeerId, nowMs: number): number {
    return this.#activeView.score.penalty(id, nowMs);
  }

  /** Whether `id` is backed off here for misbehaving: not dialled, its connections refused. */
  isBackedOff(id: PeerId, nowMs: number): boolean {
    return this.#activeView.score.isBackedOff(id, nowMs);
  }

  /** An outbound connection asked for by a `dial` effect finished its hello. */
  handleConnected(conn: ConnId, remote: Hello, nowMs: number): void {
    this.#nowMs = nowMs;
    if (remote.seen !== undefined) {
      const change = this.#observed.record(remote.id, remote.seen);
      if (change !== undefined) {
        this.#effects.push({ type: "observed-address", ...change, advertised: this.#addr });
      }
    }
    this.#activeView.onConnected(conn, remote, nowMs);
  }

  /** An outbound connection could not be established (refused, timed out, bad hello). */
  handleDialFailed(conn: ConnId, reason: string, nowMs: number): void {
    this.#nowMs = nowMs;
    this.#activeView.onDialFailed(conn, reason, nowMs);
  }

  /** A message arrived on an established connection. */
  handleMessage(conn: ConnId, message: Message, nowMs: number): void {
    this.#nowMs = nowMs;
    const link = this.#links.get(conn);
    if (link === undefined || link.remote === undefined) return;
    link.lastReceivedMs = nowMs;
    if (message.type === "chat" || message.type === "skip") link.unansweredWants = undefined;
    if (message.type === "chat" || message.type === "have") link.lastUsefulMs = nowMs;
    this.#failureDetector.onTraffic(link.remote.id);
    if (
      link.purpose === "peer" && !link.accepted && !this.#activeView.admit(link, message, nowMs)
    ) {
      return;
    }
    switch (message.type) {
      case "register":
      case "get-peers":
        return this.#membership.onPeerRequest(link, message, nowMs);
      case "peers":
        // A list nobody asked for is dropped whole: only answers teach members.
        if (!this.#membership.isSolicited(link, nowMs)) return;
        this.#membership.onPeers(message.peers, nowMs, link.remote.id);
        this.#bootstrap.onPeers(link, nowMs);
        this.#activeView.maintain(nowMs);
        if (message.total !== undefined) {
          this.#membership.compareTotals(link, message.total, nowMs);
        }
        return;
      case "member":
        return this.#membership.onMember(link, message, nowMs);
      case "ping":
        return this.#failureDetector.onPing(link, message.nonce, nowMs);
      case "pong":
        return this.#failureDetector.onPong(message.nonce, nowMs);
      case "probe":
        return this.#failureDetector.onIndirectProbeRequest(link, message, nowMs);
      case "probe-ack":
        return this.#failureDetector.onProbeAck(message.target, message.nonce, nowMs);
      case "bye":
        return this.#activeView.onBye(link, message.reason, nowMs);
    }
    // The rest is chat traffic: only between neighbours.
    if (link.purpose !== "peer" || !link.accepted) return;
    switch (message.type) {
      case "chat":
        return this.#dissemination.onChat(link, message.message, message.repair === true, nowMs);
      case "prune":
        return this.#dissemination.onPrune(link, message);
      case "have":
        this.#activeView.onHave(link, message, nowMs);
        this.#equivocations.onHave(link, message, nowMs);
        this.#ownSeq.onHave(message);
        this.#ownStates.onHave(message.clock);
        return this.#repair.onHave(link, message, nowMs);
      case "want":
        return this.#repair.onWant(link, message, nowMs);
      case "skip":
        return this.#repair.onSkip(message, nowMs);
      case "direct":
        return this.#direct.onDirect(link, message, nowMs);
    }
  }

  /** An established connection closed, for whatever reason. */
  handleDisconnected(conn: ConnId, reason: string, nowMs: number): void {
    this.#nowMs = nowMs;
    this.#activeView.onDisconnected(conn, reason, nowMs);
  }

  /** Time passed; due work runs. */
  handleTimeout(nowMs: number): void {
    this.#nowMs = nowMs;
    this.#failureDetector.onTimerLate(nowMs - this.nextDeadlineMs());
    for (const timer of PEER_TIMERS) {
      if (this.#timers.isExpired(timer, nowMs)) this.#fire(timer, nowMs);
    }
  }

  /** The earliest time `handleTimeout` has work to do; `Infinity` when none. */
  nextDeadlineMs(): number {
    return this.#timers.nextDeadlineMs();
  }

  /** Whether `message` is news to this node (not delivered, or another version of one delivered): worth verifying. */
  isNewChat(message: ChatMessage): boolean {
    if (!this.#delivery.has(message.author, message.seq)) return true;
    // Another version of a message we hold is news too: checked, it proves
    // that its author equivocated.
    const mine = this.#delivery.copyOf(message.author, message.seq);
    return mine !== undefined && !sameVersion(mine, message);
  }

  /** Removes and returns the effects produced so far, in order. */
  takeEffects(): Effect[] {
    this.#ownStates.onEffects(this.#effects);
    if (this.#started) {
      this.#connectivity.check(this.#links.hasAccepted(), () => ({
        neighbours: this.#links.acceptedCount(),
        leaving: this.#links.leaving,
        bootstraps: this.#options.bootstraps.length,
        // What it may dial: live members, the recently dead the reconnect
        // timer retries (16, as the active view picks them), stored addresses.
        remembered: this.#membership.liveCount + this.#membership.recentDead(16).length +
          this.#options.addressBook.length,
        nextAttemptInMs: Math.max(
          0,
          Math.min(
            this.#timers.deadlineMs("register"),
            this.#timers.deadlineMs("gossip"),
            this.#timers.deadlineMs("reconnect"),
          ) - this.#nowMs,
        ),
      }));
    }
    const effects = this.#effects;
    this.#effects = [];
    return effects;
  }

  /** Runs one due timer; each sets its own next deadline. */
  #fire(timer: PeerTimer, nowMs: number): void {
    switch (timer) {
      case "register":
        return this.#bootstrap.onRegisterTimer(nowMs);
      case "heartbeat":
        return this.#failureDetector.onHeartbeatTimer(nowMs);
      case "gossip":
        return this.#activeView.onGossipTimer(nowMs);
      case "indirect-probe":
        return this.#failureDetector.onIndirectProbeTimer(nowMs);
      case "probe-period":
        return this.#failureDetector.onProbePeriodTimer(nowMs);
      case "lazy":
        return this.#dissemination.onLazyTimer(nowMs);
      case "reconnect":
        return this.#activeView.onReconnectTimer(nowMs);
      case "rewire":
        return this.#activeView.onRewireTimer(nowMs);
      case "sync":
        return this.#repair.onSyncTimer(nowMs);
    }
  }
}
