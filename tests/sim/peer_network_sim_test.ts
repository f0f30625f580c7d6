import assert from "node:assert/strict";
import { BootstrapRegistry } from "../../lib/bootstrap/bootstrap_registry.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import type { Random } from "../../lib/random/random.ts";
import { CausalChecker } from "../../lib/sim/causal_checker.ts";
import { SimNetwork, type SimNode } from "../../lib/sim/sim_network.ts";

const BOOTSTRAP = "10.0.0.1:7411";

function randomId(random: Random): string {
  let id = "";
  for (let i = 0; i < 8; i++) id += random.int(0x1_0000_0000).toString(16).padStart(8, "0");
  return id;
}

interface World {
  net: SimNetwork;
  checker: CausalChecker;
  peers: SimNode<PeerNode>[];
  bootstrap: SimNode<BootstrapRegistry>;
}

/** A bootstrap and `n` peers joining over the first second, on a seeded network. */
function world(seed: number, n: number): World {
  const net = new SimNetwork({ seed });
  const checker = new CausalChecker();
  net.observe(checker);
  const bootstrap = net.addNode(
    BOOTSTRAP,
    new BootstrapRegistry({ id: randomId(net.random), addr: BOOTSTRAP, random: net.nodeRandom() }),
  );
  const peers: SimNode<PeerNode>[] = [];
  for (let i = 0; i < n; i++) {
    net.at(net.random.int(1_000), () => {
      const addr = `10.0.1.${i + 1}:9000`;
      const node = new PeerNode({
        id: randomId(net.random),
        addr,
        nick: `p${i}`,
        random: net.nodeRandom(),
        bootstraps: [BOOTSTRAP],
      });
      peers.push(net.addNode(addr, node, (p, now) => p.start(now)));
    });
  }
  net.runUntil(1_000);
  return { net, checker, peers, bootstrap };
}

function everyoneKnowsEveryone(live: readonly SimNode<PeerNode>[]): boolean {
  return live.every((p) => p.actor.peers().length === live.length - 1);
}

/** Runs `check` for each seed; a failure names the seed so it can be replayed. */
function forSeeds(seeds: readonly number[], check: (seed: number) => void): void {
  for (const seed of seeds) {
    try {
      check(seed);
    } catch (error) {
      throw new Error(`Simulation failed with seed ${seed}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

Deno.test("PeerNode network: every peer learns every other though the bootstrap gives each only 2", () => {
  forSeeds([1, 2, 3], (seed) => {
    const w = world(seed, 30);
    const converged = w.net.runUntilTrue(() => everyoneKnowsEveryone(w.peers), 20_000);
    assert.ok(converged, `membership did not converge by ${w.net.nowMs} ms`);
    w.net.runUntil(w.net.nowMs + 2_000);
    for (const p of w.peers) {
      assert.ok(p.actor.neighbourIds().length <= 12, "connection bound exceeded");
      assert.ok(p.actor.neighbourIds().length >= 1, "a peer has no neighbour");
    }
    assert.equal(w.bootstrap.actor.peers().length, 30);
  });
});

Deno.test("PeerNode network: a conversation is delivered everywhere once, in causal order", () => {
  forSeeds([11, 12, 13], (seed) => {
    const w = world(seed, 20);
    assert.ok(w.net.runUntilTrue(() => everyoneKnowsEveryone(w.peers), 20_000));
    const start = w.net.nowMs;
    // Questions from random peers; each answered by another peer right after it delivers the question.
    let sent = 0;
    for (let q = 0; q < 30; q++) {
      w.net.at(start + w.net.random.int(3_000), () => {
        const asker = w.peers[w.net.random.int(w.peers.length)]!;
        w.net.act(asker, (p, now) => p.sendChat(`question ${q}?`, now, now));
        sent++;
      });
    }
    const answered = new Set<string>();
    w.net.observe({
      onEffect(node, effect) {
        if (effect.type !== "deliver" || !effect.message.text.startsWith("question")) return;
        const key = `${effect.message.author}#${effect.message.seq}`;
        if (answered.has(key) || effect.message.author === (node.actor as PeerNode).id) return;
        answered.add(key);
        w.net.at(w.net.nowMs, () => {
          w.net.act(
            node as SimNode<PeerNode>,
            (p, now) => p.sendChat(`answer to ${effect.message.text}`, now, now),
          );
          sent++;
        });
      },
    });
    w.net.runUntil(start + 10_000);
    assert.equal(sent, 60);
    for (const p of w.peers) {
      assert.equal(
        w.checker.countAt(p.addr),
        60,
        `${p.addr} delivered ${w.checker.countAt(p.addr)} of 60`,
      );
      const order = w.checker.deliveredAt(p.addr).map((m) => m.text);
      for (let q = 0; q < 30; q++) {
        const question = order.indexOf(`question ${q}?`);
        const answer = order.indexOf(`answer to question ${q}?`);
        assert.ok(question >= 0 && question < answer, `${p.addr}: answer ${q} before its question`);
      }
    }
  });
});

