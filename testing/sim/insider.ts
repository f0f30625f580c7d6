/**
 * The `insider` scenario: hostile members against an honest room. Each
 * attack runs in a world of its own from the same seed — honest peers join
 * and chat (five messages a second), the hostile members attack for
 * {@linkcode ATTACK_MS}, then leave while the chat goes on — and reports
 * what the honest peers got: delivery during the attack and at the end,
 * latency, the peaks of their tables, and how long they took to recover.
 * Each attack is one thing a member can do over real sockets (see
 * `hostile_node.ts`); the `none` run is the same schedule without attackers.
 *
 * @module
 */

import type { ConnId, Effect } from "../../lib/actor/effect.ts";
import type { BootstrapRegistry } from "../../lib/bootstrap/bootstrap_registry.ts";
import type { ChatMessage, MemberInfo, PeerId } from "../../lib/wire/message.ts";
import { DEFAULT_WIRE_LIMITS } from "../../lib/wire/wire_limits.ts";
import { encodeMessage } from "../../lib/wire/message_encode.ts";
import { forcedJoinsFromOneHost } from "./hostile_forced_joins.ts";
import { lyingAnnouncer } from "./hostile_lying_announcer.ts";
import { hostile, type HostileBehaviour, type HostileNode } from "./hostile_node.ts";
import { type SimPeer, type SimPeerOptions, SimWorld } from "./sim_world.ts";

/** How long the attackers attack, ms. */
export const ATTACK_MS = 30_000;
/** Honest chat goes on this long after the attackers left, ms. */
const TAIL_MS = 10_000;
/** How long the honest peers get to deliver everything and converge after the attackers left, ms. */
const RECOVERY_BOUND_MS = 120_000;
/** Honest messages sent less than this before a measurement are not yet counted, ms. */
const GRACE_MS = 5_000;
/** One honest message every this many ms, from a random honest peer. */
const HONEST_GAP_MS = 200;

/** What one attack did to the honest peers. */
export interface InsiderResult {
  attack: string;
  /** Hostile members used. */
  attackers: number;
  /** Honest (message, honest receiver) pairs delivered by the end of the attack. */
  delivery_during: number;
  /** The same pairs, and all later ones, delivered at the end (not skipped: really delivered). */
  delivery_final: number;
  /** Honest-to-honest delivery latency during the attack, ms. */
  latency_ms: { p50: number; p99: number; max: number } | null;
  /** After the attackers left: time until every honest peer delivered everything and membership converged (null: not within the bound). */
  recovered_ms: number | null;
  /** Largest tables at any honest peer during the run. */
  peaks: { held_back: number; history: number; members: number };
  /** Attack-specific outcomes (see each attack's description). */
  outcome: Record<string, number>;
}

/** One hostile strategy. */
export interface InsiderAttack {
  readonly description: string;
  /** Hostile members to add (default 1). */
  readonly attackers?: number;
  /** How a hostile member behaves; gets the world so it can target honest peers. */
  readonly behaviour?: (world: SimWorld, run: AttackRun) => HostileBehaviour;
  /** Called when the attack starts (after the hostile members joined). */
  readonly start?: (world: SimWorld, run: AttackRun) => void;
  /** Fills in `outcome`; called at the end of the attack and at the end of the run. */
  readonly measure?: (world: SimWorld, run: AttackRun, phase: "attack" | "final") => void;
}

/** State shared by one attack's parts. */
export interface AttackRun {
  readonly hostiles: SimPeer[];
  readonly outcome: Record<string, number>;
  /** When the attack started, ms. */
  startMs: number;
  /** Anything an attack keeps between its parts. */
  readonly state: Map<string, unknown>;
}

