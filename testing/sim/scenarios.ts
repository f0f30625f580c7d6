/**
 * Named simulation scenarios. Each runs a whole network through a fault
 * schedule drawn from the seed, in two phases — faults (safety is checked
 * throughout), then heal (convergence must follow within a bounded time) —
 * and fills in a {@linkcode SimReport}.
 *
 * @module
 */

import { InvariantViolation } from "../../lib/sim/causal_checker.ts";
import type { SimObserver } from "../../lib/sim/sim_network.ts";
import {
  type SimNatOptions,
  type SimPeer,
  type SimPeerOptions,
  type SimStats,
  SimWorld,
} from "./sim_world.ts";

/** What `deno task sim` prints for one run. */
export interface SimReport {
  scenario: string;
  nodes: number;
  seed: number;
  /** Virtual time simulated, seconds. */
  simulated_s: number;
  /** Events the simulator processed. */
  events: number;
  /** Time from the last initial join until membership converged, ms. */
  membership_convergence_ms: number | null;
  /** Broadcasts sent. */
  broadcasts: number;
  /** Hops to full dissemination, per broadcast (median and max), against log2(N) + ln(N). */
  rounds: { p50: number; max: number; pittel_bound: number } | null;
  /**
   * Chat frames sent per broadcast, all nodes together, against N − 1, once
   * an author's tree is built (its first message follows the shared tree).
   */
  chat_sends_per_broadcast: number | null;
  /** Chat frames sent for an author's first broadcast (the network's first one floods). */
  chat_sends_first_broadcast: number | null;
  /** Every chat frame sent in the run, repairs included, per broadcast (first ones too). */
  chat_sends_per_broadcast_all: number | null;
  /** Of those, the repairs (answers to `want`): catch-up of joiners and restarted peers, loss. */
  chat_repairs_per_broadcast: number | null;
  n_minus_1: number;
  /** Delivery latency over every (message, receiver) pair. */
  latency_ms: Percentiles | null;
  /** Fraction of the (message, live receiver) pairs delivered at the end. */
  delivery_ratio: number;
  /** After the faults stopped: time until every live node had delivered everything, ms. */
  delivered_after_heal_ms: number | null;
  /**
   * Deliveries made after the faults stopped: delivery time less the latest
   * of the send, the heal and the receiver's restart (how long the heal
   * took to bring each one).
   */
  latency_after_heal_ms: Percentiles | null;
  /** After the faults stopped: time until membership converged, ms. */
  converged_after_heal_ms: number | null;
  /** Crashes, the time until every live peer had dropped each one, and false positives. */
  failures: {
    crashes: number;
    detection_ms: Percentiles | null;
    /** (observer, peer) verdicts of death on live, reachable peers. */
    false_positives: number;
    /** Distinct live peers wrongly declared dead by someone. */
    false_positive_peers: number;
    /** Live peers declared dead from across a partition (expected there; not false positives). */
    partition_verdicts: number;
  };
  /** Largest sizes seen at any node. */
  peaks: { held_back: number; history: number; members: number; neighbours: number };
  /** Messages of each kind sent over the simulated network. */
  sent_by_type: Record<string, number>;
  /** With peers behind NATs (`nat`): how links ran and how the relays were loaded. */
  nat?: NatReport;
}

/** How a network with NAT'd peers got along (PROTOCOL.md § Relays). */
export interface NatReport {
  /** Peers behind a router, by kind, of all peers added. */
  peers: { nat: number; symmetric_nat: number; public: number };
  /** Links established in the run, by path, and the share of each. */
  links: { direct: number; punched: number; relayed: number };
  link_shares: { direct: number; punched: number; relayed: number };
  /** Reservations per relay at the end: how evenly the NAT'd peers spread over the relays. */
  reservations_per_relay: { relays: number; mean: number; max: number };
  /** Messages relays carried, in all and at the busiest relay, and per broadcast. */
  relayed_messages: { total: number; busiest_relay: number; per_broadcast: number | null };
  /** Dials of a NAT'd peer's own address (they time out). */
  unreachable_dials: number;
}

/** Percentiles of a sample. */
export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** A scenario: what it does, and the code. */
export interface Scenario {
  readonly description: string;
  readonly run: (ctx: ScenarioContext) => void;
}

/** What a scenario works with. */
export interface ScenarioContext {
  readonly world: SimWorld;
  readonly nodes: number;
  readonly report: SimReport;
}

