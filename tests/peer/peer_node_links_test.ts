import assert from "node:assert/strict";
import type { Effect } from "../../lib/actor/effect.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import type { PeerNodeOptions } from "../../lib/peer/peer_node_options.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { Hello, MemberInfo, Message } from "../../lib/wire/message.ts";

const SELF = "5".repeat(64);
const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const D = "d".repeat(64);

function hello(id: string, addr: string): Hello {
  return {
    type: "hello",
    version: 5,
    id,
    addr,
    nick: id.slice(0, 3),
    role: "peer",
    incarnation: 0,
  };
}

function makeNode(options: Partial<PeerNodeOptions> = {}): PeerNode {
  return new PeerNode({
    id: SELF,
    addr: "10.0.0.5:9000",
    nick: "me",
    random: seededRandom(1),
    ...options,
  });
}

const ofType = <T extends Effect["type"]>(effects: Effect[], type: T) =>
  effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);
const sentTo = (effects: Effect[], conn: number): Message[] =>
  ofType(effects, "send").filter((e) => e.conn === conn).map((e) => e.message);

/** Connects `node` to peer `id` through an inbound connection from `host` that sends `first`. */
function acceptPeer(
  node: PeerNode,
  id: string,
  first: Message,
  nowMs: number,
  host = `10.1.${id.charCodeAt(0)}.1`,
): number {
  const conn = node.handleAccepted(hello(id, `${host}:9000`), nowMs, host);
  node.handleMessage(conn, first, nowMs);
  return conn;
}

/** A neighbour shows it works: a `have` (honest peers send one as soon as they take a link). */
function active(node: PeerNode, conn: number, nowMs: number): void {
  node.handleMessage(conn, { type: "have", full: true, clock: new Map() }, nowMs);
}

/** Timers far apart, so that a test sees one mechanism at a time. */
const QUIET = {
  probeIntervalMs: 1_000_000,
  probeTimeoutMs: 999_999,
  syncIntervalMs: 1_000_000,
  mixIntervalMs: 1_000_000,
  gossipIntervalMs: 1_000_000,
  heartbeatIntervalMs: 400_000,
  heartbeatTimeoutMs: 999_000,
} as const;

const REGISTER: Message = { type: "register" };
const GET_PEERS: Message = { type: "get-peers" };

Deno.test("PeerNode: a full peer turns away get-peers; a register displaces an idle inbound neighbour, never an active one within the protected slots", () => {
  // Target 2, maximum 3: one slot is kept for our own dials, so two inbound at most.
  const node = makeNode({ connectionsTarget: 2, connectionsMax: 3 });
  node.start(0);
  const a = acceptPeer(node, A, GET_PEERS, 0);
  acceptPeer(node, B, GET_PEERS, 0);
  node.takeEffects();
  const refused = acceptPeer(node, C, GET_PEERS, 500);
  let effects = node.takeEffects();
  assert.ok(
    sentTo(effects, refused).some((m) => m.type === "peers"),
    "the refused get a peer list",
  );
  assert.deepEqual(sentTo(effects, refused).at(-1), { type: "bye", reason: "full" });
  assert.deepEqual(node.neighbourIds().sort(), [A, B]);

  // A works, B is a black hole: C's register displaces B.
  active(node, a, 1_000);
  const c = acceptPeer(node, C, REGISTER, 2_000);
  effects = node.takeEffects();
  assert.ok(sentTo(effects, c).some((m) => m.type === "have" && m.full), "no welcome sync");
  assert.deepEqual(ofType(effects, "close").map((e) => e.reason), ["rebalance"]);
  assert.deepEqual(node.neighbourIds().sort(), [A, C]);

  // Both work now: they hold the two protected slots, and D is turned away.
  active(node, a, 3_000);
  active(node, c, 3_000);
  const d = acceptPeer(node, D, REGISTER, 4_000);
  assert.deepEqual(sentTo(node.takeEffects(), d).at(-1), { type: "bye", reason: "full" });
  assert.deepEqual(node.neighbourIds().sort(), [A, C]);

  // Silent for usefulLinkWindowMs (60 s), they no longer are protected.
  acceptPeer(node, D, REGISTER, 64_000);
  assert.equal(node.neighbourIds().length, 2);
  assert.ok(node.neighbourIds().includes(D));
});

