import assert from "node:assert/strict";
import type { Effect } from "../../lib/actor/effect.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import type { PeerNodeOptions } from "../../lib/peer/peer_node_options.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { ChatMessage, Hello, Message } from "../../lib/wire/message.ts";

/** Stands for the member's own signature (the runtime checks real ones before the actor). */
const SIG = new Uint8Array(64);

const SELF = "5".repeat(64);
const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);
const BOOT = "10.0.0.1:7411";

function hello(
  id: string,
  addr: string,
  role: "peer" | "bootstrap" = "peer",
  incarnation = 0,
): Hello {
  return { type: "hello", version: 5, id, addr, nick: id.slice(0, 3), role, incarnation };
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

/** Connects `node` to peer `id` through an inbound connection that sends `first`. */
function acceptPeer(
  node: PeerNode,
  id: string,
  addr: string,
  first: Message = { type: "get-peers" },
  nowMs = 0,
): number {
  const conn = node.handleAccepted(hello(id, addr), nowMs);
  node.handleMessage(conn, first, nowMs);
  return conn;
}

function chat(
  author: string,
  seq: number,
  clock: Record<string, number>,
  text = `m${seq}`,
): ChatMessage {
  return {
    author,
    seq,
    clock: new Map(Object.entries(clock)),
    nick: "x",
    text,
    ts: 0,
    signature: new Uint8Array(0),
  };
}

Deno.test("PeerNode.start() registers with each bootstrap and dials the peers it is given", () => {
  const node = makeNode({ bootstraps: [BOOT] });
  node.start(0);
  const [dial] = ofType(node.takeEffects(), "dial");
  assert.equal(dial?.addr, BOOT);
  node.handleConnected(dial!.conn, hello(C, BOOT, "bootstrap"), 1);
  assert.deepEqual(sentTo(node.takeEffects(), dial!.conn), [
    { type: "register" },
    {
      type: "member",
      member: { id: SELF, addr: "10.0.0.5:9000", incarnation: 0, status: "alive", nick: "me" },
    },
  ], "a registration comes with the peer's own record");
  node.handleMessage(dial!.conn, {
    type: "peers",
    peers: [
      { id: A, addr: "10.0.0.2:9000", incarnation: 0, status: "alive", signature: SIG },
      { id: B, addr: "10.0.0.3:9000", incarnation: 2, status: "alive", signature: SIG },
    ],
  }, 2);
  const effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "peer-up").map((e) => e.id).sort(), [A, B]);
  assert.deepEqual(ofType(effects, "dial").map((e) => e.addr).sort(), [
    "10.0.0.2:9000",
    "10.0.0.3:9000",
  ]);
  assert.ok(
    ofType(effects, "close").some((e) => e.conn === dial!.conn),
    "bootstrap link left open",
  );
});

Deno.test("PeerNode keeps one connection when two peers dial each other: the one the smaller id dialed", () => {
  // SELF (5…) < B (b…): our outbound connection wins at both ends.
  const node = makeNode();
  node.start(0);
  node.handleMessage(acceptPeer(node, A, "10.0.0.2:9000"), {
    type: "peers",
    peers: [{ id: B, addr: "10.0.0.3:9000", incarnation: 0, status: "alive", signature: SIG }],
  }, 0);
  const dial = ofType(node.takeEffects(), "dial").find((e) => e.addr === "10.0.0.3:9000")!;
  const inbound = acceptPeer(node, B, "10.0.0.3:9000");
  node.handleConnected(dial.conn, hello(B, "10.0.0.3:9000"), 1);
  const effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "close").map((e) => [e.conn, e.reason]), [[
    inbound,
    "duplicate",
  ]]);
  assert.equal(node.neighbourIds().filter((id) => id === B).length, 1);
});

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