/** Options of {@linkcode runScenario}. */
export interface RunScenarioOptions {
  scenario: string;
  nodes: number;
  seed: number;
  /** Protocol tuning; defaults scale with the network (a partial view past 1 000 nodes). */
  peer?: SimPeerOptions;
  /** Called with the world when the run fails, before the error is thrown (for debugging). */
  onFailure?: (world: SimWorld) => void;
  /** Called with the world when the run succeeded, before the report is returned (to compare a trace with it). */
  onFinish?: (world: SimWorld) => void;
  /** Observers of every effect and receipt, installed before the first node starts. */
  observers?: readonly SimObserver[];
  /** Peers behind home routers; default none. */
  nat?: SimNatOptions;
}

/** Runs one scenario and returns its report; a broken invariant throws with seed, replay command and trace. */
export function runScenario(options: RunScenarioOptions): SimReport {
  const scenario = SCENARIOS[options.scenario];
  if (scenario === undefined) {
    throw new TypeError(
      `Unknown scenario '${options.scenario}': expected one of ${
        Object.keys(SCENARIOS).join(", ")
      }`,
    );
  }
  const world = new SimWorld({
    seed: options.seed,
    peer: { ...scaledOptions(options.nodes), ...options.peer },
    ...(options.observers === undefined ? {} : { observers: options.observers }),
    ...(options.nat === undefined ? {} : { nat: options.nat }),
  });
  const report = emptyReport(options);
  try {
    scenario.run({ world, nodes: options.nodes, report });
  } catch (error) {
    options.onFailure?.(world);
    if (error instanceof InvariantViolation) {
      throw new InvariantViolation(world.failureReport(options.scenario, options.nodes, error), {
        cause: error,
      });
    }
    throw error;
  }
  report.simulated_s = round(world.net.nowMs / 1000, 3);
  report.events = world.net.eventsProcessed;
  report.failures.crashes = world.stats.crashes;
  report.failures.false_positives = world.stats.falsePositives;
  report.failures.false_positive_peers = world.stats.falsePositivePeers.size;
  report.failures.partition_verdicts = world.stats.partitionVerdicts;
  report.failures.detection_ms = percentiles(world.stats.detectionMs);
  const peaks = world.stats.peaks;
  report.peaks = {
    held_back: peaks.heldBack,
    history: peaks.history,
    members: peaks.members,
    neighbours: peaks.neighbours,
  };
  for (const type of MESSAGE_TYPES) report.sent_by_type[type] = world.net.sentByType(type);
  if (options.nat !== undefined) report.nat = natReport(world, report.broadcasts);
  options.onFinish?.(world);
  return report;
}

/** The NAT part of a report. */
function natReport(world: SimWorld, broadcasts: number): NatReport {
  const stats = world.net.natStats;
  const links = {
    direct: stats.links.direct,
    punched: stats.links.punched,
    relayed: stats.links.relayed,
  };
  const all = links.direct + links.punched + links.relayed;
  const share = (n: number) => all === 0 ? 0 : round(n / all, 3);
  const loads = [...world.relayLoads().values()].filter((n) => n > 0);
  const carried = [...stats.relayedMessages.values()];
  const total = carried.reduce((a, b) => a + b, 0);
  return {
    peers: {
      nat: world.peers.filter((p) => p.nat === "nat").length,
      symmetric_nat: world.peers.filter((p) => p.nat === "symmetric-nat").length,
      public: world.peers.filter((p) => p.nat === undefined).length,
    },
    links,
    link_shares: {
      direct: share(links.direct),
      punched: share(links.punched),
      relayed: share(links.relayed),
    },
    reservations_per_relay: {
      relays: loads.length,
      mean: loads.length === 0 ? 0 : round(loads.reduce((a, b) => a + b, 0) / loads.length, 2),
      max: Math.max(0, ...loads),
    },
    relayed_messages: {
      total,
      busiest_relay: Math.max(0, ...carried),
      per_broadcast: broadcasts === 0 ? null : round(total / broadcasts, 1),
    },
    unreachable_dials: stats.unreachableDials,
  };
}

/** Protocol options for a network of `nodes`: past 1 000 nodes, tables become partial views. */
export function scaledOptions(nodes: number): SimPeerOptions {
  return nodes > 1_000 ? { membersMax: 100, peersPerMessageMax: 16 } : {};
}

const MESSAGE_TYPES = [
  "chat",
  "have",
  "want",
  "prune",
  "skip",
  "member",
  "peers",
  "get-peers",
  "register",
  "ping",
  "pong",
  "probe",
  "probe-ack",
  "bye",
] as const;

