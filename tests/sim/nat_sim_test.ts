/**
 * Peers behind home routers in the simulator (PROTOCOL.md § Relays): whole
 * networks where most peers cannot be dialled still deliver everything in
 * causal order (the world's checker), with links punched through or relayed
 * by kind of NAT and reservations spread over the relays; and the network's
 * model of a relay, link by link.
 */

import assert from "node:assert/strict";
import { runScenario } from "../../testing/sim/scenarios.ts";
import { SimNetwork } from "../../lib/sim/sim_network.ts";
import type { Actor } from "../../lib/actor/actor.ts";
import type { ConnId, Effect } from "../../lib/actor/effect.ts";
import type { Hello, Message } from "../../lib/wire/message.ts";
import { relayedAddress } from "../../lib/wire/address.ts";

for (const scenario of ["steady", "chaos"]) {
  Deno.test(`sim ${scenario}: 80% of peers behind NATs, every message still delivered; links punched or relayed by NAT kind; reservations spread`, () => {
    for (const seed of [1, 2]) {
      const report = runScenario({ scenario, nodes: 60, seed, nat: { fraction: 0.8 } });
      const nat = report.nat!;
      const where = `seed ${seed}: ${JSON.stringify(nat)}`;
      assert.equal(report.delivery_ratio, 1, where);
      assert.ok(nat.peers.nat + nat.peers.symmetric_nat > 30, where);
      assert.ok(nat.links.punched > 0 && nat.links.relayed > 0, where);
      assert.equal(nat.unreachable_dials, 0, `nobody dials a NAT'd peer's own address; ${where}`);
      // Two choices keep the busiest relay near the mean, not holding every reservation.
      assert.ok(nat.reservations_per_relay.relays > 5, where);
      assert.ok(nat.reservations_per_relay.max <= 3 * nat.reservations_per_relay.mean + 2, where);
    }
  });
}

Deno.test("sim: behind symmetric NATs only, no link is punched; without NAT, every link is direct", () => {
  const symmetric = runScenario({
    scenario: "steady",
    nodes: 30,
    seed: 3,
    nat: { fraction: 1, symmetricShare: 1 },
  });
  assert.equal(symmetric.delivery_ratio, 1);
  assert.equal(symmetric.nat!.links.punched, 0);
  assert.ok(symmetric.nat!.links.relayed > 0);
  assert.equal(symmetric.nat!.reservations_per_relay.relays, 1, "only the bootstrap is public");
  const none = runScenario({ scenario: "steady", nodes: 30, seed: 3, nat: { fraction: 0 } });
  assert.deepEqual(none.nat!.links, { direct: none.nat!.links.direct, punched: 0, relayed: 0 });
  assert.equal(none.nat!.relayed_messages.total, 0);
});

/** An actor that records what happens to it and dials or sends when told. */
class Probe implements Actor {
  readonly events: string[] = [];
  #effects: Effect[] = [];
  #conn = 0;
  constructor(readonly id: string, readonly addr: string) {}
  localHello(): Hello {
    return {
      type: "hello",
      version: 5,
      id: this.id,
      addr: this.addr,
      nick: "p",
      role: "peer",
      incarnation: 0,
    };
  }
  dial(addr: string): ConnId {
    const conn = ++this.#conn;
    this.#effects.push({ type: "dial", conn, addr });
    return conn;
  }
  send(conn: ConnId): void {
    this.#effects.push({ type: "send", conn, message: { type: "ping", nonce: 1 } });
  }
  handleAccepted(remote: Hello): ConnId {
    this.events.push(`accepted ${remote.id}`);
    return 1000 + ++this.#conn;
  }
  handleConnected(conn: ConnId, remote: Hello): void {
    this.events.push(`connected ${conn} ${remote.id}`);
  }
  handleDialFailed(conn: ConnId, reason: string): void {
    this.events.push(`failed ${conn} ${reason}`);
  }
  handleMessage(_conn: ConnId, message: Message): void {
    this.events.push(`message ${message.type}`);
  }
  handleDisconnected(conn: ConnId, reason: string): void {
    this.events.push(`disconnected ${conn} ${reason}`);
  }
  handleTimeout(): void {}
  nextDeadlineMs(): number {
    return Infinity;
  }
  takeEffects(): Effect[] {
    const effects = this.#effects;
    this.#effects = [];
    return effects;
  }
}