Deno.test("PeerNode pings a quiet connection, then suspects a silent peer and declares it dead unless it refutes", () => {
  const node = makeNode({
    ...QUIET,
    bootstraps: [BOOT],
    heartbeatIntervalMs: 1_000,
    heartbeatTimeoutMs: 3_000,
    suspicionTimeoutMs: 4_000,
    probeIntervalMs: 500,
    probeTimeoutMs: 400,
  });
  node.start(0);
  const bootstrapDial = ofType(node.takeEffects(), "dial")[0]!;
  const conn = acceptPeer(node, A, "10.0.0.2:9000");
  const b = acceptPeer(node, B, "10.0.0.3:9000");
  node.takeEffects();
  // B answers everything; A falls silent.
  const step = (t: number) => {
    node.handleMessage(b, { type: "pong", nonce: 0 }, t);
    node.handleTimeout(t);
    return node.takeEffects();
  };
  let effects = step(1_000);
  assert.ok(sentTo(effects, conn).some((m) => m.type === "ping"), "no ping on a quiet connection");
  for (let t = 1_100; t < 3_000; t += 100) effects.push(...step(t));
  effects.push(...step(3_000));
  assert.ok(
    ofType(effects, "close").some((e) => e.conn === conn && e.reason === "heartbeat timeout"),
  );
  const suspicion = ofType(effects, "send").find((e) =>
    e.message.type === "member" && e.message.member.id === A &&
    e.message.member.status === "suspect"
  );
  assert.ok(suspicion !== undefined, "the suspicion is not spread");
  assert.equal(ofType(effects, "peer-down").length, 0, "suspicion alone must not declare death");
  effects = [];
  for (let t = 3_100; t <= 8_000; t += 100) effects.push(...step(t));
  assert.deepEqual(ofType(effects, "peer-down").map((e) => e.id), [A]);
  assert.ok(
    ofType(effects, "send").some((e) =>
      e.message.type === "member" && e.message.member.id === A && e.message.member.status === "dead"
    ),
    "the death is not spread",
  );
  // The registration dial is still pending: the report waits in its outbox.
  node.handleConnected(bootstrapDial.conn, hello(C, BOOT, "bootstrap"), 8_100);
  const toBootstrap = sentTo(node.takeEffects(), bootstrapDial.conn);
  assert.deepEqual(
    toBootstrap.map((m) => m.type),
    ["register", "member", "member"],
    "death not reported to the bootstrap (after the registration and our own record)",
  );
  assert.ok(!node.peers().some((p) => p.id === A));
});

Deno.test("PeerNode: a suspect that refutes in time stays alive", () => {
  const node = makeNode({
    ...QUIET,
    suspicionTimeoutMs: 4_000,
    probeIntervalMs: 500,
    probeTimeoutMs: 400,
  });
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.handleMessage(a, {
    type: "member",
    member: { id: C, addr: "10.0.0.4:9000", incarnation: 2, status: "alive", signature: SIG },
  }, 0);
  node.handleMessage(a, {
    type: "member",
    member: { id: C, addr: "10.0.0.4:9000", incarnation: 2, status: "suspect" },
  }, 10);
  node.handleMessage(a, {
    type: "member",
    member: { id: C, addr: "10.0.0.4:9000", incarnation: 3, status: "alive", signature: SIG },
  }, 2_000);
  for (let t = 0; t <= 10_000; t += 250) {
    node.handleMessage(a, { type: "pong", nonce: 0 }, t);
    node.handleTimeout(t);
  }
  assert.equal(ofType(node.takeEffects(), "peer-down").length, 0);
  assert.ok(node.peers().some((p) => p.id === C));
});

Deno.test("PeerNode asks other neighbours to probe a target that does not answer, and an indirect answer clears it", () => {
  const node = makeNode({
    ...QUIET,
    probeIntervalMs: 1_000,
    probeTimeoutMs: 300,
    indirectProbes: 2,
  });
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  const b = acceptPeer(node, B, "10.0.0.3:9000");
  const c = acceptPeer(node, C, "10.0.0.4:9000");
  node.takeEffects();
  // Run until a probe goes out, then look at who it targets.
  let ping: { conn: number; nonce: number } | undefined;
  let t = 0;
  for (; ping === undefined && t < 5_000; t += 10) {
    node.handleTimeout(t);
    const sent = ofType(node.takeEffects(), "send").find((e) => e.message.type === "ping");
    if (sent !== undefined && sent.message.type === "ping") {
      ping = { conn: sent.conn, nonce: sent.message.nonce };
    }
  }
  assert.ok(ping !== undefined, "no probe was sent");
  const ids = new Map([[a, A], [b, B], [c, C]]);
  const target = ids.get(ping.conn)!;
  node.handleTimeout(t + 300);
  const requests = ofType(node.takeEffects(), "send").filter((e) => e.message.type === "probe");
  assert.equal(requests.length, 2, "two indirect probes");
  assert.ok(
    requests.every((e) =>
      e.conn !== ping!.conn && e.message.type === "probe" && e.message.target === target
    ),
  );
  node.handleMessage(requests[0]!.conn, { type: "probe-ack", target, nonce: ping.nonce }, t + 400);
  node.handleTimeout(t + 1_000);
  const effects = node.takeEffects();
  assert.ok(
    !ofType(effects, "send").some((e) =>
      e.message.type === "member" && e.message.member.status === "suspect"
    ),
    "suspected despite the indirect answer",
  );
});

