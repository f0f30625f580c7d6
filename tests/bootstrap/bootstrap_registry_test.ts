import assert from "node:assert/strict";
import { BootstrapRegistry } from "../../lib/bootstrap/bootstrap_registry.ts";
import type { Effect } from "../../lib/actor/effect.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { Hello, Message } from "../../lib/wire/message.ts";

const id = (n: number) => n.toString(16).padStart(64, "0");
const hello = (n: number): Hello => ({
  type: "hello",
  version: 5,
  id: id(n),
  addr: `10.0.0.${n}:9000`,
  nick: `p${n}`,
  role: "peer",
  incarnation: 0,
});
/** Stands for a peer's own signature (the runtime checks real ones). */
const SIG = new Uint8Array(64);
const ofType = <T extends Effect["type"]>(effects: Effect[], type: T) =>
  effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
const sentTo = (effects: Effect[], conn: number): Message[] =>
  ofType(effects, "send").filter((e) => e.conn === conn).map((e) => e.message);

function makeRegistry(
  options: {
    sampleSize?: number;
    registrationTtlMs?: number;
    registryMax?: number;
    registrationsPerHostMax?: number;
  } = {},
) {
  return new BootstrapRegistry({
    id: id(999),
    addr: "10.0.0.254:7411",
    random: seededRandom(7),
    ...options,
  });
}

function register(registry: BootstrapRegistry, n: number, nowMs = 0): Message[] {
  const conn = registry.handleAccepted(hello(n), nowMs);
  registry.handleMessage(conn, { type: "register" }, nowMs);
  const effects = registry.takeEffects();
  const answer = sentTo(effects, conn);
  // The registry dials a new address back; the peer answers as itself.
  for (const dial of ofType(effects, "dial")) registry.handleConnected(dial.conn, hello(n), nowMs);
  // Its own signed record follows the registration, as a peer sends it.
  const { id, addr, incarnation } = hello(n);
  const member = { id, addr, incarnation, status: "alive" as const, signature: SIG };
  registry.handleMessage(conn, { type: "member", member }, nowMs);
  return answer;
}

Deno.test("BootstrapRegistry answers register with up to k other live peers, never the asker", () => {
  const registry = makeRegistry({ sampleSize: 2 });
  assert.deepEqual(register(registry, 1), [{ type: "peers", peers: [] }]);
  for (let n = 2; n <= 10; n++) register(registry, n);
  for (let trial = 0; trial < 20; trial++) {
    const [reply] = register(registry, 5);
    assert.equal(reply?.type, "peers");
    const peers = (reply as Extract<Message, { type: "peers" }>).peers;
    assert.equal(peers.length, 2);
    assert.ok(peers.every((p) => p.id !== id(5) && p.status === "alive"));
    assert.notEqual(peers[0]!.id, peers[1]!.id);
  }
  assert.equal(registry.peers().length, 10);
});

Deno.test("BootstrapRegistry samples a large registry evenly, without the asker, after removals", () => {
  const registry = makeRegistry({ sampleSize: 3 });
  for (let n = 1; n <= 60; n++) register(registry, n);
  // Leaves (swap-removals) must keep the index consistent.
  for (let n = 1; n <= 60; n += 3) {
    const conn = registry.handleAccepted(hello(n), 0);
    registry.handleMessage(conn, {
      type: "member",
      member: { id: id(n), addr: hello(n).addr, incarnation: 0, status: "dead" },
    }, 0);
  }
  registry.takeEffects();
  const left = new Set(Array.from({ length: 20 }, (_, i) => id(1 + 3 * i)));
  const counts = new Map<string, number>();
  for (let trial = 0; trial < 2_000; trial++) {
    const peers = (register(registry, 2)[0] as Extract<Message, { type: "peers" }>).peers;
    assert.equal(new Set(peers.map((p) => p.id)).size, 3);
    for (const p of peers) {
      assert.ok(p.id !== id(2) && !left.has(p.id), `sampled ${p.id.slice(-2)}`);
      counts.set(p.id, (counts.get(p.id) ?? 0) + 1);
    }
  }
  // 39 others, 6 000 picks: about 154 each; a broken pick would starve or flood some.
  assert.equal(counts.size, 39);
  for (const n of counts.values()) assert.ok(n > 90 && n < 230, `count ${n}`);
});

Deno.test("BootstrapRegistry forgets a registration that is not renewed", () => {
  const registry = makeRegistry({ registrationTtlMs: 10_000 });
  register(registry, 1, 0);
  register(registry, 2, 0);
  register(registry, 2, 8_000);
  registry.takeEffects();
  registry.handleTimeout(Math.max(registry.nextDeadlineMs(), 10_000));
  while (registry.nextDeadlineMs() <= 10_500) registry.handleTimeout(registry.nextDeadlineMs());
  assert.deepEqual(registry.peers().map((p) => p.id), [id(2)]);
  assert.deepEqual(ofType(registry.takeEffects(), "peer-down").map((e) => e.id), [id(1)]);
});

