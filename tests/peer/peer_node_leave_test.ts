import assert from "node:assert/strict";
import type { Effect } from "../../lib/actor/effect.ts";
import { PeerNode } from "../../lib/peer/peer_node.ts";
import { seededRandom } from "../../lib/random/random.ts";
import { A, B, BOOT, hello, ofType, SELF, sentTo } from "./_harness.ts";

/** Stands for the member's own signature (the runtime checks real ones before the actor). */
const SIG = new Uint8Array(64);

/** Runs `node`'s timers from `fromMs` to `untilMs`, as a driver would; returns the effects. */
function runTimers(node: PeerNode, fromMs: number, untilMs: number): Effect[] {
  const effects: Effect[] = [];
  let nowMs = fromMs;
  for (let i = 0; i < 10_000; i++) {
    nowMs = Math.max(nowMs, node.nextDeadlineMs());
    if (nowMs > untilMs) break;
    node.handleTimeout(nowMs);
    effects.push(...node.takeEffects());
  }
  return effects;
}

Deno.test("PeerNode.leave(): no dial and no message afterwards, but the goodbyes still go out", () => {
  const node = new PeerNode({
    id: SELF,
    addr: "10.0.0.5:9000",
    nick: "me",
    random: seededRandom(1),
    bootstraps: [BOOT],
  });
  node.start(0);
  const a = node.handleAccepted(hello(A, "10.0.0.2:9000"), 0);
  node.handleMessage(a, { type: "get-peers" }, 0);
  // B died a moment ago: a candidate for the reconnect timer.
  const b = { id: B, addr: "10.0.0.3:9000", incarnation: 0 };
  node.handleMessage(a, { type: "member", member: { ...b, status: "alive", signature: SIG } }, 1);
  node.handleMessage(a, { type: "member", member: { ...b, status: "dead" } }, 2);
  node.takeEffects();

  node.leave(100);
  const goodbyes = node.takeEffects();
  assert.deepEqual(sentTo(goodbyes, a).map((m) => m.type), ["member", "bye"]);
  const [deregister] = ofType(goodbyes, "dial");
  assert.equal(deregister?.addr, BOOT);
  node.handleConnected(deregister!.conn, hello("b00".padEnd(64, "0"), BOOT, "bootstrap"), 110);
  const flushed = node.takeEffects();
  assert.deepEqual(sentTo(flushed, deregister!.conn).map((m) => m.type), ["member", "bye"]);
  assert.deepEqual(ofType(flushed, "close").map((e) => e.reason), ["done"]);

  const after = runTimers(node, 110, 120_000);
  assert.deepEqual(ofType(after, "dial"), [], "a peer that left dials nobody");
  assert.deepEqual(ofType(after, "send"), [], "a peer that left says nothing more");
  assert.equal(node.nextDeadlineMs(), Infinity, "no timer left running");
  assert.equal(node.linkCount, 0);
});