Deno.test("PeerNode: activity protects at most connectionsTarget links with the outbound ones, oldest first", () => {
  // Target 2, maximum 4 (two slots kept for dials): three active inbound, the youngest unprotected.
  const node = makeNode({ connectionsTarget: 2, connectionsMax: 4, outboundLinksMin: 1 });
  node.start(0);
  const conns = [A, B, C].map((id, i) => acceptPeer(node, id, GET_PEERS, i));
  for (const conn of conns) active(node, conn, 10);
  node.takeEffects();
  acceptPeer(node, D, REGISTER, 20);
  assert.deepEqual(node.neighbourIds().sort(), [A, B, D], "C, the youngest, makes room");
});

Deno.test("PeerNode: one identity forces at most forcedJoinsPerMinuteMax joins a minute; past it a register is an ordinary join", () => {
  const node = makeNode({ connectionsTarget: 1, connectionsMax: 1, forcedJoinsPerMinuteMax: 2 });
  node.start(0);
  acceptPeer(node, A, REGISTER, 0); // Room: not a forced join.
  acceptPeer(node, B, REGISTER, 1_000);
  assert.deepEqual(node.neighbourIds(), [B]);
  acceptPeer(node, A, REGISTER, 2_000);
  assert.deepEqual(node.neighbourIds(), [A]);
  acceptPeer(node, B, REGISTER, 3_000);
  assert.deepEqual(node.neighbourIds(), [B]);
  node.takeEffects();
  const third = acceptPeer(node, B, REGISTER, 4_000);
  assert.equal(node.neighbourIds().length, 1);
  acceptPeer(node, A, REGISTER, 5_000);
  assert.deepEqual(node.neighbourIds(), [A]);
  node.takeEffects();
  const refused = acceptPeer(node, B, REGISTER, 6_000);
  assert.deepEqual(sentTo(node.takeEffects(), refused).at(-1), { type: "bye", reason: "full" });
  assert.deepEqual(node.neighbourIds(), [A], "B's third forced join within a minute is refused");
  void third;
  // A minute after its first, B may force again.
  acceptPeer(node, B, REGISTER, 61_000);
  assert.deepEqual(node.neighbourIds(), [B]);
});

Deno.test("PeerNode: one source host forces at most forcedJoinsPerHostPerMinuteMax joins a minute, whatever the identities", () => {
  const node = makeNode({
    connectionsTarget: 1,
    connectionsMax: 1,
    forcedJoinsPerHostPerMinuteMax: 3,
  });
  node.start(0);
  acceptPeer(node, A, REGISTER, 0, "10.7.7.7");
  const ids = ["e", "f", "1", "2"].map((c) => c.repeat(64));
  for (const [i, id] of ids.slice(0, 3).entries()) {
    acceptPeer(node, id, REGISTER, 1_000 + i, "10.9.9.9");
    assert.deepEqual(node.neighbourIds(), [id]);
  }
  node.takeEffects();
  const fourth = acceptPeer(node, ids[3]!, REGISTER, 2_000, "10.9.9.9");
  assert.deepEqual(sentTo(node.takeEffects(), fourth).at(-1), { type: "bye", reason: "full" });
  assert.deepEqual(node.neighbourIds(), [ids[2]], "a fourth identity from that host is refused");
  // Another host may still force a join; that host again a minute later.
  acceptPeer(node, B, REGISTER, 3_000, "10.8.8.8");
  assert.deepEqual(node.neighbourIds(), [B]);
  acceptPeer(node, ids[3]!, REGISTER, 61_001, "10.9.9.9");
  assert.deepEqual(node.neighbourIds(), [ids[3]]);
});

