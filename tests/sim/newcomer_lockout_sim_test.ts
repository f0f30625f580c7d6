/**
 * Issue 15's lockout: a newcomer whose bootstrap sample holds only full peers
 * still gets in. The acceptor decides on a dialer's first message, so the
 * newcomer's `register` must come before anything else (its welcome `have`,
 * its member record); the full peer then makes room by closing an
 * unprotected inbound neighbour (a forced join), and its own dials survive.
 *
 * The sample is made all-full by construction: a second bootstrap knows only
 * P0 and P1, and filler peers `join` both until neither has inbound room.
 */

import assert from "node:assert/strict";
import type { Effect } from "../../lib/actor/effect.ts";
import { BootstrapRegistry } from "../../lib/bootstrap/bootstrap_registry.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import type { Random } from "../../lib/random/random.ts";
import { SimNetwork, type SimNode } from "../../lib/sim/sim_network.ts";
import type { Message } from "../../lib/wire/message.ts";

const EVERYONE = "10.0.0.1:7411";
const ONLY_FULL = "10.0.0.2:7411";
/** Two own dials, at most two inbound neighbours, four in all. */
const VIEW = { connectionsTarget: 2, connectionsMax: 4 } as const;

function randomId(random: Random): string {
  let id = "";
  for (let i = 0; i < 8; i++) id += random.int(0x1_0000_0000).toString(16).padStart(8, "0");
  return id;
}

function addPeer(
  net: SimNetwork,
  addr: string,
  nick: string,
  bootstraps: readonly string[],
): SimNode<PeerNode> {
  const node = new PeerNode({
    id: randomId(net.random),
    addr,
    nick,
    random: net.nodeRandom(),
    bootstraps,
    ...VIEW,
  });
  return net.addNode(addr, node, (p, now) => p.start(now));
}

/** How many inbound neighbours `peer` has accepted, and its own accepted dials. */
function linkCounts(peer: SimNode<PeerNode>, nowMs: number): { inbound: number; own: string[] } {
  const links = peer.actor.overlay(nowMs).links.filter((l) =>
    l.kind === "eager" || l.kind === "lazy"
  );
  return {
    inbound: links.filter((l) => !l.outbound).length,
    own: links.filter((l) => l.outbound).map((l) => l.id),
  };
}

/** Records the first message `node` sends on each connection it dials, by address. */
function firstMessagesOf(net: SimNetwork, addr: string): Map<string, Message["type"]> {
  const dialed = new Map<number, string>();
  const first = new Map<string, Message["type"]>();
  net.observe({
    onEffect(node: SimNode, effect: Effect) {
      if (node.addr !== addr) return;
      if (effect.type === "dial") dialed.set(effect.conn, effect.addr);
      if (effect.type === "send") {
        const to = dialed.get(effect.conn);
        if (to !== undefined && !first.has(to)) first.set(to, effect.message.type);
      }
    },
  });
  return first;
}

function lockoutRun(seed: number): void {
  const net = new SimNetwork({ seed });
  for (const addr of [EVERYONE, ONLY_FULL]) {
    net.addNode(
      addr,
      new BootstrapRegistry({ id: randomId(net.random), addr, random: net.nodeRandom() }),
    );
  }
  const full = [0, 1].map((i) =>
    addPeer(net, `10.0.1.${i + 1}:9000`, `p${i}`, [EVERYONE, ONLY_FULL])
  );
  const others: SimNode<PeerNode>[] = [];
  for (let i = 0; i < 6; i++) {
    others.push(addPeer(net, `10.0.2.${i + 1}:9000`, `f${i}`, [EVERYONE]));
  }
  const evicted = full.map(() => [] as string[]);
  let newcomerArrived = false;
  const remoteOf = new Map<string, string>(); // "addr/conn" → remote id, kept from every send
  net.observe({
    onEffect(node: SimNode, effect: Effect) {
      const i = full.findIndex((p) => p.addr === node.addr);
      if (i < 0 || effect.type !== "send") return;
      const key = `${node.addr}/${effect.conn}`;
      const remote = full[i]!.actor.remoteIdOf(effect.conn) ?? remoteOf.get(key);
      if (remote === undefined) return;
      remoteOf.set(key, remote);
      const { message } = effect;
      if (newcomerArrived && message.type === "bye" && message.reason === "rebalance") {
        evicted[i]!.push(remote);
      }
    },
  });
  net.runUntil(3_000);
  // Fillers ask the two to take them (forced joins) until neither has room.
  for (const filler of others) {
    for (const target of full) filler.actor.join(target.addr, net.nowMs);
  }
  net.runUntil(10_000);
  const before = full.map((p) => linkCounts(p, net.nowMs));
  for (const [i, counts] of before.entries()) {
    assert.equal(counts.inbound, 2, `precondition: p${i} has no inbound room (${counts.inbound})`);
  }

  const firstMessages = firstMessagesOf(net, "10.0.3.1:9000");
  newcomerArrived = true;
  const newcomer = addPeer(net, "10.0.3.1:9000", "newcomer", [ONLY_FULL]);
  const joined = net.runUntilTrue(
    () => newcomer.actor.neighbourIds().length > 0,
    net.nowMs + 5_000,
  );
  assert.ok(joined, "the newcomer found no neighbour: every peer it was given is full");

  for (const target of full) {
    const first = firstMessages.get(target.addr);
    if (first !== undefined) assert.equal(first, "register", `first message to ${target.addr}`);
  }
  assert.ok(firstMessages.size > 0, "the newcomer dialled neither sampled peer");
  // Room was made by closing inbound neighbours only: a full peer's own dials are protected.
  assert.ok(
    evicted.some((ids) => ids.length > 0),
    `no sampled peer had to make room (now ${
      JSON.stringify(full.map((p) => linkCounts(p, net.nowMs)))
    }, t=${net.nowMs}, first=${JSON.stringify([...firstMessages])})`,
  );
  for (const [i, ids] of evicted.entries()) {
    for (const id of ids) {
      assert.ok(!before[i]!.own.includes(id), `p${i} closed its own dial to ${id.slice(0, 8)}`);
    }
  }
  // Once in, it learns the whole network through its neighbour.
  const everyone = [...full, ...others];
  const learnt = net.runUntilTrue(
    () => everyone.every((p) => newcomer.actor.knowsAlive(p.actor.id)),
    net.nowMs + 10_000,
  );
  assert.ok(learnt, "the newcomer did not learn every member");
}

Deno.test("Newcomer lockout: a newcomer whose every sampled peer is full gets in by a forced join (seeds 1-5)", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    try {
      lockoutRun(seed);
    } catch (error) {
      throw new Error(`seed ${seed}: ${(error as Error).message}`, { cause: error });
    }
  }
});
