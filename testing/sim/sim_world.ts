/**
 * A whole simulated p2pchat network: a bootstrap and many peers running the
 * production actors on a {@linkcode SimNetwork}, with ground truth (who is
 * alive, what was sent), a "disk" per peer for crash and restart, invariant
 * checks, and the measurements a scenario reports.
 *
 * @module
 */

import { BootstrapRegistry } from "../../lib/bootstrap/bootstrap_registry.ts";
import type { Effect } from "../../lib/actor/effect.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import { PEER_NODE_DEFAULTS, type PeerNodeOptions } from "../../lib/peer/peer_node_options.ts";
import type { ChatMessage, PeerId } from "../../lib/wire/message.ts";
import { CausalChecker, InvariantViolation } from "../../lib/sim/causal_checker.ts";
import {
  type SimNatKind,
  SimNetwork,
  type SimNetworkOptions,
  type SimNode,
  type SimObserver,
} from "../../lib/sim/sim_network.ts";
import { relayedAddress } from "../../lib/wire/address.ts";

/** Protocol options a world may tune (identity, address and randomness are the world's). */
export type SimPeerOptions = Omit<
  PeerNodeOptions,
  "id" | "addr" | "nick" | "random" | "bootstraps" | "restore"
>;

/** Options of {@linkcode SimWorld}. */
export interface SimWorldOptions {
  /** The one seed everything derives from. */
  seed: number;
  /** Peer protocol tuning. */
  peer?: SimPeerOptions;
  /** Network delays and faults. */
  network?: Omit<SimNetworkOptions, "seed">;
  /** Lines of recent activity kept for a failure report. Default 60. */
  traceLines?: number;
  /** Extra observers of the network, installed before the first node starts (e.g. a trace digest). */
  observers?: readonly SimObserver[];
  /** Peers behind home routers (PROTOCOL.md § Relays). Default: none, every peer is public. */
  nat?: SimNatOptions;
}

/** How many peers sit behind home routers, and which kind. */
export interface SimNatOptions {
  /** The share of peers behind a router, 0–1 (each peer draws once, when added). */
  readonly fraction: number;
  /** Of those, the share behind a symmetric NAT (never punched through). Default 0.2. */
  readonly symmetricShare?: number;
}

/** How long a NAT'd peer whose relay went away waits before it reserves at another. */
const RESERVE_RETRY_MS = 5_000;

/**
 * Builds a peer's node. Honest peers run {@linkcode PeerNode} as is; a
 * hostile member (see `insider.ts`) runs a subclass that misbehaves on the
 * wire while its protocol state stays a real node's.
 */
export type NodeFactory = (options: PeerNodeOptions) => PeerNode;

/** What a peer keeps on disk: enough to restart as itself. */
interface Disk {
  incarnation: number;
  messages: ChatMessage[];
  skipped: Map<PeerId, number>;
}

/** One peer slot of the world; a restart without disk gives it a new identity. */
export interface SimPeer {
  readonly index: number;
  readonly addr: string;
  id: PeerId;
  node: SimNode<PeerNode>;
  disk: Disk;
  alive: boolean;
  /** When it last crashed, for failure-detection times. */
  crashedAtMs: number | undefined;
  /** When it last restarted: a verdict just after is about its life before. */
  restartedAtMs: number | undefined;
  /** How a hostile member builds its node; honest peers have none. */
  readonly make?: NodeFactory;
  /** Behind which kind of router it sits (undefined: a public address). */
  readonly nat?: SimNatKind;
  /** A NAT'd peer: the relay it holds a reservation at. */
  relay?: string;
}

interface Sent {
  readonly author: PeerId;
  readonly seq: number;
  readonly sentAtMs: number;
}

/** Measurements a run accumulates. */
export interface SimStats {
  /** Delivery latencies (ms) over every (message, receiver) pair seen. */
  readonly latenciesMs: number[];
  /** When each of those deliveries happened (ms of simulated time), in the same order. */
  readonly deliveredAtMs: number[];
  /** When the receiver of each last came up (joined or restarted), in the same order. */
  readonly receiverUpAtMs: number[];
  /** Per message, the most hops any receiver first got it over. */
  readonly hopsMax: Map<string, number>;
  /** Peak sizes seen at any node. */
  readonly peaks: { heldBack: number; history: number; members: number; neighbours: number };
  /** Verdicts (observer, peer) of death on live peers reachable from the observer. */
  falsePositives: number;
  /** Distinct live peers that some reachable observer declared dead. */
  readonly falsePositivePeers: Set<string>;
  /** Peers declared dead while alive but cut off by a partition (the right verdict for that side). */
  partitionVerdicts: number;
  /** Peers crashed so far. */
  crashes: number;
  /** For each crash, how long until no live peer listed the crashed one. */
  readonly detectionMs: number[];
}