/** Every attack by name; `none` is the baseline. */
export const INSIDER_ATTACKS: Readonly<Record<string, InsiderAttack>> = {
  none: { description: "no attacker: the baseline", attackers: 0 },
  "forced-joins": {
    description:
      "12 identities register with every honest peer again and again and black-hole what they get",
    attackers: 12,
    behaviour: (world) => forcedJoins(world),
    measure: (world, run, phase) => {
      if (phase !== "attack") return;
      let honestLinks = 0;
      const honest = new Set(world.honestPeers().map((p) => p.id));
      for (const peer of world.honestPeers()) {
        honestLinks += peer.node.actor.neighbourIds().filter((id) => honest.has(id)).length;
      }
      run.outcome.honest_links_per_peer = round(honestLinks / Math.max(1, honest.size), 2);
    },
  },
  "forced-joins-one-host": {
    description:
      "one member mints 12 identities that register with every honest peer again and again, all from its one address, and black-hole what they get",
    behaviour: (world, run) => {
      const ids = Array.from({ length: 12 }, () => fakeId(world));
      run.state.set("minted", ids);
      return forcedJoinsFromOneHost(world, ids);
    },
    measure: (world, run, phase) => {
      if (phase !== "attack") return;
      const honest = new Set(world.honestPeers().map((p) => p.id));
      const minted = new Set(run.state.get("minted") as PeerId[]);
      let honestLinks = 0;
      let mintedLinks = 0;
      for (const peer of world.honestPeers()) {
        for (const id of peer.node.actor.neighbourIds()) {
          if (honest.has(id)) honestLinks++;
          if (minted.has(id)) mintedLinks++;
        }
      }
      run.outcome.honest_links_per_peer = round(honestLinks / Math.max(1, honest.size), 2);
      run.outcome.minted_links_per_peer = round(mintedLinks / Math.max(1, honest.size), 2);
    },
  },
  "lying-announcer": {
    description:
      "2 members announce messages they do not have (3 ahead, twice a second) and pass nothing on: their neighbours ask them in vain",
    attackers: 2,
    behaviour: () => lyingAnnouncer(),
    measure: (world, run, phase) => {
      if (phase !== "attack") return;
      const now = world.net.nowMs;
      const honest = world.honestPeers();
      let views = 0;
      for (const h of run.hostiles) {
        views += honest.filter((p) => p.node.actor.isBackedOff(h.id, now)).length;
      }
      // Honest peers that backed off each liar, on average.
      run.outcome.backed_off_by = round(views / Math.max(1, run.hostiles.length), 2);
    },
  },
  "false-death": {
    description:
      "one member claims a live peer dead at the highest incarnation, then leaves; the victim restarts later",
    behaviour: () => ({}),
    start: (world, run) => {
      const victim = world.honestPeers()[0]!;
      run.state.set("victim", victim);
      const claim: MemberInfo = {
        id: victim.id,
        addr: victim.addr,
        incarnation: Number.MAX_SAFE_INTEGER,
        status: "dead",
      };
      for (const h of run.hostiles) {
        world.net.act(h.node, (node) => {
          (node as HostileNode).sendToNeighbours({ type: "member", member: claim });
        });
        world.net.at(run.startMs + 5_000, () => world.crash(h));
      }
      world.net.at(run.startMs + 10_000, () => world.crash(victim));
      world.net.at(run.startMs + 15_000, () => world.restart(victim, { disk: true }));
    },
    measure: (world, run, phase) => {
      const victim = run.state.get("victim") as SimPeer;
      const others = world.honestPeers().filter((p) => p !== victim);
      run.outcome[`victim_dead_views_${phase}`] =
        others.filter((p) => !p.node.actor.knowsAlive(victim.id)).length;
      // The claim was at the largest incarnation: the victim must not have been pushed there.
      run.outcome[`victim_incarnation_${phase}`] = victim.node.actor.incarnation;
    },
  },
  "bogus-addresses": {
    description:
      "one member sends peer lists of 64 made-up addresses every second and registers 100 fakes with the bootstrap; 3 newcomers join after it left",
    behaviour: (world) => bogusAddresses(world),
    measure: (world, run, phase) => {
      const real = new Set(world.peers.map((p) => p.addr));
      let entries = 0;
      let bogus = 0;
      for (const peer of world.honestPeers()) {
        for (const p of peer.node.actor.peers()) {
          entries++;
          if (!real.has(p.addr)) bogus++;
        }
      }
      run.outcome[`bogus_entry_share_${phase}`] = round(bogus / Math.max(1, entries), 3);
      const registry = world.net.node(world.bootstrapAddr)?.actor as BootstrapRegistry | undefined;
      const registered = registry?.peers() ?? [];
      run.outcome[`bootstrap_bogus_share_${phase}`] = round(
        registered.filter((p) => !real.has(p.addr)).length / Math.max(1, registered.length),
        3,
      );
      if (phase === "attack") {
        run.state.set("newcomers", Array.from({ length: 3 }, () => world.addPeer()));
      } else {
        const newcomers = (run.state.get("newcomers") as SimPeer[] | undefined) ?? [];
        run.outcome.newcomers_joined = newcomers.filter((p) =>
          p.node.actor.neighbourIds().length > 0
        ).length;
      }
    },
  },
  equivocation: {
    description:
      "one member sends every message in two versions with one sequence number, half its neighbours each",
    behaviour: () => equivocate(),
    start: (world, run) => {
      for (const h of run.hostiles) {
        world.checker.tolerateEquivocation(h.id);
        for (let t = 0; t < ATTACK_MS; t += 1_000) {
          world.net.at(run.startMs + t, () => {
            if (h.alive) {
              world.net.act(h.node, (node, now) => node.sendChat(`eq${t}`, Math.round(now), now));
            }
          });
        }
      }
      world.net.observe({
        onEffect: (node, effect) => {
          if (effect.type.includes("equivoc") && !run.hostiles.some((h) => h.addr === node.addr)) {
            const told = (run.state.get("told") as Set<string>) ?? new Set<string>();
            told.add(node.addr);
            run.state.set("told", told);
          }
        },
      });
    },
    measure: (world, run) => {
      run.outcome.split_messages = world.checker.splitKeys().size;
      // The agreed outcome: every honest peer that delivered a split message was told.
      const honest = world.honestPeers().filter((p) => p.alive).map((p) => p.addr);
      run.outcome.unresolved_splits = world.checker.unresolvedSplits(honest).length;
      run.outcome.honest_peers_told = (run.state.get("told") as Set<string> | undefined)?.size ?? 0;
    },
  },
  "throwaway-authors": {
    description:
      "one member sends one message from each of clockEntriesMax + 64 fresh identities; a real newcomer then joins and chats",
    behaviour: () => ({}),
    start: (world, run) => {
      const h = run.hostiles[0]!;
      world.net.act(h.node, (node, now) => {
        for (let i = 0; i < DEFAULT_WIRE_LIMITS.clockEntriesMax + 64; i++) {
          const author = fakeId(world);
          const message: ChatMessage = {
            author,
            seq: 1,
            clock: new Map([[author, 1]]),
            nick: "throwaway",
            text: "x",
            ts: Math.round(now),
            signature: new Uint8Array(0),
          };
          (node as HostileNode).sendToNeighbours({ type: "chat", message });
        }
      });
      world.net.at(run.startMs + 5_000, () => {
        const newcomer = world.addPeer();
        run.state.set("newcomer", newcomer);
        for (let i = 0; i < 10; i++) {
          world.net.at(run.startMs + 10_000 + i * 1_000, () => {
            if (newcomer.alive) world.send(newcomer);
          });
        }
      });
    },
    measure: (world, run, phase) => {
      const newcomer = run.state.get("newcomer") as SimPeer | undefined;
      if (newcomer === undefined) return;
      const others = world.honestPeers().filter((p) => p !== newcomer);
      let got = 0;
      let expected = 0;
      for (const peer of others) {
        expected += newcomer.node.actor.deliveredSeq(newcomer.id);
        got += Math.min(
          newcomer.node.actor.deliveredSeq(newcomer.id),
          deliveredKeys(world, peer).filter((k) => k.startsWith(newcomer.id)).length,
        );
      }
      run.outcome[`newcomer_delivery_${phase}`] = round(got / Math.max(1, expected), 4);
    },
  },
  "tiny-flood": {
    description:
      "one member floods 1.5 history windows of one-letter messages (15 000) in 10 s while an honest peer is down; it restarts from disk after",
    behaviour: () => ({}),
    start: (world, run) => {
      const h = run.hostiles[0]!;
      const recovering = world.honestPeers()[1]!;
      run.state.set("recovering", recovering);
      world.crash(recovering);
      world.net.at(run.startMs + ATTACK_MS, () => world.restart(recovering, { disk: true }));
      // One and a half history windows, in 10 s.
      const perTick = Math.ceil(1.5 * world.peerOptions.historyMessagesMax / 1_000);
      for (let t = 0; t < 10_000; t += 10) {
        world.net.at(run.startMs + t, () => {
          if (!h.alive) return;
          world.net.act(h.node, (node, now) => {
            for (let i = 0; i < perTick; i++) node.sendChat("x", Math.round(now), now);
          });
        });
      }
    },
    measure: (world, run, phase) => {
      if (phase !== "final") return;
      const recovering = run.state.get("recovering") as SimPeer;
      const missed = [...run.state.get("honestSent") as Map<string, number>].filter(([, at]) =>
        at >= run.startMs && at < run.startMs + ATTACK_MS
      ).map(([key]) => key);
      const got = new Set(deliveredKeys(world, recovering));
      run.outcome.recovering_peer_delivery = round(
        missed.filter((k) => got.has(k)).length / Math.max(1, missed.length),
        4,
      );
    },
  },
  "hold-back-bytes": {
    description:
      "one member sends a hold-back queue's worth (10 000) of undeliverable 4 KB messages from 10 identities, each depending on 200 messages nobody has",
    behaviour: () => ({}),
    start: (world, run) => {
      const h = run.hostiles[0]!;
      const phantom = new Map<PeerId, number>();
      for (let i = 0; i < 200; i++) phantom.set(fakeId(world), 1);
      const text = "w".repeat(DEFAULT_WIRE_LIMITS.textBytesMax);
      let sample: ChatMessage | undefined;
      world.net.act(h.node, (node, now) => {
        // As many as the hold-back queue takes, from 10 identities.
        const perAuthor = Math.ceil(world.peerOptions.holdBackMessagesMax / 10);
        for (let a = 0; a < 10; a++) {
          const author = fakeId(world);
          for (let seq = 1; seq <= perAuthor; seq++) {
            const clock = new Map(phantom);
            clock.set(author, seq);
            const message: ChatMessage = {
              author,
              seq,
              clock,
              nick: "holder",
              text,
              ts: Math.round(now),
              signature: new Uint8Array(64),
            };
            sample ??= message;
            (node as HostileNode).sendToNeighbours({ type: "chat", message });
          }
        }
      });
      run.state.set("bytes", encodeMessage({ type: "chat", message: sample! }).byteLength);
    },
    measure: (world, run, phase) => {
      if (phase !== "attack") return;
      const bytes = run.state.get("bytes") as number;
      const held = Math.max(0, ...world.honestPeers().map((p) => p.node.actor.heldBackCount));
      run.outcome.held_back_mb_est = round(held * bytes / 1e6, 1);
      const heldBytes = Math.max(0, ...world.honestPeers().map((p) => p.node.actor.heldBackBytes));
      run.outcome.held_back_mb = round(heldBytes / 1e6, 1);
    },
  },
  "want-flood": {
    description: "one member asks every neighbour for everyone's whole history ten times a second",
    behaviour: (world) => wantFlood(world),
    start: (world, run) => {
      const h = run.hostiles[0]!;
      let inBytes = 0;
      let outBytes = 0;
      world.net.observe({
        onReceive: (node, message, from) => {
          if (from.addr === h.addr && message.type === "want") {
            inBytes += encodeMessage(message).byteLength;
          } else if (node.addr === h.addr && message.type === "chat") {
            outBytes += encodeMessage({ ...message, message: withSignature(message.message) })
              .byteLength;
          }
        },
      });
      run.state.set("bytes", () => ({ inBytes, outBytes }));
    },
    measure: (_world, run, phase) => {
      if (phase !== "attack") return;
      const { inBytes, outBytes } = (run.state.get("bytes") as () => {
        inBytes: number;
        outBytes: number;
      })();
      run.outcome.want_bytes_in = inBytes;
      run.outcome.chat_bytes_out = outBytes;
      run.outcome.amplification = round(outBytes / Math.max(1, inBytes), 2);
    },
  },
};

