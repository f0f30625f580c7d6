/**
 * A deterministic, in-process network for the production actors: a virtual
 * clock, one seeded PRNG, connections with per-message latency, and faults
 * (loss, duplication, reordering, partitions, crashes). A run is a pure
 * function of the seed and what the test does.
 *
 * @module
 */

import type { Actor } from "../actor/actor.ts";
import type { ConnId, Effect } from "../actor/effect.ts";
import { type Random, seededRandom } from "../random/random.ts";
import type { Hello, MemberInfo, Message } from "../wire/message.ts";
import { EventQueue } from "./event_queue.ts";

/** What separates a relayed address's relay from its target (see `lib/wire/address.ts`). */
const RELAY_SEPARATOR = "/relay/";

/** Faults and delays of the simulated network; every rate is a probability per message. */
export interface SimNetworkOptions {
  /** Seed of the network's randomness (latency, faults); nodes get seeds derived from it. */
  seed: number;
  /** One-way delay of a message, drawn per message. Default 1–5 ms, uniform. */
  latencyMs?: (random: Random) => number;
  /** Probability that a message is lost. Default 0. */
  lossRate?: number;
  /** Probability that a message is delivered twice. Default 0. */
  duplicateRate?: number;
  /** Whether messages on one connection may overtake each other. Default false (TCP-like). */
  reorder?: boolean;
  /** How long a dial into a partition waits before failing. Default 5 000 ms. */
  dialTimeoutMs?: number;
}

/**
 * Where a node sits behind a home router (PROTOCOL.md § Relays): nobody can
 * dial its own address. A link to it starts on its relay; behind a `"nat"`
 * (endpoint-independent mapping) it is then punched through to a direct one
 * unless the other end is behind a `"symmetric-nat"`, where links stay on
 * the relay.
 */
export type SimNatKind = "nat" | "symmetric-nat";

/** How a link's messages travel (see `LinkPath` in the runtime). */
export type SimLinkPath = "direct" | "relayed" | "punched";

/** Links and relayed traffic of a network with NAT'd nodes. */
export interface SimNatStats {
  /** Links established, by the path they end up on (a punched one starts relayed). */
  readonly links: Record<SimLinkPath, number>;
  /** Messages carried per relay address (both hops counted once). */
  readonly relayedMessages: Map<string, number>;
  /** Dials of a NAT'd node's own address (they time out). */
  unreachableDials: number;
}

/**
 * How long after a relayed link is up it moves to its punched connection:
 * the upgrade stream and punch exchange through the relay, then the first
 * SYN, which the far router drops, and its retransmission a second later.
 */
const PUNCH_DELAY_MS = 1_000;

/** A node of the simulation. */
export interface SimNode<A extends Actor = Actor> {
  /** Its address on the simulated network. */
  readonly addr: string;
  /** The production actor. */
  readonly actor: A;
  /** False once crashed. */
  readonly alive: boolean;
}

/** What the network tells observers (invariant checkers, statistics). */
export interface SimObserver {
  /** Every effect a node produces, in order, with the virtual time. */
  onEffect?(node: SimNode, effect: Effect, nowMs: number): void;
  /** A message handed to `node`, sent by `from`. */
  onReceive?(node: SimNode, message: Message, from: SimNode, nowMs: number): void;
  /** Virtual time is about to move to `toMs`, before the next event there is processed. */
  onAdvance?(toMs: number): void;
  /** `node` has handled an event and its effects were applied (its state may have changed). */
  onDrained?(node: SimNode, nowMs: number): void;
  /** A message left `from` on the network (counted as sent, whatever becomes of it). */
  onSend?(from: SimNode, message: Message, nowMs: number): void;
  /** The world changed: a node added or crashed, a stall, a block, a partition or a heal. */
  onWorld?(event: SimWorldEvent, nowMs: number): void;
}

/** A change the test made to the network (not a node's doing), as observers see it. */
export type SimWorldEvent =
  | { readonly kind: "add"; readonly node: SimNode }
  | { readonly kind: "crash"; readonly addr: string; readonly reset: boolean }
  | { readonly kind: "stall"; readonly addr: string; readonly untilMs: number }
  | { readonly kind: "block"; readonly from: string; readonly to: string }
  | { readonly kind: "partition"; readonly groups: readonly (readonly string[])[] }
  | { readonly kind: "heal" };