/** Every scenario by name. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  steady: {
    description:
      "no faults: join, converge, broadcast; measures dissemination rounds, cost and latency",
    run(ctx) {
      join(ctx);
      broadcastAndMeasure(ctx, 10, 500);
      healAndCheck(ctx, 30_000);
    },
  },
  "loss-partition": {
    description:
      "20% message loss throughout, a partition into two halves for 30 s with traffic on both sides, then heal",
    run(ctx) {
      const { world } = ctx;
      join(ctx);
      world.net.setFaults({ lossRate: 0.2 });
      const alive = world.alivePeers();
      const shuffled = shuffle(alive, world);
      const half = Math.floor(shuffled.length / 2);
      world.net.partition([
        shuffled.slice(0, half).map((p) => p.addr),
        shuffled.slice(half).map((p) => p.addr),
      ]);
      traffic(ctx, 30_000, 500);
      world.net.heal();
      // Loss goes on after the heal: repair must work through it.
      const healedAt = world.net.nowMs;
      ctx.report.delivered_after_heal_ms =
        world.runUntil(() => world.allDelivered(), healedAt + 120_000) ?? null;
      world.net.setFaults({ lossRate: 0 });
      healAndCheck(ctx, 120_000, healedAt);
    },
  },
  "crash-restart": {
    description: "10% of the peers crash during traffic and restart from disk 5-15 s later",
    run(ctx) {
      const { world } = ctx;
      join(ctx);
      const victims = shuffle(world.alivePeers(), world).slice(
        0,
        Math.max(1, Math.round(ctx.nodes / 10)),
      );
      const start = world.net.nowMs;
      for (const victim of victims) {
        const at = start + 5_000 + world.net.random.int(30_000);
        const reset = world.net.random.float() < 0.7;
        world.net.at(at, () => world.crash(victim, { reset }));
        world.net.at(
          at + 5_000 + world.net.random.int(10_000),
          () => world.restart(victim, { disk: true }),
        );
      }
      traffic(ctx, 60_000, 200);
      healAndCheck(ctx, 60_000);
    },
  },
  churn: {
    description:
      "joins, graceful leaves, crashes with and without disk, and the bootstrap going down, during traffic",
    run(ctx) {
      const { world } = ctx;
      join(ctx);
      const start = world.net.nowMs;
      const n = ctx.nodes;
      for (let i = 0; i < Math.ceil(n / 5); i++) {
        world.net.at(start + world.net.random.int(40_000), () => world.addPeer());
      }
      for (const peer of shuffle(world.alivePeers(), world).slice(0, Math.ceil(n / 10))) {
        world.net.at(start + world.net.random.int(40_000), () => world.leave(peer));
      }
      const crashed = shuffle(world.alivePeers(), world).slice(0, Math.ceil(n / 10));
      for (const peer of crashed) {
        const at = start + world.net.random.int(30_000);
        const disk = world.net.random.float() < 0.5;
        world.net.at(at, () => world.crash(peer));
        world.net.at(
          at + 3_000 + world.net.random.int(10_000),
          () => world.restart(peer, { disk }),
        );
      }
      world.net.at(start + 10_000, () => world.crashBootstrap());
      world.net.at(start + 25_000, () => world.restartBootstrap());
      traffic(ctx, 45_000, 250);
      healAndCheck(ctx, 90_000);
    },
  },
  slow: {
    description:
      "10% of the peers stall for 2-4 s at a time during traffic; none may be declared dead",
    run(ctx) {
      const { world } = ctx;
      join(ctx);
      const start = world.net.nowMs;
      const slow = shuffle(world.alivePeers(), world).slice(
        0,
        Math.max(1, Math.round(ctx.nodes / 10)),
      );
      for (const peer of slow) {
        for (
          let t = start + world.net.random.int(5_000);
          t < start + 40_000;
          t += 8_000 + world.net.random.int(4_000)
        ) {
          const ms = 2_000 + world.net.random.int(2_000);
          world.net.at(t, () => world.stall(peer, ms));
        }
      }
      traffic(ctx, 45_000, 250);
      healAndCheck(ctx, 60_000);
      if (world.stats.falsePositives > 0) {
        throw new InvariantViolation(`${world.stats.falsePositives} slow peers were declared dead`);
      }
    },
  },
  chaos: {
    description:
      "loss, duplication, reordering, asymmetric partitions, crashes, restarts, stalls, joins, leaves and a bootstrap outage, all at once for 60 s; then heal",
    run(ctx) {
      const { world } = ctx;
      const r = world.net.random;
      join(ctx);
      world.net.setFaults({ lossRate: 0.05, duplicateRate: 0.05, reorder: true });
      const start = world.net.nowMs;
      const end = start + 60_000;
      const pick = () => world.alivePeers()[r.int(Math.max(1, world.alivePeers().length))];
      for (let t = start; t < end; t += 500 + r.int(1_500)) {
        const roll = r.int(8);
        world.net.at(t, () => {
          const peer = pick();
          if (peer === undefined) return;
          if (roll === 0 && world.alivePeers().length > ctx.nodes / 2) {
            world.crash(peer, { reset: r.float() < 0.5 });
            const disk = r.float() < 0.7;
            world.net.at(
              world.net.nowMs + 2_000 + r.int(15_000),
              () => world.restart(peer, { disk }),
            );
          } else if (roll === 1) {
            world.stall(peer, 500 + r.int(3_000));
          } else if (roll === 2) {
            const other = pick();
            if (other !== undefined && other !== peer) {
              world.net.block(peer.addr, other.addr);
            }
          } else if (roll === 3) {
            world.addPeer();
          } else if (roll === 4 && world.alivePeers().length > ctx.nodes / 2) {
            world.leave(peer);
          }
        });
      }
      world.net.at(start + 15_000, () => world.crashBootstrap());
      world.net.at(start + 35_000, () => world.restartBootstrap());
      world.net.at(start + 30_000, () => world.net.heal());
      traffic(ctx, 60_000, 200);
      world.net.heal();
      world.net.setFaults({ lossRate: 0, duplicateRate: 0, reorder: false });
      healAndCheck(ctx, 120_000);
    },
  },
};

/** Starts `nodes` peers joining over a window and waits for membership to converge. */
function join(ctx: ScenarioContext): void {
  const { world, nodes, report } = ctx;
  const windowMs = Math.min(10_000, 500 + nodes * 2);
  for (let i = 0; i < nodes; i++) {
    world.net.at(world.net.random.int(windowMs), () => world.addPeer());
  }
  world.run(windowMs);
  const converged = world.runUntil(() => world.membershipConverged(), windowMs + 120_000, 250);
  if (converged === undefined) {
    throw new InvariantViolation(
      `Membership did not converge after joining: ${world.membershipProblem()}`,
    );
  }
  report.membership_convergence_ms = converged;
}

