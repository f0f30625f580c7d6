/**
 * The active view: which connections count as neighbours. It accepts and
 * refuses, resolves duplicate links, dials random members up to the target,
 * rewires now and then, backs off from members that refused us as full, and
 * tries recently dead members again so partitions heal. Insiders cannot take
 * it over: slots are kept for links this peer dials itself (and a dialed
 * link that stays silent does not count), forced joins are rate-limited per
 * identity and per source host and displace only unprotected neighbours
 * (never our own dials nor the oldest active inbound ones), and neighbours
 * that misbehave lose score and are disconnected and backed off
 * ({@linkcode PeerScore}).
 *
 * @module
 */

import type { ConnId } from "../actor/effect.ts";
import type { Offence } from "../actor/offence.ts";
import type { TimerTable } from "../actor/timer_table.ts";
import { pick, type Random } from "../random/random.ts";
import type { Have, Hello, MemberInfo, Message, PeerId } from "../wire/message.ts";
import { type EmitEvent, jitter, logEvent, shortId } from "./_support.ts";
import type { BootstrapClient } from "./bootstrap_client.ts";
import type { Dissemination } from "./dissemination.ts";
import type { FailureDetector } from "./failure_detector.ts";
import type { Link, Links } from "./links.ts";
import type { Membership } from "./membership.ts";
import type {
  ActiveViewOptions,
  PeerScoreNodeOptions,
  ResolvedPeerNodeOptions,
} from "./peer_node_options.ts";
import { PeerScore } from "./peer_score.ts";
import type { PeerTimer } from "./peer_timer.ts";
import type { Repair } from "./repair.ts";

/** The options {@linkcode ActiveView} reads: its own group. */
type ActiveViewReads = Pick<
  ResolvedPeerNodeOptions,
  keyof ActiveViewOptions | keyof PeerScoreNodeOptions
>;

/** What {@linkcode ActiveView} works with. */
export interface ActiveViewPort {
  readonly id: PeerId;
  readonly links: Links;
  readonly membership: Membership;
  readonly bootstrap: BootstrapClient;
  readonly failureDetector: FailureDetector;
  readonly repair: Repair;
  readonly dissemination: Dissemination;
  readonly timers: TimerTable<PeerTimer>;
  readonly emit: EmitEvent;
  readonly random: Random;
  readonly options: ActiveViewReads;
}

/** The timers the active view runs. */
const TIMERS: readonly PeerTimer[] = ["gossip", "reconnect", "rewire"];

/** The neighbours of one peer, and how they come and go. */
export class ActiveView {
  readonly #port: ActiveViewPort;
  readonly #links: Links;
  readonly #membership: Membership;
  readonly #options: ActiveViewReads;
  /** Members that refused us as full, until when they are left alone. */
  readonly #refusedAsFullUntil = new Map<PeerId, number>();
  /** Identity → times of its recent forced joins here (within the last minute). */
  readonly #forcedJoins = new Map<PeerId, number[]>();
  /** Source host → times of the recent forced joins from it (within the last minute). */
  readonly #forcedJoinsByHost = new Map<string, number[]>();
  /** Penalties of misbehaving identities, and who is backed off. */
  readonly #score: PeerScore;

  /** A view with no neighbours. */
  constructor(port: ActiveViewPort) {
    this.#port = port;
    this.#links = port.links;
    this.#membership = port.membership;
    this.#options = port.options;
    this.#score = new PeerScore(port.options);
  }

  /** The penalties and back-offs of misbehaving identities. */
  get score(): PeerScore {
    return this.#score;
  }

