/**
 * Relays and dial-backs over real loopback sockets (PROTOCOL.md § Relays):
 * a peer told it is private reserves at a relaying bootstrap, advertises its
 * relayed address, and others reach it through the relay with their
 * handshake end to end; the relay's limits refuse with a reason; a dial-back
 * makes a dialable peer public.
 */

import assert from "node:assert/strict";
import { type PeerEvent, startBootstrap, startPeer } from "../../lib/runtime/mod.ts";
import type { ReachabilityEvent } from "../../lib/nat/reachability.ts";
import { parseDialAddress } from "../../lib/wire/address.ts";
import { helpersFor } from "../../lib/runtime/nat_traversal.ts";
import { closedPort, waitFor } from "../_helpers/net.ts";

function recorder() {
  const events: PeerEvent[] = [];
  return {
    events,
    onEvent: (event: PeerEvent) => void events.push(event),
    reachability: () => events.filter((e): e is ReachabilityEvent => e.type === "reachability"),
    delivered: () =>
      events.flatMap((e) => (e.type === "deliver" ? [`${e.message.nick}: ${e.message.text}`] : [])),
    logs: () => events.flatMap((e) => (e.type === "log" ? [e.text] : [])),
  };
}

Deno.test("two private peers reach each other only through a relaying bootstrap: relayed addresses, end-to-end handshake, chat both ways", async () => {
  const bootstrap = await startBootstrap({ listen: "127.0.0.1:0", relay: {} });
  const annSeen = recorder();
  const bobSeen = recorder();
  // Each advertises an address where nothing listens, as a peer behind a NAT does: the
  // bootstrap's dial-back fails, and nobody can reach it but through its relay.
  const start = (nick: string, seen: ReturnType<typeof recorder>) =>
    startPeer({
      listen: "127.0.0.1:0",
      advertise: `127.0.0.1:${closedPort()}`,
      // On loopback a punch would only race its own refusals: keep the link on the relay
      // (punching through routers is tested in tests/e2e/nat_test.ts).
      punch: false,
      nick,
      bootstraps: [bootstrap.addr],
      onEvent: seen.onEvent,
    });
  const ann = await start("ann", annSeen);
  const bob = await start("bob", bobSeen);
  try {
    for (const peer of [ann, bob]) {
      await waitFor(
        `${peer.nick} to advertise a relayed address`,
        () => peer.addr.includes("/relay/"),
      );
      const relayed = parseDialAddress(peer.addr);
      assert.equal(relayed.relayFor, peer.id);
      assert.equal(`${relayed.hostname}:${relayed.port}`, bootstrap.addr);
    }
    assert.deepEqual(annSeen.reachability().map((e) => [e.state, e.relay, e.reason]), [
      ["private", undefined, `dial-back by ${bootstrap.addr}; reserving at a relay`],
      ["private", bootstrap.addr, `reserved at relay ${bootstrap.addr}`],
    ]);
    // Each knows the other only by its relayed address: their link runs through the relay.
    await waitFor(
      "bob and ann to be neighbours",
      () =>
        bob.peers().some((p) => p.id === ann.id && p.connected) &&
        ann.peers().some((p) => p.id === bob.id && p.connected),
    );
    assert.equal(bob.peers().find((p) => p.id === ann.id)?.addr, ann.addr);
    assert.equal(bob.peers().find((p) => p.id === ann.id)?.path, "relayed");
    assert.equal(ann.peers().find((p) => p.id === bob.id)?.path, "relayed");
    await ann.send("hello from behind one NAT");
    await bob.send("hello from behind another");
    await waitFor(
      "both to deliver both",
      () =>
        bobSeen.delivered().includes("ann: hello from behind one NAT") &&
        annSeen.delivered().includes("bob: hello from behind another"),
    );
    const stats = bootstrap.relayStats()!;
    assert.equal(stats.reservations, 2);
    assert.ok(stats.links >= 1, `links relayed: ${stats.links}`);
    assert.ok(stats.bytes > 0);
  } finally {
    await bob.stop();
    await ann.stop();
    await bootstrap.stop();
  }
});