Deno.test("PeerNode probes a target for a neighbour that asks, and relays the answer", () => {
  const node = makeNode(QUIET);
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  const b = acceptPeer(node, B, "10.0.0.3:9000");
  node.takeEffects();
  node.handleMessage(a, { type: "probe", target: B, nonce: 77 }, 1);
  const ping = sentTo(node.takeEffects(), b).find((m) => m.type === "ping");
  assert.ok(ping !== undefined && ping.type === "ping");
  node.handleMessage(b, { type: "pong", nonce: ping.nonce }, 2);
  assert.deepEqual(sentTo(node.takeEffects(), a), [{ type: "probe-ack", target: B, nonce: 77 }]);
});

Deno.test("PeerNode: a dropped connection is verified by dialing; refused means dead at once", () => {
  const node = makeNode(QUIET);
  node.start(0);
  const conn = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.handleDisconnected(conn, "connection reset", 10);
  const probe = ofType(node.takeEffects(), "dial").find((e) => e.addr === "10.0.0.2:9000")!;
  node.handleDialFailed(probe.conn, "connection refused", 20);
  assert.deepEqual(ofType(node.takeEffects(), "peer-down").map((e) => e.id), [A]);
});

Deno.test("PeerNode: a verification dial that times out only suspects", () => {
  const node = makeNode(QUIET);
  node.start(0);
  const conn = acceptPeer(node, A, "10.0.0.2:9000");
  acceptPeer(node, B, "10.0.0.3:9000");
  node.takeEffects();
  node.handleDisconnected(conn, "connection reset", 10);
  const probe = ofType(node.takeEffects(), "dial").find((e) => e.addr === "10.0.0.2:9000")!;
  node.handleDialFailed(probe.conn, "connect timed out after 5000 ms", 5_010);
  const effects = node.takeEffects();
  assert.equal(ofType(effects, "peer-down").length, 0);
  assert.ok(
    ofType(effects, "send").some((e) =>
      e.message.type === "member" && e.message.member.status === "suspect"
    ),
  );
});

Deno.test("PeerNode: a probe that reaches the suspect clears it", () => {
  const node = makeNode();
  node.start(0);
  const conn = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.handleDisconnected(conn, "connection reset", 10);
  const probe = ofType(node.takeEffects(), "dial")[0]!;
  node.handleConnected(probe.conn, hello(A, "10.0.0.2:9000"), 20);
  const effects = node.takeEffects();
  assert.equal(ofType(effects, "peer-down").length, 0);
  assert.ok(node.peers().some((p) => p.id === A && p.connected));
});

Deno.test("PeerNode refutes a rumor of its own death with a higher incarnation", () => {
  const node = makeNode();
  node.start(0);
  const conn = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.handleMessage(conn, {
    type: "member",
    member: { id: SELF, addr: "x:1", incarnation: 0, status: "dead" },
  }, 5);
  const rumor = ofType(node.takeEffects(), "send").find((e) => e.message.type === "member");
  assert.deepEqual(rumor?.message, {
    type: "member",
    member: { id: SELF, addr: "10.0.0.5:9000", incarnation: 1, status: "alive", nick: "me" },
  });
  assert.equal(node.localHello().incarnation, 1);
});

Deno.test("PeerNode ignores an unsigned rumor about itself at an incarnation it never had", () => {
  const node = makeNode();
  node.start(0);
  const conn = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.handleMessage(conn, {
    type: "member",
    member: { id: SELF, addr: "x:1", incarnation: Number.MAX_SAFE_INTEGER, status: "dead" },
  }, 5);
  assert.deepEqual(ofType(node.takeEffects(), "send"), [], "a lie is not news");
  assert.equal(node.localHello().incarnation, 0, "nobody else can raise our incarnation");
  // Its own signed record from an earlier life is another matter: move past it.
  node.handleMessage(conn, {
    type: "member",
    member: { id: SELF, addr: "10.0.0.5:9000", incarnation: 7, status: "alive", signature: SIG },
  }, 6);
  assert.equal(node.localHello().incarnation, 8);
});