/**
 * Two random authors send `count` broadcasts between them, `gapMs` apart;
 * measures rounds, cost (first broadcast of each author apart) and latency.
 */
function broadcastAndMeasure(ctx: ScenarioContext, count: number, gapMs: number): void {
  const { world, nodes, report } = ctx;
  const alive = world.alivePeers();
  const authors = shuffle(alive, world).slice(0, 2);
  const first: number[] = [];
  const later: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = world.net.sentByType("chat");
    world.send(authors[i % authors.length]!);
    world.run(world.net.nowMs + gapMs);
    (i < authors.length ? first : later).push(world.net.sentByType("chat") - before);
  }
  const done = world.runUntil(() => world.allDelivered(), world.net.nowMs + 30_000);
  if (done === undefined) {
    throw new InvariantViolation(
      `Broadcasts not delivered everywhere: ${world.undelivered()} missing`,
    );
  }
  report.broadcasts = world.sentCount;
  const hops = [...world.stats.hopsMax.values()].sort((a, b) => a - b);
  report.rounds = {
    p50: hops[Math.floor(hops.length / 2)] ?? 0,
    max: hops.at(-1) ?? 0,
    pittel_bound: round(Math.log2(nodes) + Math.log(nodes), 2),
  };
  const mean = (
    xs: number[],
  ) => (xs.length === 0 ? null : round(xs.reduce((a, b) => a + b, 0) / xs.length, 1));
  report.chat_sends_first_broadcast = mean(first);
  report.chat_sends_per_broadcast = mean(later);
  report.latency_ms = percentiles(world.stats.latenciesMs);
}

/** Messages from random live peers every `gapMs` for `durationMs`. */
function traffic(ctx: ScenarioContext, durationMs: number, gapMs: number): void {
  const { world } = ctx;
  const start = world.net.nowMs;
  for (let t = start; t < start + durationMs; t += gapMs) {
    world.net.at(t, () => {
      const alive = world.alivePeers();
      if (alive.length > 0) world.send(alive[world.net.random.int(alive.length)]!);
    });
  }
  world.run(start + durationMs);
  ctx.report.broadcasts = world.sentCount;
}