Deno.test("a relay that is full says so, and a bootstrap that does not relay says it is not a relay", async () => {
  const full = await startBootstrap({ listen: "127.0.0.1:0", relay: { reservationsMax: 1 } });
  const plain = await startBootstrap({ listen: "127.0.0.1:0" });
  const first = recorder();
  const second = recorder();
  const third = recorder();
  const ann = await startPeer({
    listen: "127.0.0.1:0",
    nick: "ann",
    bootstraps: [full.addr],
    reachability: "private",
    onEvent: first.onEvent,
  });
  const bob = await startPeer({
    listen: "127.0.0.1:0",
    nick: "bob",
    bootstraps: [full.addr],
    reachability: "private",
    onEvent: second.onEvent,
  });
  const cat = await startPeer({
    listen: "127.0.0.1:0",
    nick: "cat",
    bootstraps: [plain.addr],
    reachability: "private",
    onEvent: third.onEvent,
  });
  try {
    // Ann and bob ask at once: one takes the one slot, the other is told why not.
    const refusedFull = (r: ReturnType<typeof recorder>) =>
      r.logs().some((l) => l.includes("relay refused: relay full: 1 reservations"));
    await waitFor(
      "one reservation and one refusal",
      () =>
        (ann.addr.includes("/relay/") && refusedFull(second)) ||
        (bob.addr.includes("/relay/") && refusedFull(first)),
    );
    assert.equal([ann, bob].filter((p) => p.addr.includes("/relay/")).length, 1);
    await waitFor(
      "cat's refusal",
      () => third.logs().some((l) => l.includes("relay refused: not a relay")),
    );
    assert.ok(!cat.addr.includes("/relay/"));
    assert.equal(full.relayStats()?.reservations, 1);
    assert.equal(plain.relayStats(), undefined);
  } finally {
    await cat.stop();
    await bob.stop();
    await ann.stop();
    await plain.stop();
    await full.stop();
  }
});

Deno.test("a peer that can be dialled learns it is public from a bootstrap's dial-back", async () => {
  const bootstrap = await startBootstrap({ listen: "127.0.0.1:0" });
  const seen = recorder();
  const ann = await startPeer({
    listen: "127.0.0.1:0",
    nick: "ann",
    bootstraps: [bootstrap.addr],
    onEvent: seen.onEvent,
  });
  try {
    await waitFor("a reachability verdict", () => seen.reachability().length > 0);
    const [event] = seen.reachability();
    assert.equal(event!.state, "public");
    assert.match(event!.reason, /^dial-back by 127\.0\.0\.1:\d+$/);
    assert.equal(ann.reachability, "public");
    assert.equal(ann.addr, event!.addr);
  } finally {
    await ann.stop();
    await bootstrap.stop();
  }
});

Deno.test("with no bootstrap, peers ask their neighbours for dial-backs: a dialable one learns it is public, one nobody can dial that it is private", async () => {
  const ann = await startPeer({ listen: "127.0.0.1:0", nick: "ann", reachability: "public" });
  const bobSeen = recorder();
  const carolSeen = recorder();
  const bob = await startPeer({
    listen: "127.0.0.1:0",
    nick: "bob",
    joins: [ann.addr],
    onEvent: bobSeen.onEvent,
  });
  const carol = await startPeer({
    listen: "127.0.0.1:0",
    advertise: `127.0.0.1:${closedPort()}`,
    nick: "carol",
    joins: [ann.addr],
    onEvent: carolSeen.onEvent,
  });
  try {
    await waitFor(
      "both to hear from ann's dial-back",
      () => bobSeen.reachability().length >= 2 && carolSeen.reachability().length >= 2,
    );
    assert.deepEqual(bobSeen.reachability().map((e) => [e.state, e.reason]), [
      ["unknown", "no bootstrap to ask for a dial-back: asking neighbours once linked"],
      ["public", `dial-back by ${ann.addr}`],
    ]);
    // Ann or bob (a neighbour too by then) answers first: neither reached carol.
    const verdict = carolSeen.reachability()[1]!;
    assert.equal(verdict.state, "private");
    assert.equal(verdict.addr, carol.addr);
    assert.ok(
      [ann.addr, bob.addr].some((a) =>
        verdict.reason === `dial-back by ${a}; no relay to reserve at`
      ),
      verdict.reason,
    );
  } finally {
    await carol.stop();
    await bob.stop();
    await ann.stop();
  }
});

Deno.test("helpersFor(): bootstraps first, neighbours fill up to three from the second round on (or at once without bootstraps), no address twice", () => {
  const base = {
    id: "a".repeat(64),
    addr: "10.0.0.1:7000",
    port: 7000,
    mode: "auto" as const,
    relays: [],
    advertise: () => {},
    onEvent: () => {},
  };
  const neighbours = () => ["10.0.0.9:7000", "10.0.0.2:7000", "10.0.0.3:7000", "10.0.0.4:7000"];
  const withBootstraps = { ...base, helpers: ["10.0.0.2:7000", "10.0.0.5:7000"], neighbours };
  assert.deepEqual(helpersFor(withBootstraps, 0), ["10.0.0.2:7000", "10.0.0.5:7000"]);
  assert.deepEqual(helpersFor(withBootstraps, 1), [
    "10.0.0.2:7000",
    "10.0.0.5:7000",
    "10.0.0.9:7000",
  ]);
  assert.deepEqual(helpersFor({ ...base, helpers: [], neighbours }, 0), neighbours().slice(0, 3));
  assert.deepEqual(helpersFor({ ...base, helpers: [] }, 3), []);
});