Deno.test("PeerNode forwards a changed rumor to other neighbours, once", () => {
  const node = makeNode();
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  const b = acceptPeer(node, B, "10.0.0.3:9000");
  node.takeEffects();
  const rumor: Message = {
    type: "member",
    member: { id: C, addr: "10.0.0.4:9000", incarnation: 0, status: "alive", signature: SIG },
  };
  node.handleMessage(a, rumor, 1);
  let effects = node.takeEffects();
  assert.deepEqual(sentTo(effects, b), [rumor]);
  assert.deepEqual(sentTo(effects, a), []);
  node.handleMessage(b, rumor, 2);
  effects = node.takeEffects();
  assert.equal(ofType(effects, "send").filter((e) => e.message.type === "member").length, 0);
});

Deno.test("PeerNode.sendChat() delivers at once, stamps seq and clock, and floods to neighbours", () => {
  const node = makeNode();
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.handleMessage(a, { type: "chat", message: chat(A, 1, { [A]: 1 }) }, 1);
  node.takeEffects();
  const sent = node.sendChat("hi", 1_700_000_000_000, 2);
  assert.equal(sent.seq, 1);
  assert.deepEqual(Object.fromEntries(sent.clock), { [A]: 1, [SELF]: 1 });
  const effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "deliver").map((e) => e.message), [sent]);
  assert.deepEqual(sentTo(effects, a), [{ type: "chat", message: sent }]);
});

Deno.test("PeerNode holds a message back until its cause arrives, relays each once, delivers each once", () => {
  const node = makeNode();
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  const b = acceptPeer(node, B, "10.0.0.3:9000");
  node.takeEffects();
  const question = chat(A, 1, { [A]: 1 }, "question?");
  const answer = chat(B, 1, { [A]: 1, [B]: 1 }, "answer");
  node.handleMessage(b, { type: "chat", message: answer }, 1);
  let effects = node.takeEffects();
  assert.equal(ofType(effects, "deliver").length, 0, "answer delivered before its question");
  assert.deepEqual(
    sentTo(effects, a),
    [{ type: "chat", message: answer }],
    "held messages are relayed too",
  );
  node.handleMessage(a, { type: "chat", message: question }, 2);
  effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "deliver").map((e) => e.message.text), ["question?", "answer"]);
  assert.deepEqual(sentTo(effects, b), [{ type: "chat", message: question }]);
  node.handleMessage(b, { type: "chat", message: question }, 3);
  node.handleMessage(a, { type: "chat", message: answer }, 3);
  effects = node.takeEffects();
  assert.equal(ofType(effects, "deliver").length, 0, "a duplicate was delivered");
  assert.equal(
    ofType(effects, "send").filter((e) => e.message.type === "chat").length,
    0,
    "a duplicate was relayed",
  );
});

Deno.test("PeerNode rejects a message whose sequence runs too far ahead, and does not relay it", () => {
  const node = makeNode({ seqAheadMax: 5 });
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  acceptPeer(node, B, "10.0.0.3:9000");
  node.takeEffects();
  node.handleMessage(a, { type: "chat", message: chat(A, 6, { [A]: 6 }) }, 1);
  assert.equal(node.heldBackCount, 0);
  assert.equal(ofType(node.takeEffects(), "send").length, 0);
  node.handleMessage(a, { type: "chat", message: chat(A, 5, { [A]: 5 }) }, 1);
  assert.equal(node.heldBackCount, 1);
});

Deno.test("PeerNode.leave() announces the departure to neighbours and bootstraps, then closes", () => {
  const node = makeNode({ bootstraps: [BOOT] });
  node.start(0);
  node.takeEffects();
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.leave(10);
  const effects = node.takeEffects();
  const toA = sentTo(effects, a);
  assert.deepEqual(toA[0], {
    type: "member",
    member: { id: SELF, addr: "10.0.0.5:9000", incarnation: 0, status: "dead", nick: "me" },
  });
  assert.equal(toA[1]?.type, "bye");
  const dial = ofType(effects, "dial").find((e) => e.addr === BOOT)!;
  assert.ok(dial !== undefined);
  node.handleConnected(dial.conn, hello(C, BOOT, "bootstrap"), 11);
  assert.equal(sentTo(node.takeEffects(), dial.conn)[0]?.type, "member");
  assert.throws(() => node.sendChat("too late", 0, 12), TypeError);
});

Deno.test("PeerNode options are checked", () => {
  assert.throws(() => makeNode({ connectionsMax: 0 }), RangeError);
  assert.throws(
    () => makeNode({ heartbeatIntervalMs: 5_000, heartbeatTimeoutMs: 5_000 }),
    RangeError,
  );
});