/** Options of {@linkcode runInsider}. */
export interface RunInsiderOptions {
  /** Honest peers. */
  nodes: number;
  seed: number;
  /** Attacks to run (default: all, the baseline first). */
  attacks?: readonly string[];
  /** Protocol tuning. */
  peer?: SimPeerOptions;
}

/** Runs each attack in a world of its own and reports what it did. */
export function runInsider(options: RunInsiderOptions): InsiderResult[] {
  const names = options.attacks ?? Object.keys(INSIDER_ATTACKS);
  return names.map((name) => runAttack(name, options));
}

/** Runs one attack from `options.seed`. */
export function runAttack(name: string, options: RunInsiderOptions): InsiderResult {
  const attack = INSIDER_ATTACKS[name];
  if (attack === undefined) {
    throw new TypeError(
      `Unknown attack '${name}': expected one of ${Object.keys(INSIDER_ATTACKS).join(", ")}`,
    );
  }
  const world = new SimWorld({
    seed: options.seed,
    ...(options.peer ? { peer: options.peer } : {}),
  });
  const honestSent = new Map<string, number>();
  const latencies: number[] = [];
  let attackEnd = Infinity;
  world.net.observe({
    onEffect: (node, effect, nowMs) => {
      if (effect.type !== "deliver") return;
      const peer = world.peers.find((p) => p.addr === node.addr);
      if (peer === undefined || peer.make !== undefined) return;
      const sentAt = honestSent.get(keyOf(effect.message));
      if (sentAt !== undefined && effect.message.author !== peer.id && nowMs < attackEnd) {
        latencies.push(nowMs - sentAt);
      }
    },
  });
  const run: AttackRun = { hostiles: [], outcome: {}, startMs: 0, state: new Map() };
  run.state.set("honestSent", honestSent);

  // Honest peers join, then the hostile ones.
  const windowMs = Math.min(10_000, 500 + options.nodes * 2);
  for (let i = 0; i < options.nodes; i++) {
    world.net.at(world.net.random.int(windowMs), () => world.addPeer());
  }
  world.run(windowMs);
  for (let i = 0; i < (attack.attackers ?? 1); i++) {
    const behaviour = attack.behaviour;
    run.hostiles.push(
      world.addPeer(behaviour === undefined ? {} : { make: hostile(() => behaviour(world, run)) }),
    );
  }
  world.runUntil(() => world.membershipConverged(), windowMs + 60_000, 250);

  run.startMs = world.net.nowMs;
  attackEnd = run.startMs + ATTACK_MS;
  const trafficEnd = attackEnd + TAIL_MS;
  for (let t = run.startMs; t < trafficEnd; t += HONEST_GAP_MS) {
    world.net.at(t, () => {
      const honest = world.honestPeers();
      if (honest.length === 0) return;
      const author = honest[world.net.random.int(honest.length)]!;
      const message = world.send(author);
      honestSent.set(keyOf(message), world.net.nowMs);
    });
  }
  attack.start?.(world, run);
  const peaks = { held_back: 0, history: 0, members: 0 };
  const sample = () => {
    for (const peer of world.honestPeers()) {
      const node = peer.node.actor;
      peaks.held_back = Math.max(peaks.held_back, node.heldBackCount);
      peaks.history = Math.max(peaks.history, node.historySize);
      peaks.members = Math.max(peaks.members, node.memberCount);
    }
  };
  for (let t = run.startMs; t < attackEnd; t += 500) {
    world.run(t + 500);
    sample();
  }
  const during = honestDelivery(world, honestSent, attackEnd - GRACE_MS);
  attack.measure?.(world, run, "attack");
  for (const h of run.hostiles) world.crash(h);

  // Recovered: everything sent before the attackers left is delivered, and membership converged.
  const recovered = world.runUntil(
    () => honestDelivery(world, honestSent, attackEnd) === 1 && world.membershipConverged(),
    attackEnd + RECOVERY_BOUND_MS,
    250,
  );
  sample();
  world.run(Math.max(world.net.nowMs, trafficEnd));
  world.runUntil(
    () => honestDelivery(world, honestSent, Infinity) === 1,
    world.net.nowMs + RECOVERY_BOUND_MS,
    250,
  );
  sample();
  attack.measure?.(world, run, "final");
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!, 1);
  return {
    attack: name,
    attackers: run.hostiles.length,
    delivery_during: round(during, 4),
    delivery_final: round(honestDelivery(world, honestSent, Infinity), 4),
    latency_ms: latencies.length === 0 ? null : { p50: at(0.5), p99: at(0.99), max: at(1) },
    recovered_ms: recovered === undefined ? null : Math.round(recovered),
    peaks,
    outcome: run.outcome,
  };
}