Deno.test("PeerNode network: crashed peers are detected and dropped by everyone", () => {
  forSeeds([21, 22], (seed) => {
    const w = world(seed, 15);
    assert.ok(w.net.runUntilTrue(() => everyoneKnowsEveryone(w.peers), 20_000));
    const victims = w.peers.slice(0, 3);
    w.net.crash(victims[0]!.addr, { reset: true });
    w.net.crash(victims[1]!.addr, { reset: false });
    w.net.act(victims[2]!, (p, now) => p.leave(now));
    // The leaver's process exits once its goodbyes are out.
    assert.ok(w.net.runUntilTrue(() => victims[2]!.actor.linkCount === 0, w.net.nowMs + 1_000, 1));
    w.net.crash(victims[2]!.addr);
    const survivors = w.peers.slice(3);
    const crashedAt = w.net.nowMs;
    const detected = w.net.runUntilTrue(
      () => everyoneKnowsEveryone(survivors),
      crashedAt + 30_000,
    );
    assert.ok(detected, "survivors still list crashed peers");
    // The bootstrap checked the reports and forgot the dead.
    assert.ok(
      w.net.runUntilTrue(
        () => w.bootstrap.actor.peers().length === survivors.length,
        w.net.nowMs + 10_000,
      ),
      `bootstrap still lists ${w.bootstrap.actor.peers().length} peers`,
    );
    // Dead peers do not come back through gossip.
    w.net.runUntil(w.net.nowMs + 20_000);
    assert.ok(everyoneKnowsEveryone(survivors), "a dead peer came back");
  });
});

Deno.test("PeerNode network: same seed, same run", () => {
  const trace = (seed: number) => {
    const w = world(seed, 10);
    w.net.runUntil(5_000);
    return `${w.net.eventsProcessed}/${w.net.messagesSent}/${
      w.peers.map((p) => p.actor.peers().length).join(",")
    }`;
  };
  assert.equal(trace(7), trace(7));
  assert.notEqual(trace(7), trace(8));
});

Deno.test("PeerNode network: every peer knows every nick, and a nick change reaches all of them once", () => {
  forSeeds([4, 5], (seed) => {
    const w = world(seed, 12);
    const nicks = new Map<string, number>();
    w.net.observe({
      onEffect(_node, effect) {
        if (effect.type === "nick" && effect.new === "renamed") {
          nicks.set(_node.addr, (nicks.get(_node.addr) ?? 0) + 1);
        }
      },
    });
    assert.ok(w.net.runUntilTrue(() => everyoneKnowsEveryone(w.peers), 20_000));
    const named = (p: SimNode<PeerNode>, id: string) =>
      p.actor.peers().find((s) => s.id === id)?.nick;
    assert.ok(
      w.net.runUntilTrue(
        () => w.peers.every((p) => p.actor.peers().every((s) => s.nick !== undefined)),
        w.net.nowMs + 5_000,
      ),
      "a peer is still unnamed",
    );
    const first = w.peers[0]!;
    for (const p of w.peers.slice(1)) assert.equal(named(p, first.actor.id), first.actor.nick);
    w.net.act(first, (actor, now) => actor.setNick("renamed", now));
    const everyone = () => w.peers.slice(1).every((p) => named(p, first.actor.id) === "renamed");
    assert.ok(w.net.runUntilTrue(everyone, w.net.nowMs + 10_000), "the new nick did not spread");
    w.net.runUntil(w.net.nowMs + 5_000);
    assert.equal(nicks.size, w.peers.length - 1);
    assert.ok([...nicks.values()].every((n) => n === 1), "a change was announced twice");
  });
});