const BOOTSTRAP_ADDR = "10.255.255.254:7411";

/** The world. */
export class SimWorld {
  readonly net: SimNetwork;
  readonly checker = new CausalChecker();
  readonly peers: SimPeer[] = [];
  readonly stats: SimStats = {
    latenciesMs: [],
    deliveredAtMs: [],
    receiverUpAtMs: [],
    hopsMax: new Map(),
    peaks: { heldBack: 0, history: 0, members: 0, neighbours: 0 },
    falsePositives: 0,
    falsePositivePeers: new Set(),
    partitionVerdicts: 0,
    crashes: 0,
    detectionMs: [],
  };
  readonly #options: SimWorldOptions;
  readonly #peerOptions: Required<SimPeerOptions>;
  readonly #sent = new Map<string, Sent>();
  /** Per message key, per peer address: hops of the first copy received. */
  readonly #hops = new Map<string, Map<string, number>>();
  readonly #byAddr = new Map<string, SimPeer>();
  readonly #byId = new Map<PeerId, SimPeer>();
  /** Recent activity; lines from the hot paths are formatted only when a report asks for them. */
  readonly #trace: (string | (() => string))[] = [];
  readonly #traceLines: number;
  /** Crashed peers whose detection is still being timed. */
  readonly #undetected = new Set<SimPeer>();
  #bootstrap: SimNode<BootstrapRegistry>;
  /** Per relay address, the NAT'd peers holding a reservation there. */
  readonly #reservations = new Map<string, Set<SimPeer>>();
  /** NAT'd peers waiting to reserve again (their relay went away). */
  readonly #reserving = new Set<SimPeer>();
  #bootstrapAlive = true;
  #messageCounter = 0;

  /** A world with a bootstrap and no peers yet. */
  constructor(options: SimWorldOptions) {
    this.#options = options;
    this.#traceLines = options.traceLines ?? 60;
    this.#peerOptions = { ...PEER_NODE_DEFAULTS, ...options.peer } as Required<SimPeerOptions>;
    this.net = new SimNetwork({ seed: options.seed, ...options.network });
    for (const observer of options.observers ?? []) this.net.observe(observer);
    this.net.observe(this.checker);
    this.net.observe({
      onEffect: (node, effect, nowMs) => this.#onEffect(node, effect, nowMs),
      onReceive: (node, message, from) => {
        if (message.type !== "chat") return;
        const key = keyOf(message.message);
        const hops = this.#hops.get(key);
        if (hops === undefined || hops.has(node.addr)) return;
        const hop = (hops.get(from.addr) ?? 0) + 1;
        hops.set(node.addr, hop);
        if (hop > (this.stats.hopsMax.get(key) ?? 0)) this.stats.hopsMax.set(key, hop);
      },
    });
    this.#bootstrap = this.#startBootstrap();
  }

  /** The seed, for replay commands. */
  get seed(): number {
    return this.#options.seed;
  }

  /** The protocol options every peer runs with. */
  get peerOptions(): Required<SimPeerOptions> {
    return this.#peerOptions;
  }

  /** Messages sent so far. */
  get sentCount(): number {
    return this.#sent.size;
  }

  /** Peers alive now. */
  alivePeers(): SimPeer[] {
    return this.peers.filter((p) => p.alive);
  }

  /** Honest peers alive now: what delivery and convergence are judged on. */
  honestPeers(): SimPeer[] {
    return this.peers.filter((p) => p.alive && p.make === undefined);
  }

  /** The peer with `id`, if any. */
  peerById(id: PeerId): SimPeer | undefined {
    return this.#byId.get(id);
  }

  /** The bootstrap's address, for hostile members that register fakes with it. */
  get bootstrapAddr(): string {
    return BOOTSTRAP_ADDR;
  }

