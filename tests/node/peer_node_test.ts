import assert from "node:assert/strict";
import type { Effect } from "../../lib/node/effect.ts";
import { PeerNode } from "../../lib/node/peer_node.ts";
import type { PeerNodeOptions } from "../../lib/node/peer_node_options.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { ChatMessage, Hello, Message } from "../../lib/wire/message.ts";

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
  return { type: "hello", version: 1, id, addr, nick: id.slice(0, 3), role, incarnation };
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
): number {
  const conn = node.handleAccepted(hello(id, addr), 0);
  node.handleMessage(conn, first, 0);
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
  assert.deepEqual(sentTo(node.takeEffects(), dial!.conn), [{ type: "register" }]);
  node.handleMessage(dial!.conn, {
    type: "peers",
    peers: [
      { id: A, addr: "10.0.0.2:9000", incarnation: 0, status: "alive" },
      { id: B, addr: "10.0.0.3:9000", incarnation: 2, status: "alive" },
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

Deno.test("PeerNode: a full peer turns away get-peers but always takes a lonely newcomer's register", () => {
  const node = makeNode({ connectionsMax: 2 });
  node.start(0);
  acceptPeer(node, A, "10.0.0.2:9000");
  acceptPeer(node, B, "10.0.0.3:9000");
  node.takeEffects();
  const refused = acceptPeer(node, C, "10.0.0.4:9000");
  let effects = node.takeEffects();
  const replies = sentTo(effects, refused);
  assert.equal(replies[0]?.type, "peers");
  assert.deepEqual(replies[1], { type: "bye", reason: "full" });
  assert.ok(ofType(effects, "close").some((e) => e.conn === refused));
  assert.equal(node.neighbourIds().length, 2);

  const lonely = acceptPeer(node, C, "10.0.0.4:9000", { type: "register" });
  effects = node.takeEffects();
  assert.equal(sentTo(effects, lonely)[0]?.type, "peers");
  assert.equal(ofType(effects, "close").length, 1, "one neighbour makes room");
  assert.equal(node.neighbourIds().length, 2);
  assert.ok(node.neighbourIds().includes(C));
});

Deno.test("PeerNode keeps one connection when two peers dial each other: the one the smaller id dialed", () => {
  // SELF (5…) < B (b…): our outbound connection wins at both ends.
  const node = makeNode();
  node.start(0);
  node.handleMessage(acceptPeer(node, A, "10.0.0.2:9000"), {
    type: "peers",
    peers: [{ id: B, addr: "10.0.0.3:9000", incarnation: 0, status: "alive" }],
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

Deno.test("PeerNode pings a quiet connection, then suspects, probes and declares a silent peer dead", () => {
  const node = makeNode({
    bootstraps: [BOOT],
    heartbeatIntervalMs: 1_000,
    heartbeatTimeoutMs: 3_000,
  });
  node.start(0);
  const bootstrapDial = ofType(node.takeEffects(), "dial")[0]!;
  const conn = acceptPeer(node, A, "10.0.0.2:9000");
  acceptPeer(node, B, "10.0.0.3:9000");
  node.takeEffects();
  node.handleTimeout(1_000);
  assert.equal(sentTo(node.takeEffects(), conn)[0]?.type, "ping");
  node.handleMessage(acceptPeer(node, C, "10.0.0.4:9000"), { type: "pong", nonce: 1 }, 2_900);
  node.handleTimeout(3_000);
  let effects = node.takeEffects();
  assert.ok(
    ofType(effects, "close").some((e) => e.conn === conn && e.reason === "heartbeat timeout"),
  );
  const probe = ofType(effects, "dial").find((e) => e.addr === "10.0.0.2:9000");
  assert.ok(probe !== undefined, "no probe dial after the timeout");
  assert.equal(ofType(effects, "peer-down").length, 0, "suspicion alone must not declare death");
  node.handleDialFailed(probe.conn, "connection refused", 3_100);
  effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "peer-down").map((e) => e.id), [A]);
  const rumors = ofType(effects, "send").filter((e) => e.message.type === "member");
  assert.ok(rumors.length >= 1, "the death is not spread");
  // The registration dial is still pending: the report waits in its outbox.
  node.handleConnected(bootstrapDial.conn, hello(C, BOOT, "bootstrap"), 3_200);
  const toBootstrap = sentTo(node.takeEffects(), bootstrapDial.conn);
  assert.deepEqual(
    toBootstrap.map((m) => m.type),
    ["register", "member"],
    "death not reported to the bootstrap",
  );
  assert.ok(!node.peers().some((p) => p.id === A));
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
    member: { id: SELF, addr: "x:1", incarnation: 3, status: "dead" },
  }, 5);
  const rumor = ofType(node.takeEffects(), "send").find((e) => e.message.type === "member");
  assert.deepEqual(rumor?.message, {
    type: "member",
    member: { id: SELF, addr: "10.0.0.5:9000", incarnation: 4, status: "alive" },
  });
  assert.equal(node.localHello().incarnation, 4);
});

Deno.test("PeerNode forwards a changed rumor to other neighbours, once", () => {
  const node = makeNode();
  node.start(0);
  const a = acceptPeer(node, A, "10.0.0.2:9000");
  const b = acceptPeer(node, B, "10.0.0.3:9000");
  node.takeEffects();
  const rumor: Message = {
    type: "member",
    member: { id: C, addr: "10.0.0.4:9000", incarnation: 0, status: "alive" },
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
  assert.equal(ofType(effects, "send").length, 0, "a duplicate was relayed");
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
    member: { id: SELF, addr: "10.0.0.5:9000", incarnation: 0, status: "dead" },
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
