import assert from "node:assert/strict";
import { A, B, C, hello, machines, neighbour, ofType, sentTo } from "./_harness.ts";

/** Stands for the member's own signature (the runtime checks real ones before the actor). */
const SIG = new Uint8Array(64);

const alive = (id: string, addr: string) => ({
  id,
  addr,
  incarnation: 0,
  status: "alive" as const,
  signature: SIG,
});

Deno.test("`ActiveView.maintain()` dials random members up to the target", () => {
  const m = machines({ connectionsTarget: 2, connectionsMax: 3 });
  m.membership.onPeers([
    alive(A, "10.0.0.2:9000"),
    alive(B, "10.0.0.3:9000"),
    alive(C, "10.0.0.4:9000"),
  ], 0);
  m.take();
  m.activeView.maintain(0);
  assert.equal(ofType(m.take(), "dial").length, 2);
  m.activeView.maintain(1);
  assert.equal(ofType(m.take(), "dial").length, 0, "dials in flight count towards the target");
});

Deno.test("`ActiveView` rewires: at target it dials a non-neighbour, then lets one neighbour go", () => {
  const m = machines({ connectionsTarget: 2, connectionsMax: 3 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.membership.onPeers([alive(C, "10.0.0.4:9000")], 0);
  m.take();
  m.activeView.onRewireTimer(0);
  const [dial] = ofType(m.take(), "dial");
  assert.equal(dial?.addr, "10.0.0.4:9000");
  const next = m.timers.deadlineMs("rewire");
  assert.ok(next >= 54_000 && next <= 66_000, `next rewire at ${next}`);
  m.activeView.onConnected(dial!.conn, hello(C, "10.0.0.4:9000"), 1);
  const c = m.links.get(dial!.conn)!;
  assert.ok(c.rewire && c.accepted);
  m.take();
  m.activeView.onHave(c, { type: "have", full: true, clock: new Map() }, 2);
  const closes = ofType(m.take(), "close");
  assert.equal(closes.length, 1);
  assert.ok([a.conn, b.conn].includes(closes[0]!.conn));
  assert.equal(closes[0]!.reason, "rebalance");
  assert.ok(!c.rewire);
});

Deno.test("`ActiveView.onRewireTimer()` does nothing below the target", () => {
  const m = machines({ connectionsTarget: 2, connectionsMax: 3 });
  neighbour(m, A, "10.0.0.2:9000");
  m.membership.onPeers([alive(C, "10.0.0.4:9000")], 0);
  m.take();
  m.activeView.onRewireTimer(0);
  assert.deepEqual(ofType(m.take(), "dial"), []);
});

Deno.test("`ActiveView.onReconnectTimer()` dials a recently dead member, unless already in touch", () => {
  const m = machines();
  m.membership.onPeers([{ ...alive(A, "10.0.0.2:9000"), status: "dead" }], 0);
  m.take();
  m.activeView.onReconnectTimer(0);
  const [dial] = ofType(m.take(), "dial");
  assert.equal(dial?.addr, "10.0.0.2:9000");
  const next = m.timers.deadlineMs("reconnect");
  assert.ok(next >= 9_000 && next <= 11_000, `next reconnect at ${next}`);
  m.activeView.onReconnectTimer(next);
  assert.deepEqual(ofType(m.take(), "dial"), [], "the first dial is still in flight");
});

Deno.test("`ActiveView.onReconnectTimer()` dials nobody once the peer is leaving", () => {
  const m = machines();
  m.membership.onPeers([{ ...alive(A, "10.0.0.2:9000"), status: "dead" }], 0);
  m.links.startLeaving();
  m.take();
  m.activeView.onReconnectTimer(0);
  assert.deepEqual(ofType(m.take(), "dial"), []);
});

Deno.test("`ActiveView` leaves a member that refused us as full alone for the backoff", () => {
  const m = machines({ connectionsTarget: 1, fullBackoffMs: 1_000 });
  m.membership.onPeers([alive(A, "10.0.0.2:9000")], 0);
  m.take();
  m.activeView.maintain(0);
  const [dial] = ofType(m.take(), "dial");
  m.activeView.onConnected(dial!.conn, hello(A, "10.0.0.2:9000"), 1);
  const link = m.links.get(dial!.conn)!;
  m.activeView.onBye(link, "full", 2);
  m.take();
  m.activeView.maintain(3);
  assert.deepEqual(ofType(m.take(), "dial"), []);
  m.activeView.maintain(1_002);
  assert.equal(ofType(m.take(), "dial").length, 1);
});

Deno.test("`ActiveView.onDisconnected()` checks a neighbour lost without bye, and replaces it", () => {
  const m = machines({ connectionsTarget: 1 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.take();
  m.activeView.onDisconnected(a.conn, "reset", 1);
  const effects = m.take();
  assert.deepEqual(ofType(effects, "dial").map((d) => d.addr), ["10.0.0.2:9000"]);
  assert.ok(m.links.isChecking(A));
  assert.match(ofType(effects, "log")[0]!.text, /^Lost aaaaaaaa/);
  assert.deepEqual(sentTo(effects, a.conn), []);
});

Deno.test("`ActiveView.onConnected()` keeps a join point that is a peer as a neighbour", () => {
  const m = machines();
  m.bootstrap.join("10.0.0.2:9000", 0);
  const [dial] = ofType(m.take(), "dial");
  m.activeView.onConnected(dial!.conn, hello(A, "10.0.0.2:9000"), 1);
  const link = m.links.get(dial!.conn)!;
  assert.equal(link.purpose, "peer");
  assert.ok(link.accepted);
  assert.equal(m.links.peerLink(A), link);
  const sent = sentTo(m.take(), link.conn).map((x) => x.type);
  assert.deepEqual(
    sent,
    ["register", "member", "have"],
    "the queued register, our own record, then the welcome",
  );
});

Deno.test("`ActiveView.onConnected()`: a proof dial that finds our view full still proves the member before it lets go", () => {
  const m = machines({ connectionsTarget: 1, connectionsMax: 1 });
  neighbour(m, A, "10.0.0.2:9000");
  // B only read about in A's list: not passed on until we meet it.
  m.membership.onPeers([alive(B, "10.0.0.3:9000")], 0, A);
  assert.equal(m.membership.get(B)?.onlyListed, true);
  assert.ok(!m.membership.peerList(C).some((p) => p.id === B));
  m.take();
  m.membership.expire(1);
  const [dial] = ofType(m.take(), "dial");
  assert.equal(dial?.addr, "10.0.0.3:9000", "the proof dial");
  m.activeView.onConnected(dial!.conn, hello(B, "10.0.0.3:9000"), 2);
  const effects = m.take();
  assert.deepEqual(ofType(effects, "close").map((c) => c.reason), ["verified alive"]);
  assert.equal(m.membership.get(B)?.onlyListed, false, "met in person");
  assert.ok(m.membership.peerList(C).some((p) => p.id === B), "now passed on");
  // Proven: no second proof dial to it.
  m.membership.expire(3);
  assert.ok(!ofType(m.take(), "dial").some((d) => d.addr === "10.0.0.3:9000"));
});