Deno.test("SimNetwork: a NAT'd node's own address times out; its relayed address reaches it while it advertises it; a relay's crash cuts what it carried", () => {
  const net = new SimNetwork({ seed: 1 });
  const id = (c: string) => c.repeat(64);
  const relay = net.addNode("10.0.0.1:1", new Probe(id("1"), "10.0.0.1:1"));
  const dialer = net.addNode(
    "10.0.0.2:1",
    new Probe(id("2"), "10.0.0.2:1"),
    undefined,
    "symmetric-nat",
  );
  const relayed = relayedAddress("10.0.0.1:1", id("3"));
  const target = net.addNode("10.0.0.3:1", new Probe(id("3"), relayed), undefined, "nat");
  const act = (node: typeof dialer, step: (p: Probe) => void) =>
    net.act(node, (p) => step(p as unknown as Probe));
  let conn = 0;
  act(dialer, (p) => (conn = p.dial("10.0.0.3:1")));
  net.runUntil(net.nowMs + 10_000);
  assert.deepEqual((dialer.actor as Probe).events, [`failed ${conn} timed out`]);
  // Through the relay: a symmetric NAT at one end keeps the link on the relay.
  act(dialer, (p) => (conn = p.dial(relayed)));
  net.runUntil(net.nowMs + 1_000);
  assert.equal((dialer.actor as Probe).events.at(-1), `connected ${conn} ${id("3")}`);
  assert.equal(net.natStats.links.relayed, 1);
  act(dialer, (p) => p.send(conn));
  net.runUntil(net.nowMs + 1_000);
  assert.deepEqual((target.actor as Probe).events, [`accepted ${id("2")}`, "message ping"]);
  assert.equal(net.natStats.relayedMessages.get("10.0.0.1:1"), 1);
  net.crash(relay.addr);
  net.runUntil(net.nowMs + 1_000);
  assert.equal((dialer.actor as Probe).events.at(-1), `disconnected ${conn} relay closed the link`);
  assert.match((target.actor as Probe).events.at(-1)!, /^disconnected \d+ relay closed the link$/);
  // The relay is gone: its relayed address leads nowhere.
  act(dialer, (p) => (conn = p.dial(relayed)));
  net.runUntil(net.nowMs + 1_000);
  assert.equal((dialer.actor as Probe).events.at(-1), `failed ${conn} connection refused`);
});

Deno.test("SimNetwork: a link between two port-keeping NATs starts on the relay and moves off it a second later; then the relay's crash leaves it up", () => {
  const net = new SimNetwork({ seed: 2 });
  const id = (c: string) => c.repeat(64);
  const relay = net.addNode("10.0.0.1:1", new Probe(id("1"), "10.0.0.1:1"));
  const dialer = net.addNode("10.0.0.2:1", new Probe(id("2"), "10.0.0.2:1"), undefined, "nat");
  const relayed = relayedAddress("10.0.0.1:1", id("3"));
  const target = net.addNode("10.0.0.3:1", new Probe(id("3"), relayed), undefined, "nat");
  const act = (node: typeof dialer, step: (p: Probe) => void) =>
    net.act(node, (p) => step(p as unknown as Probe));
  let conn = 0;
  act(dialer, (p) => (conn = p.dial(relayed)));
  // Up through the relay (two hops), well before a punch could be through.
  net.runUntil(net.nowMs + 500);
  assert.equal((dialer.actor as Probe).events.at(-1), `connected ${conn} ${id("3")}`);
  act(dialer, (p) => p.send(conn));
  net.runUntil(net.nowMs + 200);
  assert.deepEqual((target.actor as Probe).events, [`accepted ${id("2")}`, "message ping"]);
  assert.equal(net.natStats.relayedMessages.get("10.0.0.1:1"), 1, "carried by the relay");
  // Punched through: the relay carries nothing more, and its crash does not cut the link.
  net.runUntil(net.nowMs + 2_000);
  act(dialer, (p) => p.send(conn));
  net.runUntil(net.nowMs + 500);
  assert.equal(net.natStats.relayedMessages.get("10.0.0.1:1"), 1, "not carried by the relay");
  assert.equal(net.natStats.links.punched, 1);
  net.crash(relay.addr);
  net.runUntil(net.nowMs + 1_000);
  act(dialer, (p) => p.send(conn));
  net.runUntil(net.nowMs + 500);
  assert.deepEqual((target.actor as Probe).events.slice(1), [
    "message ping",
    "message ping",
    "message ping",
  ]);
  assert.equal((dialer.actor as Probe).events.at(-1), `connected ${conn} ${id("3")}`);
});