  /**
   * Neighbour slots kept for links this peer dials: `outboundLinksMin`, at
   * most the room between target and maximum.
   */
  get #outboundReserve(): number {
    const { outboundLinksMin, connectionsMax, connectionsTarget } = this.#options;
    return Math.min(outboundLinksMin, connectionsMax - connectionsTarget);
  }

  /** The earliest of the gossip, reconnect and rewire deadlines. */
  nextDeadlineMs(): number {
    return this.#port.timers.nextDeadlineMs(TIMERS);
  }

  /** An inbound connection from `sourceHost` finished its hello; returns its id. */
  onAccepted(remote: Hello, nowMs: number, sourceHost?: string): ConnId {
    const link = this.#links.open(false, "peer", undefined, undefined, nowMs);
    link.remote = remote;
    link.sourceHost = sourceHost;
    if (this.#links.leaving) {
      this.#links.close(link, "leaving", nowMs);
    } else if (remote.role === "bootstrap") {
      // A bootstrap checking that we are alive: the hello was the answer.
      link.purpose = "liveness";
    } else if (remote.id === this.#port.id) {
      this.#links.close(link, "connected to self", nowMs);
    } else if (this.#score.isBackedOff(remote.id, nowMs)) {
      this.#links.close(link, "backed off", nowMs);
    } else {
      this.#establish(link, nowMs);
    }
    return link.conn;
  }

  /** One of our dials finished its hello. */
  onConnected(conn: ConnId, remote: Hello, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined || link.remote !== undefined) return;
    link.remote = remote;
    link.lastReceivedMs = nowMs;
    this.#links.settleDial(link);
    if (link.expectId !== undefined && remote.id !== link.expectId) {
      // Another node now answers at that address: the one we knew is gone.
      this.#membership.declareDead(
        link.expectId,
        `${link.dialAddr} now answers as another peer`,
        nowMs,
        "connection-lost",
      );
    }
    if (remote.id === this.#port.id) {
      this.#links.close(link, "connected to self", nowMs);
      return;
    }
    if (link.purpose === "bootstrap") {
      if (this.#port.bootstrap.onConnected(link, remote, nowMs)) {
        link.purpose = "peer";
        link.accepted = true;
        this.#membership.solicit(link, nowMs); // our queued register's answer
        this.#establish(link, nowMs);
      }
      return;
    }
    if (remote.role !== "peer") {
      this.#links.close(link, "expected a peer", nowMs);
      return;
    }
    if (link.checkOnly === true) {
      // A check of a member we are not linked to: the hello is the answer.
      this.#membership.learnFromHello(link, nowMs);
      this.#links.close(link, "verified alive", nowMs);
      return;
    }
    if (this.#score.isBackedOff(remote.id, nowMs)) {
      // Not a neighbour; but a liveness dial has its answer: it is alive.
      if (link.purpose === "liveness") this.#membership.learnFromHello(link, nowMs);
      this.#links.close(link, "backed off", nowMs);
      return;
    }
    const replacing = this.#links.peerLink(remote.id)?.accepted === true;
    if (this.#links.acceptedCount() >= this.#options.connectionsMax && !replacing) {
      // Inbound connections filled the view while this dial was under way:
      // short of links of our own choosing, an unprotected inbound one makes
      // room (inbound links cannot crowd out our own dials); else we let go.
      const victim = link.purpose === "peer" && this.#workingOutbound(nowMs) < this.#outboundReserve
        ? this.#evictionCandidate(link, nowMs)
        : undefined;
      if (victim === undefined) {
        // Not a neighbour; but a liveness dial has its answer: it is alive.
        if (link.purpose === "liveness") this.#membership.learnFromHello(link, nowMs);
        this.#links.close(link, link.purpose === "liveness" ? "verified alive" : "full", nowMs);
        return;
      }
      this.#links.close(victim, "rebalance", nowMs);
    }
    link.purpose = "peer";
    this.#establish(link, nowMs, false);
    if (this.#links.get(conn) !== undefined && link.accepted) {
      // Alone, or short of links of our own choosing: ask to be let in even
      // if the remote is full (a forced join), so that whoever fills the
      // views cannot lock a peer out of its own outbound links. This goes
      // first: the remote decides on the first message (the welcome `have`
      // first would make every join an ordinary one).
      const needed = this.#links.acceptedCount() === 1 ||
        this.#workingOutbound(nowMs) <= this.#outboundReserve;
      this.#membership.request(link, needed ? { type: "register" } : { type: "get-peers" }, nowMs);
      this.#welcome(link, nowMs);
    }
  }

  /** One of our dials failed: evidence against the member we expected. */
  onDialFailed(conn: ConnId, reason: string, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined || link.remote !== undefined) return;
    this.#links.forget(link);
    if (link.purpose === "bootstrap") {
      this.#port.emit(logEvent("warn", `Cannot reach ${link.dialAddr}: ${reason}`));
      return;
    }
    if (link.expectId !== undefined) {
      // A refused connection is proof enough that no process listens there any
      // more; silence (a timeout) might be a slow or cut-off peer: suspect it.
      if (reason.startsWith("connection refused")) {
        this.#membership.declareDead(
          link.expectId,
          `unreachable: ${reason}`,
          nowMs,
          "connection-lost",
        );
      } else {
        this.#membership.suspect(link.expectId, `unreachable: ${reason}`, nowMs);
      }
    }
    this.maintain(nowMs);
  }

  /** A connection closed: a neighbour lost without a `bye` is checked and replaced. */
  onDisconnected(conn: ConnId, reason: string, nowMs: number): void {
    const link = this.#links.get(conn);
    if (link === undefined) return;
    this.#links.forget(link);
    const remote = link.remote;
    if (remote === undefined || link.purpose !== "peer" || link.byeReceived) return;
    this.#port.emit(logEvent("info", `Lost ${shortId(remote.id)} (${remote.addr}): ${reason}`));
    this.#membership.noteLinkLost(remote.id);
    this.#port.failureDetector.checkAlive(remote.id, nowMs);
    this.maintain(nowMs);
  }

  /**
   * Decides whether an inbound peer link becomes a neighbour, on its first
   * message; returns whether that message is to be handled.
   */
  admit(link: Link, first: Message, nowMs: number): boolean {
    const forced = first.type === "register" && !this.#hasInboundRoom() &&
      this.#mayForceJoin(link, nowMs);
    if (forced) {
      // A peer that needs this link (it is alone, or short of links of its
      // own choosing): take it, making room (HyParView's forced join), so
      // newcomers are not locked out. Only a random unprotected neighbour
      // makes room (see #protectedLinks); with none, the newcomer is turned
      // away with our peer list, as in an ordinary full refusal.
      const victim = this.#evictionCandidate(link, nowMs);
      if (victim !== undefined) this.#links.close(victim, "rebalance", nowMs);
    }
    if (this.#hasInboundRoom()) {
      link.accepted = true;
      this.#welcome(link, nowMs);
      return true;
    }
    const peers = this.#membership.peerList(link.remote!.id);
    this.#links.send(link, { type: "peers", peers }, nowMs);
    this.#links.close(link, "full", nowMs);
    return false;
  }

  /**
   * Neighbours we dialed that work: active (a `chat` or `have` within
   * `usefulLinkWindowMs`), or opened less than `newLinkGraceMs` ago (an
   * honest peer sends its `have` as soon as it takes the link). A black hole
   * we happened to dial does not count towards `outboundLinksMin`, so the
   * peer dials another.
   */
  #workingOutbound(nowMs: number): number {
    const { usefulLinkWindowMs, newLinkGraceMs } = this.#options;
    let n = 0;
    for (const link of this.#links.accepted()) {
      if (!link.outbound) continue;
      if (
        nowMs - link.lastUsefulMs < usefulLinkWindowMs || nowMs - link.openedAtMs < newLinkGraceMs
      ) n++;
    }
    return n;
  }

  /**
   * Whether an inbound link may become a neighbour now: the view is below
   * its maximum, and inbound links leave the slots kept for our own dials.
   */
  #hasInboundRoom(): boolean {
    const accepted = this.#links.acceptedCount();
    const inbound = accepted - this.#links.outboundCount();
    const { connectionsMax } = this.#options;
    return accepted < connectionsMax && inbound < connectionsMax - this.#outboundReserve;
  }

  /**
   * Whether `link`'s remote may force a join now, and if so counts it: at
   * most `forcedJoinsPerMinuteMax` per identity and
   * `forcedJoinsPerHostPerMinuteMax` per source host, per minute.
   */
  #mayForceJoin(link: Link, nowMs: number): boolean {
    const { forcedJoinsPerMinuteMax, forcedJoinsPerHostPerMinuteMax } = this.#options;
    const id = link.remote!.id;
    const host = link.sourceHost;
    const byId = recentJoins(this.#forcedJoins, id, nowMs);
    const byHost = host === undefined ? [] : recentJoins(this.#forcedJoinsByHost, host, nowMs);
    if (byId.length >= forcedJoinsPerMinuteMax) return false;
    if (byHost.length >= forcedJoinsPerHostPerMinuteMax) return false;
    this.#countJoin(this.#forcedJoins, id, byId, nowMs);
    if (host !== undefined) this.#countJoin(this.#forcedJoinsByHost, host, byHost, nowMs);
    return true;
  }

  /** Records a forced join of `key` at `nowMs`, forgetting the oldest source past the cap. */
  #countJoin<K>(joins: Map<K, number[]>, key: K, recent: number[], nowMs: number): void {
    recent.push(nowMs);
    joins.delete(key);
    joins.set(key, recent);
    if (joins.size > this.#options.forcedJoinSourcesMax) joins.delete(joins.keys().next().value!);
  }

  /**
   * The remote of `link` was caught misbehaving: it loses score, and past
   * the threshold it is disconnected and backed off.
   */
  onOffence(link: Link, offence: Offence, nowMs: number): void {
    const id = link.remote?.id;
    if (id === undefined || link.remote!.role !== "peer") return;
    if (!this.#score.penalise(id, offence, nowMs)) {
      this.#port.emit(logEvent("debug", `${shortId(id)} penalised: ${offence}`));
      return;
    }
    const seconds = Math.round(this.#options.misbehaviourBackoffMs / 1_000);
    this.#port.emit(
      logEvent("warn", `Backing off ${shortId(id)} for ${seconds} s: it misbehaved (${offence})`),
    );
    for (const l of [...this.#links.all()]) {
      if (l.remote?.id === id) this.#links.close(l, "backed off", nowMs);
    }
    this.maintain(nowMs);
  }

  /**
   * The neighbour a forced join (or our own dial, short of outbound links)
   * displaces, if any: a random unprotected inbound one.
   */
  #evictionCandidate(joining: Link, nowMs: number): Link | undefined {
    const protectedLinks = this.#protectedLinks(nowMs);
    return pick(
      this.#links.accepted().filter((l) => l !== joining && !protectedLinks.has(l)),
      this.#port.random,
    );
  }

  /**
   * The neighbours no join may displace: the ones we chose, then the oldest
   * active inbound ones (a `chat` or `have` within `usefulLinkWindowMs`: a
   * black hole is never active) until `connectionsTarget` are protected in
   * all. Joining while there was
   * room protects nothing (an insider would take every free slot and keep
   * it), and neither does activity alone past those slots: the rest of the
   * view stays open to newcomers.
   */
  #protectedLinks(nowMs: number): Set<Link> {
    const kept = new Set<Link>();
    const active: Link[] = [];
    for (const link of this.#links.accepted()) {
      if (link.outbound) kept.add(link);
      else if (nowMs - link.lastUsefulMs < this.#options.usefulLinkWindowMs) active.push(link);
    }
    active.sort((a, b) => a.openedAtMs - b.openedAtMs);
    const slots = Math.max(0, this.#options.connectionsTarget - kept.size);
    for (const link of active.slice(0, slots)) kept.add(link);
    return kept;
  }

  /**
   * A neighbour asked for what it announced, and silent since
   * `promiseTimeoutMs`, broke a promise for each `want` it got meanwhile: a
   * black hole that advertises messages to attract `want`s soon crosses the
   * threshold. (An honest neighbour answers each `want` with a `chat` or a
   * `skip`, or pushes chat anyway.)
   */
  #judgePromises(nowMs: number): void {
    for (const link of this.#links.accepted()) {
      const unanswered = link.unansweredWants;
      if (unanswered === undefined || nowMs - unanswered.sinceMs < this.#options.promiseTimeoutMs) {
        continue;
      }
      link.unansweredWants = undefined;
      for (let i = 0; i < unanswered.count && this.#links.get(link.conn) !== undefined; i++) {
        this.onOffence(link, "broken-promise", nowMs);
      }
    }
  }

  /** The remote closes on purpose; a peer we dialed that is full is left alone for a while. */
  onBye(link: Link, reason: string, nowMs: number): void {
    link.byeReceived = true;
    // Only a peer we dialed can turn us away as full (and so be left alone).
    if (reason === "full" && link.outbound) {
      this.#refusedAsFullUntil.set(link.remote!.id, nowMs + this.#options.fullBackoffMs);
    }
    this.#port.emit(logEvent("debug", `${shortId(link.remote!.id)} closes: ${reason}`));
    this.#links.close(link, `remote said bye: ${reason}`, nowMs);
  }

  /** A `have` on `link`: a full one answers a rewiring dial, so one other neighbour goes. */
  onHave(link: Link, have: Have, nowMs: number): void {
    if (!link.rewire || !have.full) return;
    // The remote accepted our rewiring dial (its welcome is this full
    // `have`; a refusal would have been `bye`): let go of one other neighbour.
    link.rewire = false;
    const victim = pick(this.#links.accepted().filter((l) => l !== link), this.#port.random);
    if (victim !== undefined && this.#links.acceptedCount() > this.#options.connectionsTarget) {
      this.#links.close(victim, "rebalance", nowMs);
    }
  }

  /**
   * Dials random live members until the active view reaches its target and
   * has `outboundLinksMin` links of our own choosing.
   */
  maintain(nowMs: number): void {
    if (this.#links.leaving) return;
    const inFlight = this.#links.dialsInFlight;
    let budget = Math.max(
      this.#options.connectionsTarget - this.#links.acceptedCount() - inFlight,
      this.#outboundReserve - this.#workingOutbound(nowMs) - inFlight,
    );
    while (budget > 0 && this.#links.dialsInFlight < this.#options.dialsInFlightMax) {
      const target = this.#randomNonNeighbour(nowMs);
      if (target === undefined) return;
      this.#links.dial(target.addr, "peer", target.id, nowMs);
      budget--;
    }
  }

  /** Gossip round: a peer-list pull, upkeep of the view, and expiries. */
  onGossipTimer(nowMs: number): void {
    this.#membership.pullFromRandomNeighbour(nowMs);
    this.maintain(nowMs);
    this.#membership.expire(nowMs);
    this.#score.expire(nowMs);
    this.#judgePromises(nowMs);
    for (const [id, until] of this.#refusedAsFullUntil) {
      if (until <= nowMs) this.#refusedAsFullUntil.delete(id);
    }
    this.#port.timers.set("gossip", nowMs + this.#jitter(this.#options.gossipIntervalMs));
  }

  /** Dials a random recently dead member: after a partition heals, it refutes its death. */
  onReconnectTimer(nowMs: number): void {
    const dead = pick(this.#membership.recentDead(16), this.#port.random);
    if (
      dead !== undefined && !this.#links.isBusyWith(dead.id) && !this.#links.leaving &&
      !this.#score.isBackedOff(dead.id, nowMs)
    ) {
      this.#links.dial(dead.addr, "peer", dead.id, nowMs);
    }
    this.#port.timers.set("reconnect", nowMs + this.#jitter(this.#options.reconnectIntervalMs));
  }

  /**
   * Rewiring: at its target, a peer connects to one random non-neighbour and
   * lets go of one random neighbour. Rare and random, it merges an overlay
   * that split while many peers joined at once, and costs nothing in a full
   * mesh (there is no non-neighbour to pick).
   */
  onRewireTimer(nowMs: number): void {
    this.#rewire(nowMs);
    this.#port.timers.set("rewire", nowMs + this.#jitter(this.#options.mixIntervalMs));
  }

  #rewire(nowMs: number): void {
    if (this.#links.leaving || this.#links.dialsInFlight > 0) return;
    if (this.#links.acceptedCount() < this.#options.connectionsTarget) return;
    const target = this.#randomNonNeighbour(nowMs);
    if (target === undefined) return;
    const link = this.#links.dial(target.addr, "peer", target.id, nowMs);
    link.rewire = true;
  }

  /** Registers an established peer link, resolving duplicates and learning the remote. */
  #establish(link: Link, nowMs: number, welcome = true): void {
    const remote = link.remote!;
    const existing = this.#links.peerLink(remote.id);
    if (existing !== undefined && existing !== link) {
      // Both sides dialed: keep the connection dialed by the smaller id, which
      // both ends compute alike.
      const initiator = (l: Link) => (l.outbound ? this.#port.id : remote.id);
      const keepNew = initiator(link) < initiator(existing);
      const loser = keepNew ? existing : link;
      if (keepNew) link.accepted ||= existing.accepted;
      this.#links.close(loser, "duplicate", nowMs);
      if (!keepNew) return;
    }
    this.#links.setPeerLink(link);
    this.#membership.learnFromHello(link, nowMs);
    if (link.accepted && welcome) this.#welcome(link, nowMs);
  }

  /** A new neighbour: compare histories at once, so a late joiner catches up. */
  #welcome(link: Link, nowMs: number): void {
    this.#port.dissemination.welcome(link);
    this.#port.repair.sendFullHave(link, nowMs);
    if (!link.outbound && this.#links.acceptedCount() === 1) {
      // Our first neighbour came to us: we are the newcomer here, so ask it
      // for everything it knows (an outbound first link asks when it opens).
      this.#membership.request(link, { type: "register" }, nowMs);
    }
  }

  /** A random alive member that is not a neighbour, not being dialed, not backed off, and has not just refused us. */
  #randomNonNeighbour(nowMs: number): MemberInfo | undefined {
    return this.#membership.randomLive((m) => {
      if (m.status !== "alive" || this.#links.isBusyWith(m.id)) return true;
      if (this.#score.isBackedOff(m.id, nowMs)) return true;
      const until = this.#refusedAsFullUntil.get(m.id);
      if (until === undefined) return false;
      if (until > nowMs) return true;
      this.#refusedAsFullUntil.delete(m.id);
      return false;
    });
  }

  #jitter(ms: number): number {
    return jitter(ms, this.#port.random);
  }
}

/** The times in `joins` of `key` within the last minute (a fresh array). */
function recentJoins<K>(joins: Map<K, number[]>, key: K, nowMs: number): number[] {
  return (joins.get(key) ?? []).filter((at) => nowMs - at < 60_000);
}