  /**
   * Adds a new peer now; it registers with the bootstrap and joins. With
   * `make`, the peer is a hostile member: its node is built by `make`, and
   * delivery and convergence are judged without it.
   */
  addPeer({ make }: { make?: NodeFactory } = {}): SimPeer {
    const index = this.peers.length;
    const addr = `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}:9000`;
    const nat = this.#drawNat();
    const peer: SimPeer = {
      index,
      addr,
      id: this.#randomId(),
      node: undefined as unknown as SimNode<PeerNode>,
      disk: { incarnation: 0, messages: [], skipped: new Map() },
      alive: true,
      crashedAtMs: undefined,
      restartedAtMs: undefined,
      ...(make === undefined ? {} : { make }),
      ...(nat === undefined ? {} : { nat }),
    };
    this.peers.push(peer);
    this.#byAddr.set(addr, peer);
    this.#boot(peer);
    return peer;
  }

  /** Has `peer` author a message now; returns it. */
  send(peer: SimPeer, text?: string): ChatMessage {
    const message = this.net.act(
      peer.node,
      (node, now) => node.sendChat(text ?? `m${++this.#messageCounter}`, Math.round(now), now),
    );
    const key = keyOf(message);
    this.#sent.set(key, { author: message.author, seq: message.seq, sentAtMs: this.net.nowMs });
    this.#hops.set(key, new Map([[peer.addr, 0]]));
    return message;
  }

  /** Kills a peer: with `reset` its connections close at once (a killed process), else they go silent. */
  crash(peer: SimPeer, { reset = true }: { reset?: boolean } = {}): void {
    if (!peer.alive) return;
    this.#traceLine(`${fmt(this.net.nowMs)} CRASH ${peer.addr}${reset ? "" : " (silent)"}`);
    peer.alive = false;
    this.stats.crashes++;
    peer.crashedAtMs = this.net.nowMs;
    this.#undetected.add(peer);
    this.net.crash(peer.addr, { reset });
  }

  /** Restarts a crashed peer, as itself (`disk`) or as a brand-new peer at the same address. */
  restart(peer: SimPeer, { disk = true }: { disk?: boolean } = {}): void {
    if (peer.alive) return;
    this.#traceLine(`${fmt(this.net.nowMs)} RESTART ${peer.addr}${disk ? "" : " (no disk)"}`);
    if (!disk) {
      this.#byId.delete(peer.id);
      peer.id = this.#randomId();
      peer.disk = { incarnation: 0, messages: [], skipped: new Map() };
      this.checker.forget(peer.addr);
    }
    this.#undetected.delete(peer);
    peer.alive = true;
    peer.restartedAtMs = this.net.nowMs;
    this.#boot(peer);
  }

  /** Has a peer leave gracefully; it is gone once its goodbyes are out. */
  leave(peer: SimPeer): void {
    if (!peer.alive) return;
    this.#traceLine(`${fmt(this.net.nowMs)} LEAVE ${peer.addr}`);
    this.net.act(peer.node, (node, now) => node.leave(now));
    peer.alive = false;
    this.net.at(this.net.nowMs + 1_000, () => this.net.crash(peer.addr));
  }

  /** Stops a peer's process from running for `ms` (a slow or paused peer). */
  stall(peer: SimPeer, ms: number): void {
    this.#traceLine(`${fmt(this.net.nowMs)} STALL ${peer.addr} for ${ms} ms`);
    this.net.stall(peer.addr, this.net.nowMs + ms);
  }

  /** Takes the bootstrap down (its registry is lost). */
  crashBootstrap(): void {
    this.#traceLine(`${fmt(this.net.nowMs)} CRASH bootstrap`);
    this.#bootstrapAlive = false;
    this.net.crash(BOOTSTRAP_ADDR);
  }

