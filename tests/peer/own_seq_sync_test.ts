/**
 * The own-sequence sync: a peer that lost its database but kept its identity
 * learns from its neighbours how far its own messages went before it sends
 * again, and never reuses a sequence number.
 */

import assert from "node:assert/strict";
import type { Effect } from "../../lib/actor/effect.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import type { PeerNodeOptions } from "../../lib/peer/peer_node_options.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { ChatMessage, Hello } from "../../lib/wire/message.ts";
import { PROTOCOL_VERSION } from "../../lib/wire/message.ts";

const SELF = "5".repeat(64);
const B = "b".repeat(64);

function hello(id: string): Hello {
  return {
    type: "hello",
    version: PROTOCOL_VERSION,
    id,
    addr: "127.0.0.1:9001",
    nick: "bob",
    role: "peer",
    incarnation: 0,
  };
}

/** One of this peer's own messages from before it lost its database. */
function oldOwn(seq: number): ChatMessage {
  return {
    author: SELF,
    seq,
    clock: new Map([[SELF, seq]]),
    nick: "me",
    text: `before the loss ${seq}`,
    ts: seq,
    signature: new Uint8Array(0),
  };
}

/** A restarted peer without its database, and a neighbour B that joined it at time 0. */
function lostDatabase(options: Partial<PeerNodeOptions> = {}) {
  const node = new PeerNode({
    id: SELF,
    addr: "127.0.0.1:9000",
    nick: "me",
    random: seededRandom(1),
    ...options,
  });
  node.start(0);
  const conn = node.handleAccepted(hello(B), 0);
  node.handleMessage(conn, { type: "register" }, 0);
  node.takeEffects();
  const skips = () =>
    node.takeEffects().filter((e: Effect) => e.type === "skip") as {
      type: "skip";
      author: string;
      seq: number;
    }[];
  return { node, conn, skips };
}

Deno.test("PeerNode: after a lost database, the first send waits for the own messages neighbours announce, then continues after them", () => {
  const { node, conn } = lostDatabase();
  assert.equal(node.ownSeqSynced(1), false, "nothing heard yet");
  node.handleMessage(conn, { type: "have", full: true, clock: new Map([[SELF, 3], [B, 1]]) }, 1);
  assert.equal(node.ownSeqSynced(2), false, "its messages 1–3 exist elsewhere and are not back");
  // Repair brings them back (a want after the graft timeout; here they simply come).
  for (let seq = 1; seq <= 3; seq++) {
    node.handleMessage(conn, { type: "chat", message: oldOwn(seq), repair: true }, 600);
  }
  assert.equal(node.deliveredSeq(SELF), 3);
  assert.equal(node.ownSeqSynced(601), true, "synced well before the 5 s timeout");
  assert.equal(node.sendChat("after the loss", 0, 601).seq, 4, "no sequence number reused");
});

Deno.test("PeerNode: own history gone everywhere is given up at the timeout; the next message still comes after it", () => {
  const { node, conn, skips } = lostDatabase({ ownSeqSyncTimeoutMs: 5_000 });
  node.handleMessage(conn, { type: "have", full: true, clock: new Map([[SELF, 7]]) }, 1);
  assert.equal(node.ownSeqSyncDeadlineMs, 5_000);
  assert.equal(node.ownSeqSynced(4_999), false);
  assert.equal(node.ownSeqSynced(5_000), true);
  skips();
  const message = node.sendChat("after the loss", 0, 5_000);
  assert.equal(message.seq, 8);
  assert.deepEqual(skips(), [{ type: "skip", author: SELF, seq: 7 }]);
});

Deno.test("PeerNode: without neighbours the first send waits for the timeout, then starts at 1", () => {
  const node = new PeerNode({
    id: SELF,
    addr: "127.0.0.1:9000",
    nick: "me",
    random: seededRandom(1),
  });
  node.start(100);
  assert.equal(node.ownSeqSynced(5_099), false);
  assert.equal(node.ownSeqSynced(5_100), true);
  assert.equal(node.sendChat("alone", 0, 5_100).seq, 1);
});

Deno.test("PeerNode: a new identity sends at once", () => {
  const node = new PeerNode({
    id: SELF,
    addr: "127.0.0.1:9000",
    nick: "me",
    random: seededRandom(1),
    newIdentity: true,
  });
  node.start(100);
  assert.equal(node.ownSeqSynced(100), true);
});

Deno.test("PeerNode: a neighbour's absurd claim about this peer's sequence moves it at most seqAheadMax ahead, once", () => {
  const { node, conn } = lostDatabase({ seqAheadMax: 1_000 });
  node.handleMessage(
    conn,
    { type: "have", full: true, clock: new Map([[SELF, Number.MAX_SAFE_INTEGER]]) },
    1,
  );
  // Every receiver still accepts a message 1 000 ahead of what it delivered
  // (and closes the gap with this peer's skip), never one further.
  assert.equal(node.sendChat("still heard", 0, 5_000).seq, 1_000);
  // Once it has sent, claims about its own sequence are no longer taken in.
  node.handleMessage(conn, { type: "have", full: false, clock: new Map([[SELF, 1_500]]) }, 5_001);
  assert.equal(node.sendChat("next", 0, 5_001).seq, 1_001);
});

Deno.test("PeerNode.publishChat() refuses a stamp that went stale while it was signed", () => {
  const { node, conn } = lostDatabase({ ownSeqSyncTimeoutMs: 1 });
  const stamped = node.stampChat("first", 0);
  assert.equal(stamped.seq, 1);
  // While it was being signed, a neighbour announced this peer's message 2.
  node.handleMessage(conn, { type: "have", full: false, clock: new Map([[SELF, 2]]) }, 10);
  assert.equal(node.stampIsCurrent(stamped), false);
  assert.throws(() => node.publishChat(stamped, 10), /stamp is stale/);
  assert.equal(node.deliveredSeq(SELF), 0, "nothing was recorded");
  const again = node.stampChat("first", 0);
  assert.equal(again.seq, 3);
  assert.equal(node.publishChat(again, 10).seq, 3);
});
