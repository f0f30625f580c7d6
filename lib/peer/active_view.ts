/**
 * The active view: which connections count as neighbours. It accepts and
 * refuses, resolves duplicate links, dials random members up to the target,
 * rewires now and then, backs off from members that refused us as full, and
 * tries recently dead members again so partitions heal.
 *
 * @module
 */

import type { ConnId } from "../actor/effect.ts";
import type { TimerTable } from "../actor/timer_table.ts";
import { pick, type Random } from "../random/random.ts";
import type { Have, Hello, MemberInfo, Message, PeerId } from "../wire/message.ts";
import { type EmitEvent, jitter, logEvent, shortId } from "./_support.ts";
import type { BootstrapClient } from "./bootstrap_client.ts";
import type { FailureDetector } from "./failure_detector.ts";
import type { Link, Links } from "./links.ts";
import type { Membership } from "./membership.ts";
import type { ActiveViewOptions, ResolvedPeerNodeOptions } from "./peer_node_options.ts";
import type { PeerTimer } from "./peer_timer.ts";
import type { Repair } from "./repair.ts";

/** The options {@linkcode ActiveView} reads: its own group. */
type ActiveViewReads = Pick<ResolvedPeerNodeOptions, keyof ActiveViewOptions>;

/** What {@linkcode ActiveView} works with. */
export interface ActiveViewPort {
  readonly id: PeerId;
  readonly links: Links;
  readonly membership: Membership;
  readonly bootstrap: BootstrapClient;
  readonly failureDetector: FailureDetector;
  readonly repair: Repair;
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
  /** Neighbours that came in by a forced join: the only ones a later forced join may displace. */
  readonly #forcedIn = new WeakSet<Link>();

  /** A view with no neighbours. */
  constructor(port: ActiveViewPort) {
    this.#port = port;
    this.#links = port.links;
    this.#membership = port.membership;
    this.#options = port.options;
  }

  /** The earliest of the gossip, reconnect and rewire deadlines. */
  nextDeadlineMs(): number {
    return this.#port.timers.nextDeadlineMs(TIMERS);
  }

  /** An inbound connection finished its hello; returns its id. */
  onAccepted(remote: Hello, nowMs: number): ConnId {
    const link = this.#links.open(false, "peer", undefined, undefined, nowMs);
    link.remote = remote;
    if (this.#links.leaving) {
      this.#links.close(link, "leaving", nowMs);
    } else if (remote.role === "bootstrap") {
      // A bootstrap checking that we are alive: the hello was the answer.
      link.purpose = "liveness";
    } else if (remote.id === this.#port.id) {
      this.#links.close(link, "connected to self", nowMs);
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
    const replacing = this.#links.peerLink(remote.id)?.accepted === true;
    if (this.#links.acceptedCount() >= this.#options.connectionsMax && !replacing) {
      // Inbound connections filled the view while this dial was under way.
      this.#links.close(link, link.purpose === "liveness" ? "verified alive" : "full", nowMs);
      return;
    }
    link.purpose = "peer";
    this.#establish(link, nowMs);
    if (this.#links.get(conn) !== undefined && link.accepted) {
      const alone = this.#links.acceptedCount() === 1;
      this.#membership.request(link, alone ? { type: "register" } : { type: "get-peers" }, nowMs);
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
        this.#membership.declareDead(link.expectId, `unreachable: ${reason}`, nowMs);
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
    this.#port.failureDetector.checkAlive(remote.id, nowMs);
    this.maintain(nowMs);
  }

  /**
   * Decides whether an inbound peer link becomes a neighbour, on its first
   * message; returns whether that message is to be handled.
   */
  admit(link: Link, first: Message, nowMs: number): boolean {
    const forced = first.type === "register" && this.#mayForceJoin(link.remote!.id, nowMs);
    if (forced) {
      // A peer with no other neighbour: take it, making room if needed
      // (HyParView's forced join), so newcomers are not locked out. Only a
      // young neighbour that itself came in by force makes room; with none,
      // the newcomer is turned away with our peer list (where it finds peers
      // with room), as in an ordinary full refusal.
      if (this.#links.acceptedCount() >= this.#options.connectionsMax) {
        const victim = pick(
          this.#links.accepted().filter((l) => l !== link && !this.#isProtected(l, nowMs)),
          this.#port.random,
        );
        if (victim !== undefined) this.#links.close(victim, "rebalance", nowMs);
      }
    }
    if (this.#links.acceptedCount() < this.#options.connectionsMax) {
      if (forced) this.#forcedIn.add(link);
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
   * Whether `id` may force a join now, and if so counts it: at most
   * `forcedJoinsPerMinuteMax` per identity per minute.
   */
  #mayForceJoin(id: PeerId, nowMs: number): boolean {
    const recent = (this.#forcedJoins.get(id) ?? []).filter((at) => nowMs - at < 60_000);
    if (recent.length >= this.#options.forcedJoinsPerMinuteMax) return false;
    recent.push(nowMs);
    this.#forcedJoins.delete(id);
    this.#forcedJoins.set(id, recent);
    if (this.#forcedJoins.size > this.#options.forcedJoinSourcesMax) {
      this.#forcedJoins.delete(this.#forcedJoins.keys().next().value!);
    }
    return true;
  }

  /**
   * A neighbour a forced join may not displace: one we chose, one that joined
   * without force (it found room), or one that has lasted.
   */
  #isProtected(link: Link, nowMs: number): boolean {
    return link.outbound || !this.#forcedIn.has(link) ||
      nowMs - link.openedAtMs >= this.#options.protectedLinkAgeMs;
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

  /** Dials random live members until the active view reaches its target. */
  maintain(nowMs: number): void {
    if (this.#links.leaving) return;
    let budget = this.#options.connectionsTarget - this.#links.acceptedCount() -
      this.#links.dialsInFlight;
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
    for (const [id, until] of this.#refusedAsFullUntil) {
      if (until <= nowMs) this.#refusedAsFullUntil.delete(id);
    }
    this.#port.timers.set("gossip", nowMs + this.#jitter(this.#options.gossipIntervalMs));
  }

  /** Dials a random recently dead member: after a partition heals, it refutes its death. */
  onReconnectTimer(nowMs: number): void {
    const dead = pick(this.#membership.recentDead(16), this.#port.random);
    if (dead !== undefined && !this.#links.isBusyWith(dead.id) && !this.#links.leaving) {
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
  #establish(link: Link, nowMs: number): void {
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
    if (link.accepted) this.#welcome(link, nowMs);
  }

  /** A new neighbour: compare histories at once, so a late joiner catches up. */
  #welcome(link: Link, nowMs: number): void {
    this.#port.repair.sendFullHave(link, nowMs);
    if (!link.outbound && this.#links.acceptedCount() === 1) {
      // Our first neighbour came to us: we are the newcomer here, so ask it
      // for everything it knows (an outbound first link asks when it opens).
      this.#membership.request(link, { type: "register" }, nowMs);
    }
  }

  /** A random alive member that is not a neighbour, not being dialed, and has not just refused us. */
  #randomNonNeighbour(nowMs: number): MemberInfo | undefined {
    return this.#membership.randomLive((m) => {
      if (m.status !== "alive" || this.#links.isBusyWith(m.id)) return true;
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
