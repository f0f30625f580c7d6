import assert from "node:assert/strict";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { Direct, Message } from "../../lib/wire/message.ts";
import { A, B, C, hello, ofType, SELF, sentTo } from "./_harness.ts";

/** Stands for the member's own signature (the runtime checks real ones before the actor). */
const SIG = new Uint8Array(64);

function nodeWithNeighbours(...ids: string[]): { node: PeerNode; conns: number[] } {
  const node = new PeerNode({
    id: SELF,
    addr: "10.0.0.5:9000",
    nick: "me",
    random: seededRandom(1),
  });
  node.start(0);
  const conns = ids.map((id, i) => {
    const conn = node.handleAccepted(hello(id, `10.0.0.${i + 2}:9000`), 0);
    node.handleMessage(conn, { type: "get-peers" }, 0);
    return conn;
  });
  node.takeEffects();
  return { node, conns };
}

const box = new Uint8Array([1, 2, 3]);
const isDirect = (m: Message): m is Direct => m.type === "direct";

Deno.test("PeerNode.sendDirect() sends straight to a neighbour recipient, and to nobody else", () => {
  const { node, conns: [a, b] } = nodeWithNeighbours(A, B);
  node.sendDirect(B, box, 1);
  const effects = node.takeEffects();
  assert.equal(sentTo(effects, a!).filter(isDirect).length, 0);
  const [direct] = sentTo(effects, b!).filter(isDirect);
  assert.equal(direct?.to, B);
  assert.equal(direct?.hops, 8);
  assert.equal(direct?.id.length, 32);
});

/** Tells `node`, through the neighbour on `conn`, that `id` is a live member. */
function learnMember(node: PeerNode, conn: number, id: string, addr: string): void {
  node.handleMessage(conn, {
    type: "member",
    member: { id, addr, incarnation: 0, status: "alive", signature: SIG },
  }, 1);
  node.takeEffects();
}

Deno.test("PeerNode.sendDirect() floods towards a live member that is not a neighbour", () => {
  const { node, conns } = nodeWithNeighbours(A, B);
  learnMember(node, conns[0]!, C, "10.0.0.9:9000");
  node.sendDirect(C, box, 1);
  const effects = node.takeEffects();
  for (const conn of conns) assert.equal(sentTo(effects, conn).filter(isDirect).length, 1);
});

Deno.test("PeerNode.sendDirect() refuses an id it does not know alive, sending nothing", () => {
  const { node } = nodeWithNeighbours(A, B);
  assert.throws(
    () => node.sendDirect(C, box, 1),
    (e) =>
      e instanceof RangeError &&
      e.message === "Cannot send a direct message: cccccccc is not a member this peer knows alive",
  );
  assert.deepEqual(node.takeEffects(), []);
});

Deno.test("PeerNode drops a direct message for an id it does not know, instead of flooding it", () => {
  const { node, conns: [a] } = nodeWithNeighbours(A, B, C);
  const unknown = "d".repeat(64);
  const message: Direct = { type: "direct", to: unknown, id: "e".repeat(32), hops: 8, box };
  node.handleMessage(a!, message, 1);
  assert.equal(ofType(node.takeEffects(), "send").length, 0, "nothing passed on");
});

Deno.test("PeerNode opens a direct message addressed to it once, however often it arrives", () => {
  const { node, conns: [a, b] } = nodeWithNeighbours(A, B);
  const message: Direct = { type: "direct", to: SELF, id: "f".repeat(32), hops: 3, box };
  node.handleMessage(a!, message, 1);
  node.handleMessage(b!, message, 2);
  const effects = node.takeEffects();
  assert.deepEqual(ofType(effects, "direct"), [{ type: "direct", box }]);
  assert.equal(ofType(effects, "send").filter((e) => e.message.type === "direct").length, 0);
});

Deno.test("PeerNode passes on a direct message for another once, one hop less, not back to its sender", () => {
  const { node, conns: [a, b, c] } = nodeWithNeighbours(A, B, C);
  const far = "d".repeat(64);
  learnMember(node, a!, far, "10.0.0.9:9000");
  const message: Direct = { type: "direct", to: far, id: "e".repeat(32), hops: 2, box };
  node.handleMessage(a!, message, 1);
  node.handleMessage(b!, message, 2);
  const effects = node.takeEffects();
  assert.equal(sentTo(effects, a!).filter(isDirect).length, 0);
  assert.deepEqual(sentTo(effects, b!).filter(isDirect), [{ ...message, hops: 1 }]);
  assert.deepEqual(sentTo(effects, c!).filter(isDirect), [{ ...message, hops: 1 }]);
  node.handleMessage(a!, { ...message, id: "0".repeat(32), hops: 0 }, 3);
  assert.equal(ofType(node.takeEffects(), "send").length, 0, "no hops left: not passed on");
});

Deno.test("PeerNode.sendDirect() refuses to send while it has no neighbour link: nothing would carry it", () => {
  const { node, conns: [a] } = nodeWithNeighbours(A);
  learnMember(node, a!, C, "10.0.0.9:9000");
  node.handleDisconnected(a!, "connection reset", 2);
  node.takeEffects();
  assert.ok(node.knowsAlive(C) && node.neighbourIds().length === 0);
  assert.throws(
    () => node.sendDirect(C, box, 3),
    (e) => e instanceof RangeError && /no link to the room yet, nothing was sent/.test(e.message),
  );
  assert.deepEqual(ofType(node.takeEffects(), "send"), []);
});