  /** Brings a fresh, empty bootstrap back at the same address. */
  restartBootstrap(): void {
    if (this.#bootstrapAlive) return;
    this.#traceLine(`${fmt(this.net.nowMs)} RESTART bootstrap`);
    this.#bootstrapAlive = true;
    this.#bootstrap = this.#startBootstrap();
  }

  /**
   * Runs until `untilMs`, checking bounds and collecting peaks every
   * `checkEveryMs`; throws {@linkcode InvariantViolation} (with a trace) on a
   * broken invariant.
   */
  run(untilMs: number, checkEveryMs = 250): void {
    while (this.net.nowMs < untilMs) {
      this.net.runUntil(Math.min(untilMs, this.net.nowMs + checkEveryMs));
      this.#sample();
      this.#checkReservations();
    }
  }

  /** Runs until `done()` or `untilMs`; returns the time it took (or `undefined` if it never held). */
  runUntil(done: () => boolean, untilMs: number, checkEveryMs = 100): number | undefined {
    const start = this.net.nowMs;
    while (this.net.nowMs < untilMs) {
      if (done()) return this.net.nowMs - start;
      this.net.runUntil(Math.min(untilMs, this.net.nowMs + checkEveryMs));
      this.#sample();
      this.#checkReservations();
    }
    return done() ? this.net.nowMs - start : undefined;
  }

  /**
   * Whether every live peer has delivered every message that any live peer
   * sent or delivered (eventual delivery). History skips count as delivered.
   */
  allDelivered(): boolean {
    return this.undelivered() === 0;
  }

  /** How many (live peer, message) deliveries are still missing. */
  undelivered(): number {
    const alive = this.honestPeers();
    const target = new Map<PeerId, number>();
    for (const peer of alive) {
      for (const [author, n] of peer.node.actor.deliveredClock) {
        if (n > (target.get(author) ?? 0)) target.set(author, n);
      }
    }
    let missing = 0;
    for (const peer of alive) {
      for (const [author, n] of target) {
        missing += Math.max(0, n - peer.node.actor.deliveredSeq(author));
      }
    }
    return missing;
  }

  /**
   * Membership convergence: the live peers form one connected overlay, and
   * each one's view holds no dead peer and either every live peer (when the
   * network fits in its table) or at least a healthy partial view.
   */
  membershipConverged(): boolean {
    return this.membershipProblem() === undefined;
  }

  /** Why membership has not converged, or `undefined` when it has. */
  membershipProblem(): string | undefined {
    const alive = this.honestPeers();
    if (alive.length === 0) return undefined;
    // Hostile members are alive too: honest peers should know them.
    const everyone = this.alivePeers().length;
    const full = everyone <= this.#peerOptions.membersMax;
    // Cheap counts first; the full scan only once they agree.
    for (const peer of alive) {
      const live = peer.node.actor.liveMemberCount;
      if (full && live !== everyone - 1) {
        return `${peer.addr} knows ${live} of ${everyone - 1} live peers`;
      }
      if (!full && live < Math.min(everyone - 1, this.#peerOptions.connectionsTarget)) {
        return `${peer.addr} has a partial view of only ${live}`;
      }
    }
    const liveIds = new Set(this.alivePeers().map((p) => p.id));
    for (const peer of alive) {
      const stale = peer.node.actor.peers().find((p) => !liveIds.has(p.id));
      if (stale !== undefined) return `${peer.addr} still lists ${stale.addr}`;
    }
    return this.#overlayProblem(alive);
  }

  /** Throws unless every bound holds at every live peer. */
  checkBounds(): void {
    const o = this.#peerOptions;
    for (const peer of this.alivePeers()) {
      const node = peer.node.actor;
      const check = (what: string, value: number, max: number) => {
        if (value > max) {
          throw new InvariantViolation(`Bound broken at ${peer.addr}: ${what} ${value} > ${max}`);
        }
      };
      check("held-back messages", node.heldBackCount, o.holdBackMessagesMax);
      check("held-back bytes", node.heldBackBytes, o.holdBackBytesMax);
      check("history", node.historySize, o.historyMessagesMax);
      check("history bytes", node.historyBytes, o.historyBytesMax);
      check("members", node.memberCount, o.membersMax);
      check("neighbours", node.neighbourIds().length, o.connectionsMax);
    }
  }

  /** The last lines of activity, for a failure report. */
  trace(): string[] {
    return this.#trace.slice(-this.#traceLines).map((line) =>
      typeof line === "string" ? line : line()
    );
  }

  /** A failure message with the seed, the replay command and the recent trace. */
  failureReport(scenario: string, nodes: number, error: unknown): string {
    return [
      `Simulation failed: ${(error as Error).message}`,
      `  seed ${this.seed}, scenario ${scenario}, ${nodes} nodes, at ${fmt(this.net.nowMs)}`,
      `  replay: deno task sim --scenario ${scenario} --nodes ${nodes} --seed ${this.seed}`,
      `  last activity:`,
      ...this.trace().map((line) => `    ${line}`),
    ].join("\n");
  }

  #sample(): void {
    this.checkBounds();
    const peaks = this.stats.peaks;
    for (const peer of this.alivePeers()) {
      const node = peer.node.actor;
      peaks.heldBack = Math.max(peaks.heldBack, node.heldBackCount);
      peaks.history = Math.max(peaks.history, node.historySize);
      peaks.members = Math.max(peaks.members, node.memberCount);
      peaks.neighbours = Math.max(peaks.neighbours, node.neighbourIds().length);
    }
    for (const peer of this.#undetected) {
      if (this.alivePeers().every((p) => !p.node.actor.knowsAlive(peer.id))) {
        this.stats.detectionMs.push(this.net.nowMs - peer.crashedAtMs!);
        this.#undetected.delete(peer);
      }
    }
  }