Deno.test("PeerNode keeps outboundLinksMin slots for its own dials: inbound links cannot fill the view, and it dials out with register first", () => {
  // Defaults: target 8, maximum 12, outboundLinksMin 4.
  const node = makeNode({ gossipIntervalMs: 1_000 });
  node.start(0);
  const ids = ["1", "2", "3", "4", "6", "7", "8", "9", "0"].map((c) => c.repeat(64));
  const conns = ids.map((id) => acceptPeer(node, id, GET_PEERS, 0));
  let effects = node.takeEffects();
  assert.deepEqual(sentTo(effects, conns[8]!).at(-1), { type: "bye", reason: "full" });
  assert.equal(node.neighbourIds().length, 8, "8 inbound at most: 4 slots kept");

  // Members it could dial: it dials 4 of them though it has reached its target.
  // Signed records (the runtime checked the signatures) in answer to our register.
  const others: MemberInfo[] = ["a", "b", "c", "d", "e", "f"].map((c, i) => ({
    id: c.repeat(64),
    addr: `10.2.0.${i}:9000`,
    incarnation: 0,
    status: "alive",
    signature: new Uint8Array(64),
  }));
  node.handleMessage(conns[0]!, { type: "peers", peers: others }, 10);
  node.handleTimeout(1_100);
  effects = node.takeEffects();
  const dials = ofType(effects, "dial").filter((d) => d.addr.startsWith("10.2."));
  // Four for its own slots, one proof dial (a member only read in a list) and one quiet
  // check of a member it is not linked to.
  assert.equal(dials.length, 6);

  // The first message on a dial decides whether we get in: the join request goes before the welcome.
  const dial = dials[0]!;
  const remote = others.find((m) => m.addr === dial.addr)!;
  node.handleConnected(dial.conn, hello(remote.id, remote.addr), 1_200);
  const sent = sentTo(node.takeEffects(), dial.conn);
  assert.deepEqual(sent[0], { type: "register" }, "short of own links: a forced join");
  assert.ok(sent.slice(1).some((m) => m.type === "have"), "then the welcome");
});

Deno.test("PeerNode: a dial it made that stays silent stops counting after newLinkGraceMs; the next dial into a full view displaces an idle inbound neighbour", () => {
  // Target 2, maximum 3, one slot kept for our own dials.
  const node = makeNode({ connectionsTarget: 2, connectionsMax: 3, outboundLinksMin: 1, ...QUIET });
  node.start(0);
  const member = (id: string, addr: string): MemberInfo => ({
    id,
    addr,
    incarnation: 0,
    status: "alive",
    signature: new Uint8Array(64),
  });
  const a = acceptPeer(node, A, GET_PEERS, 0);
  node.handleMessage(a, { type: "peers", peers: [member(D, "10.4.0.1:9000")] }, 0);
  const black = ofType(node.takeEffects(), "dial").find((d) => d.addr === "10.4.0.1:9000")!;
  node.handleConnected(black.conn, hello(D, "10.4.0.1:9000"), 1);
  acceptPeer(node, B, GET_PEERS, 2);
  assert.equal(node.neighbourIds().length, 3, "full: D (ours) and two inbound");
  node.takeEffects();

  // D never sends a have: after 5 s it no longer counts, so the peer dials C.
  node.handleMessage(a, { type: "peers", peers: [member(C, "10.3.0.1:9000")] }, 6_000);
  const dial = ofType(node.takeEffects(), "dial").find((d) => d.addr === "10.3.0.1:9000");
  assert.ok(dial !== undefined, "no dial to replace the silent link");
  node.handleConnected(dial.conn, hello(C, "10.3.0.1:9000"), 6_001);
  const effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "close").map((e) => e.reason), ["rebalance"]);
  assert.ok(node.neighbourIds().includes(C) && node.neighbourIds().includes(D));
  assert.equal(node.neighbourIds().length, 3);
});

Deno.test("PeerNode: offences cost score; past penaltyThreshold the peer is disconnected, refused and not dialled until misbehaviourBackoffMs ends", () => {
  const node = makeNode({ gossipIntervalMs: 1_000 });
  node.start(0);
  const a = acceptPeer(node, A, GET_PEERS, 0);
  node.takeEffects();
  node.handleOffence(a, "forgery", 10);
  assert.equal(node.penalty(A, 10), 250);
  assert.equal(ofType(node.takeEffects(), "close").length, 0, "below the threshold it stays");
  // The penalty halves in penaltyHalfLifeMs (60 s).
  assert.equal(Math.round(node.penalty(A, 60_010)), 125);
  node.handleOffence(a, "flood", 60_010);
  node.handleOffence(a, "protocol-error", 60_010);
  const effects = node.takeEffects();
  assert.deepEqual(sentTo(effects, a).at(-1), { type: "bye", reason: "backed off" });
  assert.ok(ofType(effects, "close").some((e) => e.conn === a));
  assert.ok(node.isBackedOff(A, 60_010));
  assert.deepEqual(node.neighbourIds(), []);

  // It comes back: turned away at once; and it is not dialled as a neighbour though known
  // alive (a quiet liveness check may dial it, and lets go after the hello).
  const again = node.handleAccepted(hello(A, "10.1.97.1:9000"), 61_000, "10.1.97.1");
  assert.deepEqual(sentTo(node.takeEffects(), again), [{ type: "bye", reason: "backed off" }]);
  node.handleTimeout(62_000);
  for (const dial of ofType(node.takeEffects(), "dial")) {
    if (!dial.addr.startsWith("10.1.97")) continue;
    node.handleConnected(dial.conn, hello(A, dial.addr), 62_001);
    const closes = ofType(node.takeEffects(), "close");
    assert.ok(closes.some((e) => e.conn === dial.conn && e.reason === "verified alive"));
  }
  assert.deepEqual(node.neighbourIds(), []);

  // After 5 minutes it is let in again.
  assert.ok(!node.isBackedOff(A, 360_010));
  acceptPeer(node, A, GET_PEERS, 360_010);
  assert.deepEqual(node.neighbourIds(), [A]);
});