interface NodeState {
  handle: MutableNode;
  /** Behind which kind of router it sits; undefined: a public address. */
  readonly nat: SimNatKind | undefined;
  /** Dialer ends of the relayed links it carries (a relay), to cut when it crashes. */
  carried: Set<LinkEnd> | undefined;
  /** The id its records are signed with (its hello's id when added). */
  signerId: string;
  /** The last record signed for it: a node sends the same record about itself over and over. */
  lastSigned: MemberInfo | undefined;
  conns: Map<ConnId, LinkEnd>;
  timerGen: number;
  timerAtMs: number;
}

interface MutableNode extends SimNode {
  alive: boolean;
  /** While stalled (a slow or paused process) events wait until this time. */
  stalledUntilMs: number;
  /** Generation of this address's current incarnation, so stale events miss a restarted node. */
  epoch: number;
}

/** One end of a simulated connection. */
interface LinkEnd {
  readonly node: NodeState;
  readonly conn: ConnId;
  readonly epoch: number;
  other: LinkEnd | undefined;
  open: boolean;
  /** FIFO: the arrival time of the last message sent from this end. */
  lastArrivalMs: number;
  /** The relay carrying this link (both ends name it); undefined on a direct or punched one. */
  relay?: NodeState;
}

type SimEvent =
  | { kind: "timer"; node: NodeState; gen: number }
  | { kind: "dial"; from: LinkEnd; addr: string; hello: Hello }
  | { kind: "connected"; end: LinkEnd; hello: Hello }
  | { kind: "dial-failed"; end: LinkEnd; reason: string }
  | { kind: "message"; to: LinkEnd; from: LinkEnd; message: Message }
  | { kind: "disconnect"; to: LinkEnd; reason: string }
  | { kind: "call"; fn: (nowMs: number) => void };