/**
 * The share of (honest message sent before `sentBeforeMs`, honest live peer
 * other than its author) pairs that peer really delivered (a skip is not a delivery).
 */
function honestDelivery(
  world: SimWorld,
  honestSent: ReadonlyMap<string, number>,
  sentBeforeMs: number,
): number {
  const keys = [...honestSent].filter(([, at]) => at < sentBeforeMs).map(([key]) => key);
  let expected = 0;
  let got = 0;
  for (const peer of world.honestPeers()) {
    const delivered = new Set(deliveredKeys(world, peer));
    for (const key of keys) {
      if (key.startsWith(peer.id)) continue;
      expected++;
      if (delivered.has(key)) got++;
    }
  }
  return expected === 0 ? 1 : got / expected;
}

function deliveredKeys(world: SimWorld, peer: SimPeer): string[] {
  return world.checker.deliveredAt(peer.addr).map(keyOf);
}

/** Forced joins: dial every honest peer, `register`, answer pings, pass nothing on. */
function forcedJoins(world: SimWorld): HostileBehaviour {
  let next = 0;
  return {
    outgoing: (effect) => blackHole(effect),
    nextTickMs: () => next,
    tick(node, nowMs) {
      next = nowMs + 500;
      const mine = node.ownAddrs();
      for (const peer of world.honestPeers()) {
        if (!mine.has(peer.addr)) node.dial(peer.addr);
      }
    },
    ownConnected(node, conn) {
      node.sendOn(conn, { type: "register" });
    },
  };
}

