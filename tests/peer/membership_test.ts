import assert from "node:assert/strict";
import { A, B, BOOT, machines, neighbour, ofType, SELF, sentTo } from "./_harness.ts";

/** Stands for the member's own signature (the runtime checks real ones before the actor). */
const SIG = new Uint8Array(64);

const alive = (id: string, incarnation = 0) => ({
  id,
  addr: `${id.slice(0, 3)}:9000`,
  incarnation,
  status: "alive" as const,
  signature: SIG,
});

/** An unsigned rumor's fields about `id`, as others spread them. */
const rumor = (id: string, incarnation = 0) => ({
  id,
  addr: `${id.slice(0, 3)}:9000`,
  incarnation,
});

Deno.test("`Membership.apply()` reports members coming and going", () => {
  const m = machines();
  assert.ok(m.membership.apply(alive(A), 0));
  assert.ok(!m.membership.apply(alive(A), 1), "old news does not spread");
  m.membership.apply({ ...alive(A), status: "dead" }, 2, A);
  assert.deepEqual(m.take(), [
    { type: "peer-up", id: A, addr: "aaa:9000" },
    { type: "peer-down", id: A, addr: "aaa:9000", reason: "left" },
  ]);
});

Deno.test("`Membership.apply()` refutes a rumor about this peer with a higher incarnation", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.take();
  m.membership.apply({ ...alive(SELF, 4), status: "suspect" }, 0);
  assert.equal(m.membership.incarnation, 5);
  assert.deepEqual(sentTo(m.take(), a.conn), [
    { type: "member", member: { ...m.membership.selfInfo(), incarnation: 5 } },
  ]);
});

Deno.test("`Membership.judgeSuspects()` declares a suspect dead after its timeout, telling everyone", () => {
  const m = machines({ bootstraps: [BOOT] });
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.membership.apply(alive(B), 0);
  m.take();
  m.membership.suspect(B, "test", 0);
  let effects = m.take();
  assert.deepEqual(sentTo(effects, a.conn), [
    { type: "member", member: { ...rumor(B), status: "suspect" } },
  ]);
  m.membership.judgeSuspects(4_999);
  assert.deepEqual(ofType(m.take(), "peer-down"), []);
  m.membership.judgeSuspects(5_000);
  effects = m.take();
  assert.deepEqual(ofType(effects, "peer-down").map((e) => e.id), [B]);
  assert.deepEqual(sentTo(effects, a.conn), [
    { type: "member", member: { ...rumor(B), status: "dead" } },
  ]);
  assert.deepEqual(ofType(effects, "dial").map((e) => e.addr), [BOOT], "the bootstrap hears it");
});

Deno.test("`Membership.onPeerRequest()` answers register with the whole table, in chunks", () => {
  const m = machines({ peersPerMessageMax: 2 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.membership.apply(alive(B), 0);
  m.take();
  m.membership.onPeerRequest(a, { type: "register" }, 1);
  const replies = sentTo(m.take(), a.conn);
  assert.deepEqual(replies.map((r) => r.type === "peers" ? r.peers.map((p) => p.id) : []), [
    [SELF, B],
  ]);
});

Deno.test("`Membership.compareTotals()` pulls a neighbour's whole table at most once per interval", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.take();
  m.membership.compareTotals(a, 5, 0);
  m.membership.compareTotals(a, 5, 4_999);
  assert.deepEqual(sentTo(m.take(), a.conn), [{ type: "get-peers", all: true }]);
  m.membership.compareTotals(a, 5, 5_000);
  assert.equal(sentTo(m.take(), a.conn).length, 1);
});