/** Forwards every connection to `port` on 127.0.0.1 to `target`, until closed. */
function forward(port: number, target: number): { close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const conns: Deno.Conn[] = [];
  (async () => {
    try {
      for await (const conn of listener) {
        const out = await Deno.connect({ hostname: "127.0.0.1", port: target });
        conns.push(conn, out);
        conn.readable.pipeTo(out.writable).catch(() => {});
        out.readable.pipeTo(conn.writable).catch(() => {});
      }
    } catch {
      // Closed.
    }
  })();
  return {
    close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // Closed by the other side.
        }
      }
    },
  };
}

Deno.test("asked again (the network changed), a private peer that became dialable lets its reservation go and advertises its own address; unreachable again, it reserves again", async () => {
  // A dial-back may come again at once here (the default is one per address per 30 s).
  const bootstrap = await startBootstrap({
    listen: "127.0.0.1:0",
    relay: { dialBackIntervalMs: 0 },
  });
  const seen = recorder();
  const listenPort = closedPort();
  const advertised = closedPort();
  const ann = await startPeer({
    listen: `127.0.0.1:${listenPort}`,
    advertise: `127.0.0.1:${advertised}`,
    nick: "ann",
    bootstraps: [bootstrap.addr],
    onEvent: seen.onEvent,
  });
  let router: { close(): void } | undefined;
  try {
    await waitFor("a reservation", () => ann.addr.includes("/relay/"));
    assert.equal(ann.reachability, "private");
    // Its router now forwards the advertised port: others can dial it.
    router = forward(advertised, listenPort);
    ann.recheckReachability("test: port forwarded");
    await waitFor("ann to be public", () => ann.reachability === "public");
    await waitFor("ann to advertise its own address", () => ann.addr === `127.0.0.1:${advertised}`);
    await waitFor(
      "the relay to let the reservation go",
      () => bootstrap.relayStats()!.reservations === 0,
    );
    assert.deepEqual(seen.reachability().at(-1), {
      type: "reachability",
      state: "public",
      addr: `127.0.0.1:${advertised}`,
      reason: `dial-back by ${bootstrap.addr}`,
    });
    // The forwarding goes away: private again, and relayed again.
    router.close();
    router = undefined;
    ann.recheckReachability("test: forwarding gone");
    await waitFor("ann to reserve again", () => ann.addr.includes("/relay/"));
    assert.equal(ann.reachability, "private");
    assert.equal(bootstrap.relayStats()!.reservations, 1);
  } finally {
    router?.close();
    await ann.stop();
    await bootstrap.stop();
  }
});

Deno.test("a peer others see at another host than it advertises reserves at a relay before its dial-back answers; the verdict keeps the one reservation", async () => {
  const bootstrap = await startBootstrap({ listen: "127.0.0.1:0", relay: {} });
  // Something else answers at the advertised port: the dial-back's verdict takes its
  // 1 s wait for a probe that never comes — the time a slow verdict takes.
  const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const otherPort = (other.addr as Deno.NetAddr).port;
  (async () => {
    for await (const conn of other) conn.close();
  })().catch(() => {});
  const seen = recorder();
  // It advertises 127.0.0.2 (its "LAN" host); the bootstrap sees it come from 127.0.0.1.
  const ann = await startPeer({
    listen: "127.0.0.1:0",
    advertise: `127.0.0.2:${otherPort}`,
    nick: "ann",
    bootstraps: [bootstrap.addr],
    onEvent: seen.onEvent,
  });
  try {
    await waitFor("the dial-back's verdict", () => ann.reachability === "private");
    const events = seen.reachability();
    assert.deepEqual(events.slice(0, 2).map((e) => [e.state, e.relay, e.reason]), [
      [
        "unknown",
        undefined,
        "others see it at 127.0.0.1, not at 127.0.0.2: reserving at a relay while a dial-back checks",
      ],
      ["unknown", bootstrap.addr, `reserved at relay ${bootstrap.addr}`],
    ]);
    assert.deepEqual(events.slice(2), [{
      type: "reachability",
      state: "private",
      addr: ann.addr,
      relay: bootstrap.addr,
      reason: `dial-back by ${bootstrap.addr}`,
    }]);
    assert.ok(ann.addr.includes("/relay/"));
    assert.equal(bootstrap.relayStats()!.reservations, 1);
  } finally {
    other.close();
    await ann.stop();
    await bootstrap.stop();
  }
});
