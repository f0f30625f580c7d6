import assert from "node:assert/strict";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import { seededRandom } from "../../lib/random/random.ts";
import { A, hello, SELF, sentTo } from "./_harness.ts";

function connectedNode() {
  const node = new PeerNode({
    id: SELF,
    addr: "10.0.0.5:9000",
    nick: "me",
    random: seededRandom(1),
  });
  node.start(0);
  const a = node.handleAccepted(hello(A, "10.0.0.2:9000"), 0);
  node.handleMessage(a, { type: "get-peers" }, 0);
  node.takeEffects();
  return { node, a };
}

Deno.test("PeerNode.sendChat() refuses a text the wire could not carry, before stamping it", () => {
  const { node, a } = connectedNode();
  assert.throws(
    () => node.sendChat("x".repeat(4_097), 1, 10),
    (e) => e instanceof RangeError && e.message === "Cannot send: text is 4097 bytes, limit 4096",
  );
  assert.throws(() => node.sendChat("\udc00", 1, 10), RangeError);
  assert.deepEqual(node.takeEffects(), [], "nothing delivered, sent or logged");
  assert.equal(node.deliveredClock.get(SELF), undefined);
  // The next message takes seq 1 and goes out.
  const sent = node.sendChat("y".repeat(4_096), 1, 20);
  assert.equal(sent.seq, 1);
  assert.deepEqual(sentTo(node.takeEffects(), a).map((m) => m.type), ["chat"]);
});

Deno.test("PeerNode.setNick() refuses a nick the wire could not carry, and keeps the old one", () => {
  const { node } = connectedNode();
  assert.throws(() => node.setNick(""), /Cannot change nick: a nick needs at least one character/);
  assert.throws(() => node.setNick("tab\there"), RangeError);
  assert.equal(node.nick, "me");
  node.setNick("you");
  assert.equal(node.sendChat("hi", 1, 1).nick, "you");
});