/** Drops everything that would carry chat or membership on; keeps the node answering probes. */
function blackHole(effect: Effect): Effect[] {
  if (effect.type !== "send") return [effect];
  const type = effect.message.type;
  return type === "ping" || type === "pong" || type === "probe" || type === "probe-ack" ||
      type === "register" || type === "get-peers" || type === "bye"
    ? [effect]
    : [];
}

/**
 * Bogus addresses: made-up peer lists every second, fake registrations at the
 * bootstrap. The fakes are identities it minted itself, so it signs their
 * records (a member can do that for any key it holds); the addresses are made up.
 */
function bogusAddresses(world: SimWorld): HostileBehaviour {
  let next = 0;
  let registered = false;
  const fakes = (n: number): MemberInfo[] =>
    Array.from({ length: n }, () =>
      world.net.signRecord({
        id: fakeId(world),
        addr: `10.250.${world.net.random.int(256)}.${world.net.random.int(256)}:9000`,
        incarnation: 1,
        status: "alive" as const,
      }));
  const registering = new Map<ConnId, MemberInfo>();
  return {
    nextTickMs: () => next,
    tick(node, nowMs) {
      next = nowMs + 1_000;
      node.sendToNeighbours({ type: "peers", peers: fakes(64) });
      if (registered) return;
      registered = true;
      for (const fake of fakes(100)) {
        const hello = { ...node.localHello(), id: fake.id, addr: fake.addr, incarnation: 1 };
        registering.set(node.dial(world.bootstrapAddr, hello), fake);
      }
    },
    ownConnected(node, conn) {
      node.sendOn(conn, { type: "register" });
      const fake = registering.get(conn);
      if (fake !== undefined) node.sendOn(conn, { type: "member", member: fake });
    },
    ownMessage(node, conn, message) {
      if (message.type === "peers") node.closeOwn(conn);
    },
  };
}