/** The simulated network and its virtual clock. */
export class SimNetwork {
  readonly #random: Random;
  readonly #latency: (random: Random) => number;
  readonly #dialTimeoutMs: number;
  readonly #queue = new EventQueue<SimEvent>();
  readonly #nodes = new Map<string, NodeState>();
  /** Nodes by the id they sign with: a relayed address names its target by id. */
  readonly #byId = new Map<string, NodeState>();
  readonly #natStats: SimNatStats = {
    links: { direct: 0, relayed: 0, punched: 0 },
    relayedMessages: new Map(),
    unreachableDials: 0,
  };
  /**
   * Observers' hooks, one list per hook, bound when registered: most events
   * call one or two, and a loop over every observer asking each for the
   * hook costs a megamorphic lookup per observer per event.
   */
  readonly #onEffect: NonNullable<SimObserver["onEffect"]>[] = [];
  readonly #onReceive: NonNullable<SimObserver["onReceive"]>[] = [];
  readonly #onAdvance: NonNullable<SimObserver["onAdvance"]>[] = [];
  readonly #onDrained: NonNullable<SimObserver["onDrained"]>[] = [];
  readonly #onSend: NonNullable<SimObserver["onSend"]>[] = [];
  readonly #onWorld: NonNullable<SimObserver["onWorld"]>[] = [];
  /** While `partition` adds its blocks, they are reported once as a partition. */
  #partitioning = false;
  /** Directed blocks: "from|to" addresses that cannot reach each other. */
  readonly #blocked = new Set<string>();
  #lossRate: number;
  #duplicateRate: number;
  #reorder: boolean;
  #nowMs = 0;
  #lastHealMs = -Infinity;
  #nodeSeeds = 0;
  #eventsProcessed = 0;
  #messagesSent = 0;
  readonly #sentByType: Partial<Record<Message["type"], number>> = {};
  #repairChatsSent = 0;
  /**
   * The model of member record signatures (the runtime signs and checks real
   * ones): every record some member signed, by content. A node's own records
   * are signed as they leave it; a record that claims a signature nobody made
   * is a forgery, and the message carrying it is dropped on arrival.
   */
  readonly #signedRecords = new Set<string>();
  /** Record objects already found in {@linkcode SimNetwork.#signedRecords} (or made by `signRecord`). */
  readonly #genuineRecords = new WeakSet<MemberInfo>();
  /** Messages whose own records were signed, by the object the node emitted (floods repeat one). */
  #signedMessages = new WeakMap<Message, Message>();

  /** An empty network at time 0. */
  constructor(options: SimNetworkOptions) {
    this.#random = seededRandom(options.seed);
    this.#latency = options.latencyMs ?? ((r) => 1 + 4 * r.float());
    this.#lossRate = options.lossRate ?? 0;
    this.#duplicateRate = options.duplicateRate ?? 0;
    this.#reorder = options.reorder ?? false;
    this.#dialTimeoutMs = options.dialTimeoutMs ?? 5_000;
  }

  /**
   * Signs `record` as its member would. The network does this for every
   * record a node sends about itself; a hostile behaviour may call it for
   * identities it minted itself (never for another member's).
   */
  signRecord(record: MemberInfo): MemberInfo {
    const signed: MemberInfo = {
      id: record.id,
      addr: record.addr,
      incarnation: record.incarnation,
      status: record.status,
      signature: SIM_RECORD_SIGNATURE,
      ...(record.nick === undefined ? {} : { nick: record.nick }),
    };
    this.#signedRecords.add(simRecordKey(signed));
    this.#genuineRecords.add(signed);
    return signed;
  }

  /** Virtual time in ms. */
  get nowMs(): number {
    return this.#nowMs;
  }

  /** Events processed so far. */
  get eventsProcessed(): number {
    return this.#eventsProcessed;
  }

  /** Messages handed to the network so far. */
  get messagesSent(): number {
    return this.#messagesSent;
  }

  /** Chat frames sent as repairs (answers to `want`), a part of `sentByType("chat")`. */
  get repairChatsSent(): number {
    return this.#repairChatsSent;
  }

  /** Messages handed to the network so far, of one message type. */
  sentByType(type: Message["type"]): number {
    return this.#sentByType[type] ?? 0;
  }

  /** The network's own PRNG, for tests that need more randomness from the same seed. */
  get random(): Random {
    return this.#random;
  }

  /** A fresh seeded PRNG for a node, derived deterministically from the network's seed. */
  nodeRandom(): Random {
    return seededRandom(
      this.#random.int(0x1_0000_0000) * 0x20_0000 + (this.#nodeSeeds++ % 0x20_0000),
    );
  }

  /** Registers an observer. */
  observe(observer: SimObserver): void {
    if (observer.onEffect) this.#onEffect.push(observer.onEffect.bind(observer));
    if (observer.onReceive) this.#onReceive.push(observer.onReceive.bind(observer));
    if (observer.onAdvance) this.#onAdvance.push(observer.onAdvance.bind(observer));
    if (observer.onDrained) this.#onDrained.push(observer.onDrained.bind(observer));
    if (observer.onSend) this.#onSend.push(observer.onSend.bind(observer));
    if (observer.onWorld) this.#onWorld.push(observer.onWorld.bind(observer));
  }

  /** Changes fault rates mid-run (for "faults, then heal" phases). */
  setFaults(faults: { lossRate?: number; duplicateRate?: number; reorder?: boolean }): void {
    this.#lossRate = faults.lossRate ?? this.#lossRate;
    this.#duplicateRate = faults.duplicateRate ?? this.#duplicateRate;
    this.#reorder = faults.reorder ?? this.#reorder;
  }

  /**
   * Adds a node at `addr` and runs `start` on it now. An address whose node
   * crashed may be reused: that is a restart.
   */
  addNode<A extends Actor>(
    addr: string,
    actor: A,
    start?: (actor: A, nowMs: number) => void,
    nat?: SimNatKind,
  ): SimNode<A> {
    const previous = this.#nodes.get(addr);
    if (previous?.handle.alive) throw new TypeError(`Cannot add node: ${addr} is taken`);
    const handle: MutableNode = {
      stalledUntilMs: 0,
      addr,
      actor,
      alive: true,
      epoch: (previous?.handle.epoch ?? 0) + 1,
    };
    const state: NodeState = {
      handle,
      nat,
      carried: undefined,
      signerId: actor.localHello().id,
      lastSigned: undefined,
      conns: new Map(),
      timerGen: 0,
      timerAtMs: Infinity,
    };
    this.#nodes.set(addr, state);
    this.#byId.set(state.signerId, state);
    this.#tell({ kind: "add", node: handle });
    if (start !== undefined) start(actor, this.#nowMs);
    this.#drain(state);
    return handle as unknown as SimNode<A>;
  }

  /** Links by path and relayed traffic so far (all direct without NAT'd nodes). */
  get natStats(): SimNatStats {
    return this.#natStats;
  }

  /** The node at `addr`, alive or crashed. */
  node(addr: string): SimNode | undefined {
    return this.#nodes.get(addr)?.handle;
  }

  /** Every node ever added (the latest incarnation per address). */
  nodes(): SimNode[] {
    return [...this.#nodes.values()].map((s) => s.handle);
  }

  /**
   * Crashes a node: its actor receives nothing more. With `reset`, the other
   * ends of its connections see them close (a process killed: the kernel
   * resets them); without, they go silent (a machine lost).
   */
  crash(addr: string, { reset = true }: { reset?: boolean } = {}): void {
    const state = this.#nodes.get(addr);
    if (state === undefined || !state.handle.alive) return;
    this.#tell({ kind: "crash", addr, reset });
    state.handle.alive = false;
    state.timerGen++;
    for (const end of state.conns.values()) {
      end.open = false;
      if (reset && end.other !== undefined && end.other.open) {
        this.#schedule(this.#arrival(end), {
          kind: "disconnect",
          to: end.other,
          reason: "connection reset",
        });
      }
    }
    state.conns.clear();
    // A relay gone takes the links it carried with it: both ends see them reset.
    for (const end of state.carried ?? []) {
      for (const side of [end, end.other]) {
        if (side === undefined || !side.open) continue;
        this.#schedule(this.#nowMs + this.#latency(this.#random), {
          kind: "disconnect",
          to: side,
          reason: "relay closed the link",
        });
      }
    }
    state.carried = undefined;
  }

  /**
   * Stalls a node until `untilMs`: everything addressed to it (messages,
   * timers, connection events) waits and then arrives in order, as with a
   * process that stopped being scheduled for a while.
   */
  stall(addr: string, untilMs: number): void {
    const state = this.#nodes.get(addr);
    if (state !== undefined) {
      this.#tell({ kind: "stall", addr, untilMs });
      state.handle.stalledUntilMs = Math.max(state.handle.stalledUntilMs, untilMs);
    }
  }

  /** Blocks traffic from `from` to `to` (one direction). */
  block(from: string, to: string): void {
    if (!this.#partitioning) this.#tell({ kind: "block", from, to });
    this.#blocked.add(`${from}|${to}`);
  }

  /** Splits the network: nodes in different groups cannot reach each other, both ways. */
  partition(groups: readonly (readonly string[])[]): void {
    this.#tell({ kind: "partition", groups });
    this.#partitioning = true;
    try {
      for (const a of groups) {
        for (const b of groups) {
          if (a === b) continue;
          for (const x of a) for (const y of b) this.block(x, y);
        }
      }
    } finally {
      this.#partitioning = false;
    }
  }

  /** Whether traffic between `a` and `b` is blocked in either direction. */
  isBlocked(a: string, b: string): boolean {
    return this.#blocked.size > 0 &&
      (this.#blocked.has(`${a}|${b}`) || this.#blocked.has(`${b}|${a}`));
  }

  /** Whether any block is in place. */
  get partitioned(): boolean {
    return this.#blocked.size > 0;
  }

  /** Removes every block. */
  heal(): void {
    this.#tell({ kind: "heal" });
    if (this.#blocked.size > 0) this.#lastHealMs = this.#nowMs;
    this.#blocked.clear();
  }

  /** When blocks were last removed (`-Infinity` if never). */
  get lastHealMs(): number {
    return this.#lastHealMs;
  }

  /** Runs `fn` against the world at `atMs` (for scripted commands, e.g. sending chat). */
  at(atMs: number, fn: (nowMs: number) => void): void {
    this.#schedule(Math.max(atMs, this.#nowMs), { kind: "call", fn });
  }

  /** Runs `step` on a node's actor now, then applies the effects it produced. */
  act<A extends Actor, T>(node: SimNode<A>, step: (actor: A, nowMs: number) => T): T {
    const state = this.#nodes.get(node.addr);
    if (state === undefined || (state.handle as SimNode) !== node || !node.alive) {
      throw new TypeError(`Cannot act on ${node.addr}: the node is not running`);
    }
    const result = step(node.actor, this.#nowMs);
    this.#drain(state);
    return result;
  }

  /** Processes events until virtual time `untilMs` (inclusive) or until nothing is left. */
  runUntil(untilMs: number): void {
    while (this.#queue.peekTimeMs() <= untilMs) this.#step();
    if (untilMs > this.#nowMs) {
      for (const onAdvance of this.#onAdvance) onAdvance(untilMs);
    }
    this.#nowMs = Math.max(this.#nowMs, untilMs);
  }

  /**
   * Processes events until `done()` holds (checked every `checkEveryMs` of
   * virtual time) or `untilMs` passes; returns whether `done()` held.
   */
  runUntilTrue(done: () => boolean, untilMs: number, checkEveryMs = 50): boolean {
    while (this.#nowMs < untilMs) {
      if (done()) return true;
      this.runUntil(Math.min(untilMs, this.#nowMs + checkEveryMs));
    }
    return done();
  }

  #step(): void {
    const atMs = this.#queue.peekTimeMs();
    const event = this.#queue.take()!;
    if (atMs > this.#nowMs) {
      for (const onAdvance of this.#onAdvance) onAdvance(atMs);
    }
    this.#nowMs = Math.max(this.#nowMs, atMs);
    const target = targetOf(event);
    if (target !== undefined && target.handle.stalledUntilMs > this.#nowMs) {
      this.#schedule(target.handle.stalledUntilMs, event);
      return;
    }
    this.#eventsProcessed++;
    switch (event.kind) {
      case "timer": {
        const state = event.node;
        if (!state.handle.alive || event.gen !== state.timerGen) return;
        state.timerAtMs = Infinity;
        state.handle.actor.handleTimeout(this.#nowMs);
        this.#drain(state);
        return;
      }
      case "call":
        event.fn(this.#nowMs);
        return;
      case "dial":
        this.#arriveDial(event.from, event.addr, event.hello);
        return;
      case "connected": {
        const end = event.end;
        if (!this.#live(end)) return;
        end.node.handle.actor.handleConnected(end.conn, event.hello, this.#nowMs);
        this.#drain(end.node);
        return;
      }
      case "dial-failed": {
        const end = event.end;
        if (!this.#live(end)) return;
        end.open = false;
        end.node.conns.delete(end.conn);
        end.node.handle.actor.handleDialFailed(end.conn, event.reason, this.#nowMs);
        this.#drain(end.node);
        return;
      }
      case "message": {
        const to = event.to;
        if (!this.#live(to) || !this.#genuine(event.message)) return;
        for (const onReceive of this.#onReceive) {
          onReceive(to.node.handle, event.message, event.from.node.handle, this.#nowMs);
        }
        to.node.handle.actor.handleMessage(to.conn, event.message, this.#nowMs);
        this.#drain(to.node);
        return;
      }
      case "disconnect": {
        const to = event.to;
        if (!this.#live(to)) return;
        to.open = false;
        to.node.conns.delete(to.conn);
        if (to.relay !== undefined) this.#unrelay(to);
        to.node.handle.actor.handleDisconnected(to.conn, event.reason, this.#nowMs);
        this.#drain(to.node);
        return;
      }
    }
  }

  #arriveDial(from: LinkEnd, addr: string, hello: Hello): void {
    if (!this.#live(from)) return;
    let target = this.#nodes.get(addr);
    let relay: NodeState | undefined;
    let path: SimLinkPath = "direct";
    if (target === undefined && addr.includes(RELAY_SEPARATOR)) {
      const routed = this.#throughRelay(from, addr);
      if (routed === undefined) return;
      ({ target, relay, path } = routed);
    } else if (target?.nat !== undefined) {
      // A NAT'd node's own address: its router drops the SYN, the dialer times out.
      this.#natStats.unreachableDials++;
      this.#schedule(this.#nowMs + this.#dialTimeoutMs, {
        kind: "dial-failed",
        end: from,
        reason: "timed out",
      });
      return;
    }
    if (target !== undefined && target.handle.alive && target.handle.stalledUntilMs > this.#nowMs) {
      // The kernel queues the connection; the process answers when it runs again.
      this.#schedule(target.handle.stalledUntilMs, { kind: "dial", from, addr, hello });
      return;
    }
    const fromAddr = from.node.handle.addr;
    const toAddr = target?.handle.addr ?? addr;
    if (
      path === "direct" && (this.#blocked.has(`${fromAddr}|${toAddr}`) ||
        (target !== undefined && this.#blocked.has(`${toAddr}|${fromAddr}`)))
    ) {
      // Into a partition the SYN is lost: the dialer waits for its timeout.
      this.#schedule(this.#nowMs + this.#dialTimeoutMs, {
        kind: "dial-failed",
        end: from,
        reason: "timed out",
      });
      return;
    }
    if (target === undefined || !target.handle.alive) {
      this.#schedule(this.#nowMs + this.#latency(this.#random), {
        kind: "dial-failed",
        end: from,
        reason: "connection refused",
      });
      return;
    }
    // The source host is the dialer's, whatever its hello claims.
    const sourceHost = fromAddr.slice(0, fromAddr.lastIndexOf(":"));
    const conn = target.handle.actor.handleAccepted(hello, this.#nowMs, sourceHost);
    const end: LinkEnd = {
      node: target,
      conn,
      epoch: target.handle.epoch,
      other: from,
      open: true,
      lastArrivalMs: 0,
    };
    from.other = end;
    target.conns.set(conn, end);
    let connectedAt = this.#nowMs + this.#latency(this.#random);
    if (relay !== undefined) {
      end.relay = relay;
      from.relay = relay;
      (relay.carried ??= new Set()).add(from);
      connectedAt += this.#latency(this.#random);
      if (path === "punched") {
        this.#schedule(connectedAt + PUNCH_DELAY_MS, {
          kind: "call",
          fn: () => this.#punchThrough(from),
        });
      }
    }
    this.#natStats.links[path]++;
    // Whatever the acceptor sends must arrive after the dialer learns it is connected.
    end.lastArrivalMs = connectedAt;
    this.#schedule(connectedAt, {
      kind: "connected",
      end: from,
      hello: target.handle.actor.localHello(),
    });
    this.#drain(target);
  }

  /**
   * Where a dial of the relayed address `addr` leads: its target, and the
   * relay when the link stays on it; undefined (the dial failed, scheduled
   * here) when the relay is gone or holds no reservation for the target.
   */
  #throughRelay(
    from: LinkEnd,
    addr: string,
  ): { target: NodeState; relay: NodeState | undefined; path: SimLinkPath } | undefined {
    const at = addr.indexOf(RELAY_SEPARATOR);
    const relay = this.#nodes.get(addr.slice(0, at));
    const target = this.#byId.get(addr.slice(at + RELAY_SEPARATOR.length));
    const fromAddr = from.node.handle.addr;
    const fail = (reason: string, afterMs: number) => {
      this.#schedule(this.#nowMs + afterMs, { kind: "dial-failed", end: from, reason });
      return undefined;
    };
    if (relay === undefined || !relay.handle.alive) {
      return fail("connection refused", this.#latency(this.#random));
    }
    if (this.#blocked.has(`${fromAddr}|${relay.handle.addr}`)) {
      return fail("timed out", this.#dialTimeoutMs);
    }
    // The target holds a reservation there while it is alive and advertises this address.
    if (
      target === undefined || !target.handle.alive ||
      target.handle.actor.localHello().addr !== addr ||
      this.#blocked.has(`${relay.handle.addr}|${target.handle.addr}`)
    ) {
      return fail("relay refused: no reservation", 2 * this.#latency(this.#random));
    }
    const punched = from.node.nat !== "symmetric-nat" && target.nat !== "symmetric-nat";
    return { target, relay, path: punched ? "punched" : "relayed" };
  }

  /**
   * The relayed link of `end` moves to its punched connection, when both
   * ends are still there: its relay no longer carries it (nor cuts it when
   * it goes; the link kept its relayed stream only as a fallback).
   */
  #punchThrough(end: LinkEnd): void {
    const other = end.other;
    if (!end.open || other === undefined || !other.open || end.relay === undefined) return;
    this.#unrelay(end);
    delete end.relay;
    delete other.relay;
  }

  /** The relayed link of `end` is over: its relay no longer carries it. */
  #unrelay(end: LinkEnd): void {
    const carried = end.relay!.carried;
    carried?.delete(end);
    if (end.other !== undefined) carried?.delete(end.other);
  }

  /** Applies a node's effects to the network and tells observers. */
  #drain(state: NodeState): void {
    const node = state.handle;
    for (const effect of node.actor.takeEffects()) {
      for (const onEffect of this.#onEffect) onEffect(node, effect, this.#nowMs);
      if (!node.alive) continue;
      switch (effect.type) {
        case "dial": {
          const end: LinkEnd = {
            node: state,
            conn: effect.conn,
            epoch: node.epoch,
            other: undefined,
            open: true,
            lastArrivalMs: 0,
          };
          state.conns.set(effect.conn, end);
          this.#schedule(this.#nowMs + this.#latency(this.#random), {
            kind: "dial",
            from: end,
            addr: effect.addr,
            hello: node.actor.localHello(),
          });
          break;
        }
        case "send":
          this.#send(state, effect.conn, effect.message);
          break;
        case "close": {
          const end = state.conns.get(effect.conn);
          if (end === undefined) break;
          end.open = false;
          state.conns.delete(effect.conn);
          if (end.relay !== undefined) this.#unrelay(end);
          if (end.other !== undefined && end.other.open) {
            this.#schedule(this.#arrival(end), {
              kind: "disconnect",
              to: end.other,
              reason: "closed by remote",
            });
          }
          break;
        }
        default:
          break;
      }
    }
    for (const onDrained of this.#onDrained) onDrained(node, this.#nowMs);
    this.#armTimer(state);
  }

  #send(state: NodeState, conn: ConnId, sent: Message): void {
    const end = state.conns.get(conn);
    if (end === undefined || !end.open || end.other === undefined) return;
    const message = this.#signOwnRecords(state, sent);
    this.#messagesSent++;
    this.#sentByType[message.type] = (this.#sentByType[message.type] ?? 0) + 1;
    if (message.type === "chat" && message.repair === true) this.#repairChatsSent++;
    for (const onSend of this.#onSend) onSend(state.handle, message, this.#nowMs);
    const to = end.other;
    const relay = end.relay;
    if (relay !== undefined) {
      // Both hops must be open, and the relay alive, for the message to pass.
      if (!relay.handle.alive) return;
      const via = relay.handle.addr;
      if (
        this.#blocked.size > 0 && (this.#blocked.has(`${state.handle.addr}|${via}`) ||
          this.#blocked.has(`${via}|${to.node.handle.addr}`))
      ) return;
      this.#natStats.relayedMessages.set(via, (this.#natStats.relayedMessages.get(via) ?? 0) + 1);
    } else if (
      this.#blocked.size > 0 && this.#blocked.has(`${state.handle.addr}|${to.node.handle.addr}`)
    ) return;
    if (this.#lossRate > 0 && this.#random.float() < this.#lossRate) return;
    this.#schedule(this.#arrival(end), { kind: "message", to, from: end, message });
    if (this.#duplicateRate > 0 && this.#random.float() < this.#duplicateRate) {
      this.#schedule(this.#arrival(end), { kind: "message", to, from: end, message });
    }
  }

  /** `message` with the records its sender made about itself signed, as the runtime does. */
  #signOwnRecords(state: NodeState, message: Message): Message {
    if (message.type !== "member" && message.type !== "peers") return message;
    const cached = this.#signedMessages.get(message);
    if (cached !== undefined) return cached;
    const own = (m: MemberInfo) =>
      m.id === state.signerId && m.signature === undefined && m.status !== "suspect";
    let signed: Message = message;
    if (message.type === "member" && own(message.member)) {
      signed = { ...message, member: this.#signOwn(state, message.member) };
    } else if (message.type === "peers" && message.peers.some(own)) {
      signed = {
        ...message,
        peers: message.peers.map((m) => own(m) ? this.#signOwn(state, m) : m),
      };
    }
    this.#signedMessages.set(message, signed);
    return signed;
  }

  /** `record` signed by its node `state`: the signature made last time when the record is the same. */
  #signOwn(state: NodeState, record: MemberInfo): MemberInfo {
    const last = state.lastSigned;
    if (
      last !== undefined && last.id === record.id && last.addr === record.addr &&
      last.incarnation === record.incarnation && last.status === record.status &&
      last.nick === record.nick
    ) {
      return last;
    }
    state.lastSigned = this.signRecord(record);
    return state.lastSigned;
  }

  /** Whether every signature `message`'s records claim was made by their member. */
  #genuine(message: Message): boolean {
    if (message.type === "member") return this.#genuineRecord(message.member);
    if (message.type !== "peers") return true;
    for (const record of message.peers) if (!this.#genuineRecord(record)) return false;
    return true;
  }

  /**
   * Whether `record`'s signature, if any, was made by its member. Records are
   * immutable and relayed as the same object, and a signature once made stays
   * made, so an object found genuine is remembered (a key is built once per
   * record, not once per receipt).
   */
  #genuineRecord(record: MemberInfo): boolean {
    if (record.signature === undefined || this.#genuineRecords.has(record)) return true;
    if (!this.#signedRecords.has(simRecordKey(record))) return false;
    this.#genuineRecords.add(record);
    return true;
  }

  /** When a message sent now from `end` arrives: after its latency, and (TCP-like) after earlier ones. */
  #arrival(end: LinkEnd): number {
    let at = this.#nowMs + this.#latency(this.#random);
    // Through a relay: two hops.
    if (end.relay !== undefined) at += this.#latency(this.#random);
    if (this.#reorder) return at;
    end.lastArrivalMs = Math.max(at, end.lastArrivalMs);
    return end.lastArrivalMs;
  }

  #armTimer(state: NodeState): void {
    if (!state.handle.alive) return;
    const at = state.handle.actor.nextDeadlineMs();
    if (at === state.timerAtMs) return;
    state.timerAtMs = at;
    state.timerGen++;
    if (at !== Infinity) {
      this.#schedule(Math.max(at, this.#nowMs), {
        kind: "timer",
        node: state,
        gen: state.timerGen,
      });
    }
  }

  #live(end: LinkEnd): boolean {
    return end.open && end.node.handle.alive && end.node.handle.epoch === end.epoch;
  }

  #tell(event: SimWorldEvent): void {
    for (const onWorld of this.#onWorld) onWorld(event, this.#nowMs);
  }

  #schedule(atMs: number, event: SimEvent): void {
    this.#queue.push(atMs, event);
  }
}

/** The node an event is delivered to, if it is delivered to one. */
function targetOf(event: SimEvent): NodeState | undefined {
  switch (event.kind) {
    case "timer":
      return event.node;
    case "connected":
    case "dial-failed":
      return event.end.node;
    case "message":
    case "disconnect":
      return event.to.node;
    default:
      return undefined;
  }
}

/** The signature every record signed in the model carries; what counts is the record's content. */
const SIM_RECORD_SIGNATURE = new Uint8Array(64).fill(0x5a);

function simRecordKey(record: MemberInfo): string {
  const nick = record.nick === undefined ? "" : JSON.stringify(record.nick);
  return `${record.id}|${record.addr}|${record.incarnation}|${record.status}|${nick}`;
}