Deno.test("BootstrapRegistry checks a peer reported dead before forgetting it", () => {
  const registry = makeRegistry();
  register(registry, 1);
  register(registry, 2);
  const reporter = registry.handleAccepted(hello(3), 0);
  const report = {
    type: "member",
    member: { id: id(1), addr: "10.0.0.1:9000", incarnation: 0, status: "dead" },
  } as const;
  registry.handleMessage(reporter, report, 1);
  let dial = ofType(registry.takeEffects(), "dial")[0]!;
  assert.equal(dial.addr, "10.0.0.1:9000");
  assert.equal(registry.peers().length, 2, "forgot on hearsay");
  // It answers: still alive, kept.
  registry.handleConnected(dial.conn, hello(1), 2);
  assert.equal(registry.peers().length, 2);
  assert.ok(ofType(registry.takeEffects(), "close").some((e) => e.conn === dial.conn));
  // Reported again, and this time unreachable: forgotten.
  registry.handleMessage(reporter, report, 3);
  dial = ofType(registry.takeEffects(), "dial")[0]!;
  registry.handleMessage(reporter, report, 3);
  assert.equal(ofType(registry.takeEffects(), "dial").length, 0, "one check at a time per peer");
  registry.handleDialFailed(dial.conn, "connection refused", 4);
  assert.deepEqual(registry.peers().map((p) => p.id), [id(2)]);
});

Deno.test("BootstrapRegistry drops a peer at once when it says it is leaving", () => {
  const registry = makeRegistry();
  register(registry, 1);
  const conn = registry.handleAccepted(hello(1), 5);
  registry.handleMessage(conn, {
    type: "member",
    member: { id: id(1), addr: "10.0.0.1:9000", incarnation: 0, status: "dead" },
  }, 5);
  assert.equal(registry.peers().length, 0);
  assert.equal(ofType(registry.takeEffects(), "dial").length, 0);
});

Deno.test("BootstrapRegistry stays within registryMax by evicting the registration closest to lapsing", () => {
  const registry = makeRegistry({ registryMax: 3 });
  for (let n = 1; n <= 4; n++) register(registry, n, n);
  assert.deepEqual(registry.peers().map((p) => p.id).sort(), [id(2), id(3), id(4)]);
});

Deno.test("BootstrapRegistry answers ping and closes idle connections", () => {
  const registry = makeRegistry();
  const conn = registry.handleAccepted(hello(1), 0);
  registry.handleMessage(conn, { type: "ping", nonce: 42 }, 0);
  assert.deepEqual(sentTo(registry.takeEffects(), conn), [{ type: "pong", nonce: 42 }]);
  for (let t = 0; t <= 31_000; t += 1_000) {
    if (registry.nextDeadlineMs() <= t) registry.handleTimeout(t);
  }
  assert.ok(
    ofType(registry.takeEffects(), "close").some((e) => e.conn === conn && e.reason === "idle"),
  );
});

Deno.test("BootstrapRegistry registers an address only after dialling it back and meeting the same peer", () => {
  const registry = makeRegistry();
  const conn = registry.handleAccepted(hello(1), 0);
  registry.handleMessage(conn, { type: "register" }, 0);
  let [dial] = ofType(registry.takeEffects(), "dial");
  assert.equal(dial?.addr, hello(1).addr);
  assert.deepEqual(registry.peers(), [], "not before the dial back");
  registry.handleDialFailed(dial!.conn, "connection refused", 1);
  assert.deepEqual(registry.peers(), [], "a made-up address never registers");
  registry.handleMessage(conn, { type: "register" }, 2);
  [dial] = ofType(registry.takeEffects(), "dial");
  registry.handleConnected(dial!.conn, hello(2), 3);
  assert.deepEqual(registry.peers(), [], "another peer answered there");
  registry.handleMessage(conn, { type: "register" }, 4);
  [dial] = ofType(registry.takeEffects(), "dial");
  registry.handleConnected(dial!.conn, hello(1), 5);
  assert.deepEqual(registry.peers().map((p) => p.id), [id(1)]);
});

Deno.test("BootstrapRegistry caps registrations per host (not loopback)", () => {
  const registry = makeRegistry({ registrationsPerHostMax: 2 });
  const at = (n: number, host: string): Hello => ({ ...hello(n), addr: `${host}:${9000 + n}` });
  for (const [host, first] of [["10.9.9.9", 1], ["127.0.0.1", 11]] as const) {
    for (let n = first; n < first + 3; n++) {
      const conn = registry.handleAccepted(at(n, host), 0);
      registry.handleMessage(conn, { type: "register" }, 0);
      for (const dial of ofType(registry.takeEffects(), "dial")) {
        registry.handleConnected(dial.conn, at(n, host), 0);
      }
    }
    registry.takeEffects();
  }
  const hosts = registry.peers().map((p) => p.addr.split(":")[0]);
  assert.equal(hosts.filter((h) => h === "10.9.9.9").length, 2);
  assert.equal(hosts.filter((h) => h === "127.0.0.1").length, 3);
});