/**
 * Phase two: with faults over, every live peer must deliver everything and
 * membership must converge within `boundMs`.
 */
function healAndCheck(ctx: ScenarioContext, boundMs: number, since?: number): void {
  const { world, report } = ctx;
  const from = since ?? world.net.nowMs;
  const delivered = world.runUntil(() => world.allDelivered(), from + boundMs);
  if (delivered === undefined) {
    throw new InvariantViolation(
      `Eventual delivery failed: ${world.undelivered()} deliveries still missing ${boundMs} ms after the faults stopped`,
    );
  }
  report.delivered_after_heal_ms ??= world.net.nowMs - from;
  const converged = world.runUntil(() => world.membershipConverged(), from + boundMs, 250);
  if (converged === undefined) {
    throw new InvariantViolation(
      `Membership did not converge ${boundMs} ms after the faults stopped: ${world.membershipProblem()}`,
    );
  }
  report.converged_after_heal_ms = world.net.nowMs - from;
  // Both at once: a peer restarting meanwhile may bring messages nobody else had.
  const settled = world.runUntil(
    () => world.allDelivered() && world.membershipConverged(),
    from + boundMs,
    250,
  );
  if (settled === undefined) {
    throw new InvariantViolation(
      `Delivery and membership did not settle together ${boundMs} ms after the faults stopped: ${world.undelivered()} deliveries missing; ${
        world.membershipProblem() ?? "membership converged"
      }`,
    );
  }
  report.delivery_ratio = deliveryRatio(world);
  report.latency_ms ??= percentiles(world.stats.latenciesMs);
  report.latency_after_heal_ms = percentiles(latenciesAfter(world.stats, from));
  const chats = world.net.sentByType("chat");
  const repairs = world.net.repairChatsSent;
  report.chat_sends_per_broadcast_all = world.sentCount === 0
    ? null
    : round(chats / world.sentCount, 1);
  report.chat_repairs_per_broadcast = world.sentCount === 0
    ? null
    : round(repairs / world.sentCount, 1);
}

/**
 * Latencies of the deliveries made at or after `fromMs`, each counted from
 * the latest of its send, `fromMs` and its receiver's restart (a peer that
 * comes back later catches up from then).
 */
function latenciesAfter(stats: SimStats, fromMs: number): number[] {
  const out: number[] = [];
  stats.deliveredAtMs.forEach((atMs, i) => {
    if (atMs < fromMs) return;
    const sentAtMs = atMs - stats.latenciesMs[i]!;
    out.push(atMs - Math.max(sentAtMs, fromMs, stats.receiverUpAtMs[i]!));
  });
  return out;
}

function deliveryRatio(world: SimWorld): number {
  const alive = world.alivePeers();
  const target = new Map<string, number>();
  for (const peer of alive) {
    for (const [author, n] of peer.node.actor.deliveredClock) {
      target.set(author, Math.max(target.get(author) ?? 0, n));
    }
  }
  let expected = 0;
  let got = 0;
  for (const peer of alive) {
    for (const [author, n] of target) {
      expected += n;
      got += Math.min(n, peer.node.actor.deliveredSeq(author));
    }
  }
  return expected === 0 ? 1 : round(got / expected, 6);
}

function shuffle(peers: SimPeer[], world: SimWorld): SimPeer[] {
  const out = [...peers];
  for (let i = out.length - 1; i > 0; i--) {
    const j = world.net.random.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Percentiles of `values` (ms), or `null` for none. */
export function percentiles(values: readonly number[]): Percentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) =>
    round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!, 2);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(sorted.at(-1)!, 2) };
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

function emptyReport(options: RunScenarioOptions): SimReport {
  return {
    scenario: options.scenario,
    nodes: options.nodes,
    seed: options.seed,
    simulated_s: 0,
    events: 0,
    membership_convergence_ms: null,
    broadcasts: 0,
    rounds: null,
    chat_sends_per_broadcast: null,
    chat_sends_first_broadcast: null,
    chat_sends_per_broadcast_all: null,
    chat_repairs_per_broadcast: null,
    n_minus_1: options.nodes - 1,
    latency_ms: null,
    delivery_ratio: 0,
    delivered_after_heal_ms: null,
    latency_after_heal_ms: null,
    converged_after_heal_ms: null,
    failures: {
      crashes: 0,
      detection_ms: null,
      false_positives: 0,
      false_positive_peers: 0,
      partition_verdicts: 0,
    },
    peaks: { held_back: 0, history: 0, members: 0, neighbours: 0 },
    sent_by_type: {},
  };
}