  #overlayProblem(alive: SimPeer[]): string | undefined {
    const byId = new Map(alive.map((p) => [p.id, p]));
    const seen = new Set<PeerId>([alive[0]!.id]);
    const stack = [alive[0]!];
    while (stack.length > 0) {
      const peer = stack.pop()!;
      for (const id of peer.node.actor.neighbourIds()) {
        const next = byId.get(id);
        if (next !== undefined && !seen.has(id)) {
          seen.add(id);
          stack.push(next);
        }
      }
    }
    if (seen.size === alive.length) return undefined;
    const cut = alive.find((p) => !seen.has(p.id))!;
    return `the overlay is split: ${cut.addr} is not reachable from ${
      alive[0]!.addr
    } (${seen.size} of ${alive.length} reachable)`;
  }

  #boot(peer: SimPeer): void {
    const restore = peer.disk.messages.length > 0 || peer.disk.incarnation > 0
      ? {
        incarnation: peer.disk.incarnation + 1,
        messages: peer.disk.messages,
        skipped: peer.disk.skipped,
      }
      : undefined;
    peer.disk.incarnation = restore?.incarnation ?? 0;
    const node = (peer.make ?? ((options) => new PeerNode(options)))({
      ...this.#peerOptions,
      id: peer.id,
      addr: peer.nat === undefined ? peer.addr : this.#reserve(peer),
      nick: `p${peer.index}`,
      random: this.net.nodeRandom(),
      bootstraps: [BOOTSTRAP_ADDR],
      ...(restore === undefined ? {} : { restore }),
    });
    this.#byId.set(peer.id, peer);
    peer.node = this.net.addNode(peer.addr, node, (n, now) => n.start(now), peer.nat);
  }

  /** Whether (and how) a new peer sits behind a router; draws only when NAT is modelled. */
  #drawNat(): SimNatKind | undefined {
    const nat = this.#options.nat;
    if (nat === undefined || this.net.random.float() >= nat.fraction) return undefined;
    return this.net.random.float() < (nat.symmetricShare ?? 0.2) ? "symmetric-nat" : "nat";
  }

  /**
   * Reserves a slot for NAT'd `peer` at a relay — the less loaded of two
   * picked at random among the bootstrap and the public peers alive (two
   * choices spread the load) — and returns the relayed address it advertises.
   */
  #reserve(peer: SimPeer): string {
    if (peer.relay !== undefined) this.#reservations.get(peer.relay)?.delete(peer);
    const candidates = this.peers.filter((p) => p.alive && p.nat === undefined && p !== peer)
      .map((p) => p.addr);
    if (this.#bootstrapAlive) candidates.push(BOOTSTRAP_ADDR);
    const load = (addr: string) => this.#reservations.get(addr)?.size ?? 0;
    const a = candidates[this.net.random.int(candidates.length)]!;
    const b = candidates[this.net.random.int(candidates.length)]!;
    const relay = load(b) < load(a) ? b : a;
    peer.relay = relay;
    let clients = this.#reservations.get(relay);
    if (clients === undefined) this.#reservations.set(relay, clients = new Set());
    clients.add(peer);
    return relayedAddress(relay, peer.id);
  }

  /** NAT'd peers whose relay is gone reserve at another after a pause, and advertise it. */
  #checkReservations(): void {
    if (this.#options.nat === undefined) return;
    for (const peer of this.peers) {
      if (peer.nat === undefined || !peer.alive || this.#reserving.has(peer)) continue;
      const relay = peer.relay === undefined ? undefined : this.net.node(peer.relay);
      if (relay?.alive === true) continue;
      this.#reserving.add(peer);
      this.net.at(this.net.nowMs + RESERVE_RETRY_MS, () => {
        this.#reserving.delete(peer);
        if (!peer.alive) return;
        const addr = this.#reserve(peer);
        this.#traceLine(`${fmt(this.net.nowMs)} RESERVE ${peer.addr} at ${peer.relay}`);
        this.net.act(peer.node, (node, now) => node.setAddr(addr, now));
      });
    }
  }

  /** Per relay address, how many NAT'd peers hold a reservation there now. */
  relayLoads(): Map<string, number> {
    return new Map([...this.#reservations].map(([addr, peers]) => [addr, peers.size]));
  }

  #startBootstrap(): SimNode<BootstrapRegistry> {
    return this.net.addNode(
      BOOTSTRAP_ADDR,
      new BootstrapRegistry({
        id: this.#randomId(),
        addr: BOOTSTRAP_ADDR,
        random: this.net.nodeRandom(),
      }),
    );
  }

  #onEffect(node: SimNode, effect: Effect, nowMs: number): void {
    const peer = this.#byAddr.get(node.addr);
    switch (effect.type) {
      case "deliver": {
        if (peer === undefined) return;
        const message = effect.message;
        peer.disk.messages.push(message);
        const sent = this.#sent.get(keyOf(message));
        if (sent !== undefined && message.author !== peer.id) {
          this.stats.latenciesMs.push(nowMs - sent.sentAtMs);
          this.stats.deliveredAtMs.push(nowMs);
          this.stats.receiverUpAtMs.push(peer.restartedAtMs ?? 0);
        }
        return;
      }
      case "skip": {
        if (peer === undefined) return;
        // Keep each author's run on disk contiguous: what lies before a skip goes.
        peer.disk.messages = peer.disk.messages.filter((m) =>
          m.author !== effect.author || m.seq > effect.seq
        );
        peer.disk.skipped.set(effect.author, effect.seq);
        this.#traceLine(() =>
          `${fmt(nowMs)} ${node.addr} skip ${effect.author.slice(0, 8)} to #${effect.seq}`
        );
        return;
      }
      case "peer-down": {
        const subject = this.#byId.get(effect.id);
        const departed = effect.reason === "left" || effect.reason.startsWith("forgotten");
        if (
          subject !== undefined && subject.alive && subject.make === undefined && !departed &&
          peer !== undefined && peer.make === undefined
        ) {
          if (this.net.partitioned || nowMs - this.net.lastHealMs < this.#partitionEchoMs()) {
            // Behind a partition a live peer is indistinguishable from a dead
            // one; a suspicion started there can still expire just after the heal.
            this.stats.partitionVerdicts++;
            return;
          }
          if (nowMs - (subject.restartedAtMs ?? -Infinity) < this.#peerOptions.probeIntervalMs) {
            // A suspicion of its crashed life, ending in a verdict in the
            // moment after its restart, before it could refute: not a false
            // positive (it was dead when the evidence was gathered).
            this.#traceLine(
              `${fmt(nowMs)} ${node.addr} stale verdict on ${subject.addr}, just restarted`,
            );
            return;
          }
          this.stats.falsePositives++;
          this.stats.falsePositivePeers.add(subject.addr);
          this.#traceLine(
            `${
              fmt(nowMs)
            } FALSE POSITIVE ${node.addr} declared ${subject.addr} dead: ${effect.reason}`,
          );
        }
        this.#traceLine(() =>
          `${fmt(nowMs)} ${node.addr} peer-down ${shortAddr(subject)} (${effect.reason})`
        );
        return;
      }
      case "peer-up": {
        const subject = this.#byId.get(effect.id);
        this.#traceLine(() => `${fmt(nowMs)} ${node.addr} peer-up ${shortAddr(subject)}`);
        return;
      }
      case "log":
        if (effect.level !== "debug") {
          this.#traceLine(() => `${fmt(nowMs)} ${node.addr} ${effect.text}`);
        }
        return;
      default:
        return;
    }
  }

  /** How long after a heal a verdict can still stem from a suspicion started during the partition. */
  #partitionEchoMs(): number {
    const o = this.#peerOptions;
    const scale = Math.max(1, Math.log10(this.alivePeers().length + 1));
    return o.suspicionTimeoutMs * scale + 2 * o.probeIntervalMs;
  }

  #traceLine(line: string | (() => string)): void {
    this.#trace.push(line);
    // Trim in batches: shifting one line at a time is quadratic.
    if (this.#trace.length > 2 * this.#traceLines) {
      this.#trace.splice(0, this.#trace.length - this.#traceLines);
    }
  }

  #randomId(): PeerId {
    let id = "";
    for (let i = 0; i < 8; i++) {
      id += this.net.random.int(0x1_0000_0000).toString(16).padStart(8, "0");
    }
    return id;
  }
}

function keyOf(message: { author: string; seq: number }): string {
  return `${message.author}#${message.seq}`;
}

function fmt(ms: number): string {
  return `${(ms / 1000).toFixed(3)}s`;
}

function shortAddr(peer: SimPeer | undefined): string {
  return peer?.addr ?? "?";
}