Deno.test("PeerNode: a neighbour that announces messages and sends nothing when asked breaks its promise", () => {
  const node = makeNode({ ...QUIET, gossipIntervalMs: 1_000 });
  node.start(0);
  const a = acceptPeer(node, A, GET_PEERS, 0);
  const b = acceptPeer(node, B, GET_PEERS, 0);
  const author = "9".repeat(64);
  const announce = (conn: number, t: number) =>
    node.handleMessage(conn, { type: "have", full: false, clock: new Map([[author, 3]]) }, t);
  announce(a, 100);
  for (let t = 200; t <= 12_000; t += 100) node.handleTimeout(t);
  const wants = ofType(node.takeEffects(), "send").filter((e) =>
    e.conn === a && e.message.type === "want"
  );
  assert.ok(wants.length >= 1, "no want sent");
  assert.ok(node.penalty(A, 12_000) > 90, "silent past promiseTimeoutMs (5 s)");

  // A neighbour that answers (a chat or a skip) keeps its score.
  announce(b, 12_000);
  for (let t = 12_100; t <= 13_000; t += 100) node.handleTimeout(t);
  node.handleMessage(b, { type: "skip", clock: new Map([[author, 3]]) }, 13_000);
  for (let t = 13_100; t <= 25_000; t += 100) node.handleTimeout(t);
  assert.equal(node.penalty(B, 25_000), 0);
});

Deno.test("PeerNode: a neighbour that keeps announcing what it never sends is backed off", () => {
  const node = makeNode({ ...QUIET, gossipIntervalMs: 1_000 });
  node.start(0);
  const a = acceptPeer(node, A, GET_PEERS, 0);
  const author = "9".repeat(64);
  // A new announcement every second: each draws a want once the graft timeout passes.
  for (let t = 100; t <= 12_000; t += 100) {
    if (t % 1_000 === 100) {
      node.handleMessage(a, {
        type: "have",
        full: false,
        clock: new Map([[author, 3 + t / 1_000]]),
      }, t);
    }
    node.handleTimeout(t);
  }
  const effects = node.takeEffects();
  const wants = ofType(effects, "send").filter((e) => e.conn === a && e.message.type === "want");
  assert.ok(wants.length >= 10, `${wants.length} wants`);
  assert.ok(node.isBackedOff(A, 12_000), `penalty ${node.penalty(A, 12_000)}`);
  assert.deepEqual(sentTo(effects, a).at(-1), { type: "bye", reason: "backed off" });
});

Deno.test("PeerNode: asking a neighbour again for what it was asked before is not a new promise (it may not serve a message twice within a while)", () => {
  const node = makeNode({ ...QUIET, gossipIntervalMs: 1_000 });
  node.start(0);
  const a = acceptPeer(node, A, GET_PEERS, 0);
  const author = "9".repeat(64);
  for (let t = 100; t <= 12_000; t += 100) {
    if (t % 1_000 === 100) {
      node.handleMessage(a, { type: "have", full: true, clock: new Map([[author, 3]]) }, t);
    }
    node.handleTimeout(t);
  }
  const wants = ofType(node.takeEffects(), "send").filter((e) =>
    e.conn === a && e.message.type === "want"
  );
  assert.ok(wants.length >= 10, `${wants.length} wants`);
  assert.ok(!node.isBackedOff(A, 12_000));
  assert.ok(node.penalty(A, 12_000) <= 100, `penalty ${node.penalty(A, 12_000)}`);
});