Deno.test("PeerNode prunes a tree link that brings an unasked-for duplicate, and pushes only on tree links", () => {
  const node = makeNode(QUIET);
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  const b = acceptPeer(node, B, "10.0.0.3:9000");
  const c = acceptPeer(node, C, "10.0.0.4:9000");
  node.takeEffects();
  const m1 = chat(A, 1, { [A]: 1 });
  node.handleMessage(a, { type: "chat", message: m1 }, 1_000);
  node.handleMessage(b, { type: "chat", message: m1 }, 1_001);
  const effects = node.takeEffects();
  // m1 went down the tree to B and C; B's own copy then shows the cycle.
  assert.deepEqual(sentTo(effects, b), [{ type: "chat", message: m1 }, {
    type: "prune",
    authors: [A],
  }]);
  assert.deepEqual(node.eagerNeighbourIds(A).sort(), [A, C]);
  assert.deepEqual(node.eagerNeighbourIds(SELF).sort(), [A, B, C], "trees are per author");
  // A's next message goes down A's tree: to C, not B; B hears of it in a `have`.
  const m2 = chat(A, 2, { [A]: 2 });
  node.handleMessage(a, { type: "chat", message: m2 }, 1_100);
  let sent = node.takeEffects();
  assert.deepEqual(sentTo(sent, b), []);
  assert.deepEqual(sentTo(sent, c), [{ type: "chat", message: m2 }]);
  node.handleTimeout(1_200);
  sent = node.takeEffects();
  const have = sentTo(sent, b)[0];
  assert.ok(have?.type === "have" && !have.full, "no lazy announcement");
  assert.deepEqual([...have.clock], [[A, 2]]);
});

Deno.test("PeerNode pulls an announced message that the tree did not bring, grafting the link", () => {
  const node = makeNode({ ...QUIET, graftTimeoutMs: 150, lazyIntervalMs: 100 });
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.handleMessage(a, { type: "prune", authors: [B] }, 10);
  node.handleMessage(a, { type: "have", full: false, clock: new Map([[B, 2]]) }, 1_000);
  node.handleTimeout(1_100);
  assert.equal(
    ofType(node.takeEffects(), "send").filter((e) => e.message.type === "want").length,
    0,
    "too eager",
  );
  node.handleTimeout(1_200);
  const want = sentTo(node.takeEffects(), a).find((m) => m.type === "want");
  assert.deepEqual(want, { type: "want", graft: true, ranges: [{ author: B, from: 0, to: 2 }] });
  assert.deepEqual(node.eagerNeighbourIds(B), [A]);
});

Deno.test("PeerNode pulls what a full have shows it lacks, once the graft timeout says it is not just in flight", () => {
  const node = makeNode({ ...QUIET, graftTimeoutMs: 500, lazyIntervalMs: 100 });
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.sendChat("one", 0, 1);
  node.takeEffects();
  node.handleMessage(a, { type: "have", full: true, clock: new Map([[SELF, 1], [B, 4]]) }, 1_000);
  // Nothing at once: the messages may be on their way; and nothing is pushed back.
  assert.deepEqual(sentTo(node.takeEffects(), a), []);
  node.handleMessage(a, { type: "chat", message: chat(B, 1, { [B]: 1 }) }, 1_100);
  node.takeEffects();
  for (let t = 1_200; t <= 1_600; t += 100) node.handleTimeout(t);
  const want = sentTo(node.takeEffects(), a).find((m) => m.type === "want");
  // Still missing 2..4 after the timeout: pulled without grafting (an anti-entropy gap).
  assert.deepEqual(want, { type: "want", graft: false, ranges: [{ author: B, from: 1, to: 4 }] });
});

Deno.test("PeerNode serves a want from its history window and tells what is gone with skip", () => {
  const node = makeNode({ ...QUIET, historyMessagesMax: 2 });
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  const sent = [1, 2, 3].map((i) => node.sendChat(`m${i}`, 0, i));
  node.takeEffects();
  node.handleMessage(
    a,
    { type: "want", graft: false, ranges: [{ author: SELF, from: 0, to: 3 }] },
    5,
  );
  assert.deepEqual(sentTo(node.takeEffects(), a), [
    { type: "skip", clock: new Map([[SELF, 1]]) },
    { type: "chat", message: sent[1], repair: true },
    { type: "chat", message: sent[2], repair: true },
  ]);
});