/** Equivocation: its own messages go out in two versions, alternating by connection. */
function equivocate(): HostileBehaviour {
  const version = new Map<ConnId, number>();
  return {
    outgoing(effect, node) {
      if (
        effect.type !== "send" || effect.message.type !== "chat" ||
        effect.message.message.author !== node.id
      ) return [effect];
      if (!version.has(effect.conn)) version.set(effect.conn, version.size % 2);
      if (version.get(effect.conn) === 0) return [effect];
      const message = effect.message.message;
      return [{
        ...effect,
        message: { ...effect.message, message: { ...message, text: `${message.text} [B]` } },
      }];
    },
  };
}

/** Want flood: asks each neighbour for all of everyone's history, ten times a second. */
function wantFlood(world: SimWorld): HostileBehaviour {
  let next = 0;
  void world;
  return {
    nextTickMs: () => next,
    tick(node, nowMs) {
      next = nowMs + 100;
      const ranges = [...node.deliveredClock].map(([author, n]) => ({ author, from: 0, to: n }));
      if (ranges.length > 0) node.sendToNeighbours({ type: "want", graft: false, ranges });
    },
  };
}

function withSignature(message: ChatMessage): ChatMessage {
  return message.signature.byteLength === 64
    ? message
    : { ...message, signature: new Uint8Array(64) };
}

function fakeId(world: SimWorld): PeerId {
  let id = "";
  for (let i = 0; i < 8; i++) {
    id += world.net.random.int(0x1_0000_0000).toString(16).padStart(8, "0");
  }
  return id;
}

function keyOf(message: { author: string; seq: number }): string {
  return `${message.author}#${message.seq}`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * {@linkcode runAttack} for tests: a failure names the attack, the seed and
 * the command that replays it.
 */
export function runAttackOrReplay(name: string, options: RunInsiderOptions): InsiderResult {
  try {
    return runAttack(name, options);
  } catch (error) {
    throw new Error(
      `insider ${name} failed at seed ${options.seed} (replay: deno task sim --scenario insider --attack ${name} --nodes ${options.nodes} --seed ${options.seed}): ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
}
