import assert from "node:assert/strict";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import { sameVersion, versionDigest } from "../../lib/peer/equivocation.ts";
import { redactChat } from "../../lib/wire/chat_text.ts";
import { seededRandom } from "../../lib/random/random.ts";
import type { ChatMessage, Have } from "../../lib/wire/message.ts";
import { A, B, C, chat, hello, ofType, SELF, sentTo } from "./_harness.ts";

const E = "e".repeat(64);

function node(): PeerNode {
  return new PeerNode({ id: SELF, addr: "10.0.0.5:9000", nick: "me", random: seededRandom(1) });
}

function accept(n: PeerNode, id: string, port: number): number {
  const conn = n.handleAccepted(hello(id, `10.0.0.9:${port}`), 0);
  n.handleMessage(conn, { type: "get-peers" }, 0);
  return conn;
}

const version = (text: string): ChatMessage => ({ ...chat(E, 1, { [E]: 1 }), text });

Deno.test("versionDigest() and sameVersion() tell versions apart by what a reader sees", () => {
  const a = version("pay alice");
  const b = version("pay bob");
  assert.ok(sameVersion(a, { ...a, signature: new Uint8Array(64) }));
  assert.ok(!sameVersion(a, b));
  assert.equal(versionDigest(a).length, 16);
  assert.deepEqual(versionDigest(a), versionDigest({ ...a }));
  assert.notDeepEqual(versionDigest(a), versionDigest(b));
  assert.notDeepEqual(versionDigest(a), versionDigest({ ...a, ts: 1 }));
});

Deno.test("PeerNode: a second version of a message it holds marks the author, tells the user once and sends both versions to every neighbour", () => {
  const n = node();
  n.start(0);
  const a = accept(n, A, 1);
  const b = accept(n, B, 2);
  const c = accept(n, C, 3);
  n.takeEffects();
  const first = version("pay alice");
  const second = version("pay bob");
  n.handleMessage(a, { type: "chat", message: first }, 10);
  assert.equal(ofType(n.takeEffects(), "deliver").length, 1);
  // The second version is a duplicate by (author, seq), but news: it must be checked.
  assert.ok(n.isNewChat(second));
  assert.ok(!n.isNewChat({ ...first }));
  n.handleMessage(b, { type: "chat", message: second }, 20);
  const effects = n.takeEffects();
  const told = ofType(effects, "equivocation");
  assert.equal(told.length, 1);
  assert.equal(told[0]!.author, E);
  assert.equal(told[0]!.seq, 1);
  assert.deepEqual(told[0]!.versions.map((m) => m.text), ["pay alice", "pay bob"]);
  assert.equal(ofType(effects, "deliver").length, 0, "the second version is not delivered");
  for (const conn of [a, b, c]) {
    const texts = sentTo(effects, conn).flatMap((m) => m.type === "chat" ? [m.message.text] : []);
    assert.deepEqual(texts, ["pay alice", "pay bob"], `both versions to conn ${conn}`);
  }
  // Told once: a third copy of either version changes nothing.
  n.handleMessage(c, { type: "chat", message: { ...second } }, 30);
  n.handleMessage(c, { type: "chat", message: version("pay carol") }, 31);
  assert.equal(ofType(n.takeEffects(), "equivocation").length, 0);
});

Deno.test("PeerNode: a have naming another version of a message it holds makes it push its own version there, once", () => {
  const n = node();
  n.start(0);
  const a = accept(n, A, 1);
  const b = accept(n, B, 2);
  n.handleMessage(a, { type: "chat", message: version("pay alice") }, 10);
  n.takeEffects();
  const other = version("pay bob");
  const have: Have = {
    type: "have",
    full: false,
    clock: new Map([[E, 1]]),
    digests: new Map([[E, versionDigest(other)]]),
  };
  n.handleMessage(b, have, 20);
  const pushed = sentTo(n.takeEffects(), b).filter((m) => m.type === "chat");
  assert.deepEqual(pushed.map((m) => m.type === "chat" && m.message.text), ["pay alice"]);
  n.handleMessage(b, have, 30);
  assert.equal(sentTo(n.takeEffects(), b).filter((m) => m.type === "chat").length, 0);
  // The same version announced: nothing to push.
  const same: Have = { ...have, digests: new Map([[E, versionDigest(version("pay alice"))]]) };
  n.handleMessage(a, same, 40);
  assert.equal(sentTo(n.takeEffects(), a).filter((m) => m.type === "chat").length, 0);
});

Deno.test("PeerNode: lazy have announcements carry the digest of the version held", () => {
  const n = node();
  n.start(0);
  const a = accept(n, A, 1);
  const b = accept(n, B, 2);
  n.handleMessage(a, { type: "chat", message: version("hello") }, 10);
  n.handleMessage(b, { type: "prune", authors: [E] }, 11);
  const message: ChatMessage = { ...chat(E, 2, { [E]: 2 }), text: "again" };
  n.handleMessage(a, { type: "chat", message }, 12);
  n.takeEffects();
  n.handleTimeout(n.nextDeadlineMs());
  const haves = sentTo(n.takeEffects(), b).filter((m): m is Have => m.type === "have" && !m.full);
  const announced = haves.find((h) => h.clock.get(E) === 2);
  assert.ok(announced !== undefined, "E#2 announced lazily to b");
  assert.deepEqual(announced.digests?.get(E), versionDigest(message));
});

Deno.test("versionDigest() and sameVersion() treat a message and its redacted form as one version, and another text or amendment as another", () => {
  const m = {
    author: "a".repeat(64),
    seq: 2,
    clock: new Map([["a".repeat(64), 2]]),
    nick: "ann",
    text: "hi",
    ts: 5,
    signature: new Uint8Array(0),
  };
  const redacted = redactChat(m);
  assert.deepEqual(versionDigest(redacted), versionDigest(m));
  assert.ok(sameVersion(m, redacted));
  const other = { ...m, text: "ho" };
  assert.notDeepEqual(versionDigest(other), versionDigest(m));
  assert.ok(!sameVersion(m, other));
  const edit = { ...m, amends: { kind: "edit" as const, target: 1 } };
  assert.notDeepEqual(versionDigest(edit), versionDigest(m));
  assert.ok(!sameVersion(m, edit));
});