Deno.test("PeerNode applies a skip: it jumps over lost history and delivers what waited", () => {
  const node = makeNode(QUIET);
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.handleMessage(a, { type: "chat", message: chat(A, 5, { [A]: 5 }) }, 1);
  assert.equal(node.heldBackCount, 1);
  node.handleMessage(a, { type: "skip", clock: new Map([[A, 4]]) }, 2);
  const effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "skip"), [{ type: "skip", author: A, seq: 4 }]);
  assert.deepEqual(ofType(effects, "deliver").map((e) => e.message.seq), [5]);
});

Deno.test("PeerNode acts on a skip only as far as an authentic message proves the gap", () => {
  const node = makeNode(QUIET);
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  // A lie on its own: nothing is skipped, and A's messages are still delivered.
  node.handleMessage(a, { type: "skip", clock: new Map([[A, Number.MAX_SAFE_INTEGER]]) }, 1);
  assert.deepEqual(ofType(node.takeEffects(), "skip"), []);
  node.handleMessage(a, { type: "chat", message: chat(A, 1, { [A]: 1 }) }, 2);
  assert.deepEqual(ofType(node.takeEffects(), "deliver").map((e) => e.message.seq), [1]);
  // A late joiner's answer: skip to 2000, then the repairs from 2001 on (past seqAheadMax).
  node.handleMessage(a, { type: "skip", clock: new Map([[B, 2000]]) }, 3);
  node.handleMessage(a, { type: "chat", message: chat(B, 2001, { [B]: 2001 }), repair: true }, 3);
  let effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "skip"), [{ type: "skip", author: B, seq: 2000 }]);
  assert.deepEqual(ofType(effects, "deliver").map((e) => e.message.seq), [2001]);
  // A skip of an author a held message depends on: the dependency proves the gap.
  node.handleMessage(a, { type: "chat", message: chat(C, 1, { [C]: 1, [A]: 9 }) }, 4);
  node.handleMessage(a, { type: "skip", clock: new Map([[A, 20]]) }, 4);
  effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "skip"), [{ type: "skip", author: A, seq: 9 }]);
  assert.deepEqual(ofType(effects, "deliver").map((e) => e.message.author), [C]);
  // What is left of that skip (10..20) lapses: a later gap is not skipped.
  node.handleMessage(a, { type: "chat", message: chat(A, 15, { [A]: 15 }) }, 4 + 5_000);
  assert.deepEqual(ofType(node.takeEffects(), "skip"), []);
  assert.equal(node.heldBackCount, 1);
});

Deno.test("PeerNode restores its history and incarnation from disk", () => {
  const m1 = chat(SELF, 1, { [SELF]: 1 });
  const m2 = chat(A, 3, { [SELF]: 1, [A]: 3 });
  const node = makeNode({ ...QUIET, restore: { incarnation: 4, messages: [m1, m2] } });
  node.start(0);
  assert.equal(node.localHello().incarnation, 4);
  assert.equal(node.deliveredSeq(SELF), 1);
  assert.equal(node.deliveredSeq(A), 3);
  assert.equal(node.sendChat("again", 0, 1).seq, 2);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  node.handleMessage(a, { type: "want", graft: false, ranges: [{ author: A, from: 0, to: 3 }] }, 2);
  const sent = sentTo(node.takeEffects(), a);
  assert.deepEqual(sent, [{ type: "skip", clock: new Map([[A, 2]]) }, {
    type: "chat",
    message: m2,
    repair: true,
  }]);
});

Deno.test("PeerNode drops a peer list nobody asked for, and takes the one answer it asked for", () => {
  const node = makeNode();
  node.start(0);
  acceptPeer(node, B, "10.0.0.3:9000"); // the first neighbour is asked for everything
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  node.takeEffects();
  const list: Message = {
    type: "peers",
    peers: [{ id: C, addr: "10.0.0.4:9000", incarnation: 0, status: "alive", signature: SIG }],
  };
  node.handleMessage(a, list, 1);
  assert.equal(node.knowsAlive(C), false, "an unsolicited list taught a member");
  // A gossip round that asks A for a sample: one answer is welcome.
  for (let t = 2; t < 30_000 && !node.knowsAlive(C); t += 100) {
    node.handleTimeout(t);
    const asked = sentTo(node.takeEffects(), a).some((m) => m.type === "get-peers");
    if (asked) node.handleMessage(a, list, t);
  }
  assert.ok(node.knowsAlive(C), "the answer to our own request was dropped");
});
