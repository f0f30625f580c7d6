import assert from "node:assert/strict";
import { A, B, C, machines, neighbour, ofType, sentTo } from "./_harness.ts";

/** Stands for the member's own signature (the runtime checks real ones before the actor). */
const SIG = new Uint8Array(64);

Deno.test("`FailureDetector.onTimerLate()` credits a stall to every link, suspicion and probe", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = { id: B, addr: "10.0.0.3:9000", incarnation: 0 };
  m.membership.onPeers([{ ...b, status: "alive", signature: SIG }], 0);
  m.membership.onPeers([{ ...b, status: "suspect" }], 0);
  m.failureDetector.onProbePeriodTimer(0);
  m.take();
  m.failureDetector.onTimerLate(999);
  assert.deepEqual(m.take(), [], "late but no stall");
  m.failureDetector.onTimerLate(20_000);
  const [log] = ofType(m.take(), "log");
  assert.match(log!.text, /stalled for about 20000 ms/);
  assert.equal(a.lastReceivedMs, 20_000);
  // The silence of the stall is not held against anyone: no heartbeat
  // timeout, no suspicion of the probe target, no verdict on the suspect.
  m.failureDetector.onHeartbeatTimer(20_500);
  m.failureDetector.onProbePeriodTimer(20_500);
  const effects = m.take();
  assert.deepEqual(ofType(effects, "close"), []);
  assert.deepEqual(ofType(effects, "peer-down"), []);
  assert.equal(m.membership.get(A)?.status, "alive");
  assert.equal(m.membership.get(B)?.status, "suspect");
});

Deno.test("`FailureDetector` without a stall suspects a silent neighbour at the heartbeat timeout", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.take();
  m.failureDetector.onHeartbeatTimer(1_000);
  assert.deepEqual(sentTo(m.take(), a.conn).map((x) => x.type), ["ping"]);
  m.failureDetector.onHeartbeatTimer(5_000);
  const effects = m.take();
  assert.deepEqual(ofType(effects, "close").map((e) => e.reason), ["heartbeat timeout"]);
  assert.equal(m.membership.get(A)?.status, "suspect");
  assert.equal(m.timers.deadlineMs("heartbeat"), 5_500);
});

Deno.test("`FailureDetector` probes neighbours round robin, then asks the others to probe indirectly", () => {
  const m = machines();
  const links = [A, B, C].map((id, i) => neighbour(m, id, `10.0.0.${i + 2}:9000`));
  m.take();
  m.failureDetector.onProbePeriodTimer(0);
  let effects = m.take();
  assert.deepEqual(sentTo(effects, links[0]!.conn).map((x) => x.type), ["ping"]);
  assert.equal(m.timers.deadlineMs("indirect-probe"), 400);
  m.failureDetector.onIndirectProbeTimer(400);
  effects = m.take();
  const asked = [links[1]!, links[2]!].map((l) => sentTo(effects, l.conn)[0]?.type);
  assert.deepEqual(asked, ["probe", "probe"]);
  m.failureDetector.onTraffic(A);
  m.failureDetector.onProbePeriodTimer(1_000);
  effects = m.take();
  assert.equal(m.membership.get(A)?.status, "alive", "answered: not suspected");
  assert.deepEqual(sentTo(effects, links[1]!.conn).map((x) => x.type), ["ping"], "next in turn");
});

Deno.test("`FailureDetector.checkAlive()` dials a lost neighbour once, and not while leaving", () => {
  const m = machines();
  m.membership.onPeers([{
    id: A,
    addr: "10.0.0.2:9000",
    incarnation: 0,
    status: "alive",
    signature: SIG,
  }], 0);
  m.take();
  m.failureDetector.checkAlive(A, 1);
  m.failureDetector.checkAlive(A, 2);
  const dials = ofType(m.take(), "dial");
  assert.deepEqual(dials.map((d) => d.addr), ["10.0.0.2:9000"]);
  assert.ok(m.links.isChecking(A));
  m.links.forget(m.links.get(dials[0]!.conn)!);
  m.links.startLeaving();
  m.failureDetector.checkAlive(A, 3);
  assert.deepEqual(m.take(), []);
});

Deno.test("`FailureDetector` relays an indirect probe and its answer", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.take();
  m.failureDetector.onIndirectProbeRequest(a, { type: "probe", target: B, nonce: 7 }, 0);
  const [ping] = sentTo(m.take(), b.conn);
  assert.equal(ping?.type, "ping");
  m.failureDetector.onPong(ping?.type === "ping" ? ping.nonce : -1, 1);
  assert.deepEqual(sentTo(m.take(), a.conn), [{ type: "probe-ack", target: B, nonce: 7 }]);
});
