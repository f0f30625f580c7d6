import assert from "node:assert/strict";
import { A, B, BOOT, C, hello, machines, neighbour, ofType, SELF, sentTo } from "./_harness.ts";

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
    { type: "peer-down", id: A, addr: "aaa:9000", reason: "left", cause: "left" },
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

Deno.test("`Membership.judgeSuspects()`: our own failed check, then failed indirect probes, make a verdict that everyone hears", () => {
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
  // No neighbour confirmed it: ask A to reach B for us.
  m.membership.judgeSuspects(5_000);
  effects = m.take();
  assert.deepEqual(ofType(effects, "peer-down"), []);
  const [probe] = sentTo(effects, a.conn);
  assert.equal(probe?.type, "probe");
  // Nobody reached it by the next judgement: dead.
  m.membership.judgeSuspects(6_000);
  effects = m.take();
  assert.deepEqual(ofType(effects, "peer-down").map((e) => e.id), [B]);
  assert.deepEqual(sentTo(effects, a.conn), [
    { type: "member", member: { ...rumor(B), status: "dead" } },
  ]);
  assert.deepEqual(ofType(effects, "dial").map((e) => e.addr), [BOOT], "the bootstrap hears it");
});

Deno.test("`Membership.onIndirectAck()`: a neighbour that reaches the suspect acquits it", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.membership.apply(alive(B), 0);
  m.membership.suspect(B, "test", 0);
  m.membership.judgeSuspects(5_000);
  const probe = sentTo(m.take(), a.conn).find((x) => x.type === "probe");
  assert.ok(probe?.type === "probe");
  m.membership.onIndirectAck(B, probe.nonce, 5_100);
  assert.equal(m.membership.get(B)?.status, "alive");
  m.membership.judgeSuspects(20_000);
  assert.deepEqual(ofType(m.take(), "peer-down"), []);
});

Deno.test("`Membership`: our own failed check confirmed by two neighbours' verdicts is a verdict at the timeout", () => {
  const m = machines();
  neighbour(m, A, "10.0.0.2:9000");
  neighbour(m, C, "10.0.0.4:9000");
  m.membership.apply(alive(B), 0);
  m.membership.suspect(B, "test", 0);
  m.membership.apply({ ...rumor(B), status: "dead" }, 1, A);
  m.membership.apply({ ...rumor(B), status: "dead" }, 2, A);
  m.take();
  m.membership.judgeSuspects(5_000);
  assert.deepEqual(ofType(m.take(), "peer-down"), [], "one neighbour is one confirmation");
  m.membership.apply({ ...rumor(B), status: "dead" }, 5_001, C);
  m.membership.judgeSuspects(5_002);
  assert.deepEqual(ofType(m.take(), "peer-down").map((e) => e.id), [B]);
});

Deno.test("`Membership`: a rumor alone never kills — it starts our own check, and lapses when the check finds nothing", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const c = neighbour(m, C, "10.0.0.4:9000");
  m.membership.apply(alive(B), 0);
  m.take();
  // Even at the right incarnation, and from two neighbours.
  m.membership.apply({ ...rumor(B), status: "dead" }, 0, A);
  m.membership.apply({ ...rumor(B), status: "dead" }, 0, C);
  let effects = m.take();
  assert.deepEqual(ofType(effects, "peer-down"), []);
  assert.ok(m.membership.isLive(B));
  assert.deepEqual(ofType(effects, "dial").map((e) => e.addr), ["bbb:9000"], "our own check");
  assert.deepEqual(sentTo(effects, c.conn), [
    { type: "member", member: { ...rumor(B), status: "suspect" } },
  ], "the suspicion goes on (so that B hears it), another's verdict does not");
  assert.deepEqual(sentTo(effects, a.conn), []);
  m.membership.judgeSuspects(5_000);
  m.membership.judgeSuspects(9_999);
  assert.deepEqual(ofType(m.take(), "peer-down"), []);
  m.membership.judgeSuspects(10_000);
  assert.equal(m.membership.get(B)?.status, "alive", "acquitted: nothing of our own against it");
  effects = m.take();
  assert.deepEqual(ofType(effects, "peer-down"), []);
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

Deno.test("`Membership.expire()` checks a random member it is not linked to, quietly, every memberCheckIntervalMs", () => {
  const m = machines({ memberCheckIntervalMs: 10_000 });
  neighbour(m, A, "10.0.0.2:9000");
  m.membership.apply(alive(C), 0); // a member met directly, not a neighbour
  m.take();
  m.membership.expire(1);
  const dial = ofType(m.take(), "dial").find((d) => d.addr === "ccc:9000");
  assert.ok(dial !== undefined, "C is checked");
  assert.equal(m.links.get(dial.conn)?.checkOnly, true);
  m.membership.expire(5_000);
  assert.equal(ofType(m.take(), "dial").length, 0, "not again before the interval");
  // It answers: alive, and let go at once (no neighbour taken for a check).
  m.activeView.onConnected(dial.conn, hello(C, "ccc:9000"), 5_001);
  const effects = m.take();
  assert.ok(
    ofType(effects, "close").some((e) => e.conn === dial.conn && e.reason === "verified alive"),
  );
  assert.ok(!m.links.peerLink(C)?.accepted);
  // Refused the next time: that is a verdict.
  m.membership.expire(15_002);
  const again = ofType(m.take(), "dial").find((d) => d.addr === "ccc:9000")!;
  m.activeView.onDialFailed(again.conn, "connection refused", 15_003);
  assert.equal(m.membership.get(C)?.status, "dead");
});

Deno.test("`Membership`: a rumor about another life of a member is no evidence, but makes this peer look for itself", () => {
  const m = machines({ memberCheckIntervalMs: 60_000 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.membership.apply(alive(C, 4), 0);
  m.membership.expire(1); // the random check of C: it answers
  const first = ofType(m.take(), "dial").find((d) => d.addr === "ccc:9000")!;
  m.activeView.onConnected(first.conn, hello(C, "ccc:9000"), 2);
  m.take();
  m.membership.onMember(a, { type: "member", member: { ...rumor(C, 3), status: "dead" } }, 70_000);
  assert.equal(m.membership.get(C)?.status, "alive", "a stale rumor kills nobody");
  const dial = ofType(m.take(), "dial").find((d) => d.addr === "ccc:9000");
  assert.ok(dial !== undefined && m.links.get(dial.conn)?.checkOnly === true, "but C is checked");
});

Deno.test("`Membership`: a suspicion (not a verdict) of a member we are not linked to is checked by a dial once half the time to refute has passed", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.membership.apply(alive(B), 0);
  m.take();
  m.membership.onMember(a, { type: "member", member: { ...rumor(B), status: "suspect" } }, 0);
  assert.deepEqual(ofType(m.take(), "dial"), [], "a refutation may come first");
  m.membership.judgeSuspects(2_499);
  assert.deepEqual(ofType(m.take(), "dial"), []);
  m.membership.judgeSuspects(2_500);
  assert.deepEqual(ofType(m.take(), "dial").map((e) => e.addr), ["bbb:9000"]);
});

Deno.test("`Membership`: a suspicion the member has already refuted (an earlier incarnation) triggers no check", () => {
  const m = machines({ memberCheckIntervalMs: 60_000 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.membership.apply(alive(C, 4), 0);
  m.take();
  m.membership.onMember(a, { type: "member", member: { ...rumor(C, 3), status: "suspect" } }, 1);
  assert.equal(m.membership.get(C)?.status, "alive");
  assert.deepEqual(ofType(m.take(), "dial"), []);
  // A suspicion of a later life than we know is worth a look.
  m.membership.onMember(a, { type: "member", member: { ...rumor(C, 5), status: "suspect" } }, 2);
  assert.deepEqual(ofType(m.take(), "dial").map((d) => d.addr), ["ccc:9000"]);
});

Deno.test("`Membership.apply()` names a member by the nick of its signed record, and a rumor never renames it", () => {
  const m = machines();
  m.membership.apply({ ...alive(A), nick: "bob" }, 0);
  assert.deepEqual(m.take(), [{ type: "peer-up", id: A, addr: "aaa:9000", nick: "bob" }]);
  m.membership.apply({ ...rumor(A), status: "suspect" }, 1);
  assert.equal(m.membership.get(A)?.nick, "bob");
  assert.deepEqual(m.membership.live().map((e) => e.nick), ["bob"]);
});

Deno.test("`Membership.apply()` reports a nick change once, at the member's next incarnation", () => {
  const m = machines();
  m.membership.apply({ ...alive(A), nick: "bob" }, 0);
  m.take();
  assert.ok(m.membership.apply({ ...alive(A, 1), nick: "robert" }, 1));
  assert.ok(!m.membership.apply({ ...alive(A, 1), nick: "robert" }, 2), "a copy is old news");
  assert.ok(!m.membership.apply({ ...alive(A, 0), nick: "bob" }, 3), "an older record loses");
  assert.deepEqual(m.take(), [{ type: "nick", id: A, old: "bob", new: "robert" }]);
  assert.equal(m.membership.get(A)?.nick, "robert");
});

Deno.test("`Membership.learnFromHello()` names a neighbour by its hello before any record came", () => {
  const m = machines();
  neighbour(m, A, "10.0.0.2:9000");
  assert.deepEqual(ofType(m.take(), "peer-up"), [
    { type: "peer-up", id: A, addr: "10.0.0.2:9000", nick: "aaa" },
  ]);
  assert.equal(m.membership.get(A)?.nick, "aaa");
});

Deno.test("`Membership.setNick()` re-signs this peer's record at the next incarnation and floods it", () => {
  const m = machines({ bootstraps: [BOOT] });
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.take();
  assert.equal(m.membership.selfInfo().nick, "me");
  m.membership.setNick("you", 5);
  assert.equal(m.membership.incarnation, 1);
  const record = { ...m.membership.selfInfo() };
  assert.deepEqual(record.nick, "you");
  const effects = m.take();
  assert.deepEqual(sentTo(effects, a.conn), [{ type: "member", member: record }]);
  assert.equal(
    ofType(effects, "log").length,
    1,
    "an event, so that a store records the incarnation",
  );
  m.membership.setNick("you", 6);
  assert.equal(m.membership.incarnation, 1, "the same nick is no change");
});

Deno.test("`Membership.declareDead()` says why in a word and names the member", () => {
  const m = machines();
  m.membership.apply({ ...alive(A), nick: "bob" }, 0);
  m.take();
  m.membership.declareDead(A, "unreachable: connection refused", 1, "connection-lost");
  assert.deepEqual(ofType(m.take(), "peer-down"), [{
    type: "peer-down",
    id: A,
    addr: "aaa:9000",
    reason: "unreachable: connection refused",
    cause: "connection-lost",
    nick: "bob",
  }]);
});

Deno.test("`Membership.declareDead()` calls a death after a dropped link a lost connection, else not answering", () => {
  const m = machines();
  m.membership.apply(alive(A), 0);
  m.membership.apply(alive(B), 0);
  m.membership.noteLinkLost(A);
  m.take();
  m.membership.declareDead(A, "suspected for 5000 ms", 1);
  m.membership.declareDead(B, "suspected for 5000 ms", 1);
  assert.deepEqual(ofType(m.take(), "peer-down").map((e) => [e.id, e.cause]), [
    [A, "connection-lost"],
    [B, "not-answering"],
  ]);
});

Deno.test("`Membership`: meeting a member it only read about in a list floods that member's own signed record to the other neighbours, once", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  // C read in A's list: not passed on, and dialled to prove it.
  m.membership.onPeers([alive(C)], 0, A);
  assert.equal(m.membership.get(C)?.onlyListed, true);
  m.take();
  m.membership.expire(1);
  const dial = ofType(m.take(), "dial").find((d) => d.addr === "ccc:9000")!;
  m.activeView.onConnected(dial.conn, hello(C, "ccc:9000"), 2);
  const effects = m.take();
  const record = { type: "member", member: alive(C) };
  assert.deepEqual(sentTo(effects, a.conn), [record]);
  assert.deepEqual(sentTo(effects, b.conn), [record]);
  assert.ok(!sentTo(effects, dial.conn).some((x) => x.type === "member" && x.member.id === C));
  assert.equal(m.membership.get(C)?.onlyListed, false);
  // Proven: not dialled again, and nothing more to vouch for.
  m.membership.expire(3);
  const later = m.take();
  assert.deepEqual(ofType(later, "dial"), []);
  assert.deepEqual(ofType(later, "send"), []);
});

Deno.test("`Membership.onMember()`: a flooded record of a member it only read about makes it passable and goes on; a second copy stops", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  m.membership.onPeers([alive(C)], 0, A);
  assert.ok(!m.membership.peerList(SELF).some((p) => p.id === C), "only read about: not passed on");
  m.take();
  const record = { type: "member" as const, member: alive(C) };
  m.membership.onMember(b, record, 1);
  assert.deepEqual(sentTo(m.take(), a.conn), [record], "news: on to the others");
  assert.ok(m.membership.peerList(SELF).some((p) => p.id === C), "passed on now");
  m.membership.onMember(a, record, 2);
  assert.deepEqual(sentTo(m.take(), b.conn), [], "old news stops");
  // A peer list never makes a member passable.
  m.membership.onPeers([alive("d".repeat(64))], 3, A);
  m.membership.onPeers([alive("d".repeat(64))], 4, B);
  assert.equal(m.membership.get("d".repeat(64))?.onlyListed, true);
});

Deno.test("`Membership`: a proof dial lets go after the hello even with room in the view: it asks for nothing and takes no neighbour slot", () => {
  const m = machines();
  neighbour(m, A, "10.0.0.2:9000");
  m.membership.onPeers([alive(C)], 0, A);
  m.take();
  m.membership.expire(1);
  const dial = ofType(m.take(), "dial").find((d) => d.addr === "ccc:9000")!;
  assert.equal(m.links.get(dial.conn)?.checkOnly, true);
  m.activeView.onConnected(dial.conn, hello(C, "ccc:9000"), 2);
  const effects = m.take();
  assert.deepEqual(sentTo(effects, dial.conn).map((x) => x.type), ["bye"]);
  assert.deepEqual(ofType(effects, "close").map((c) => c.reason), ["verified alive"]);
  assert.equal(m.links.peerLink(C), undefined);
  assert.equal(m.membership.get(C)?.onlyListed, false, "proven");
});

Deno.test("`Membership`: a proof dial that finds this peer full still proves the member, and its record goes to the neighbours", () => {
  const m = machines({ connectionsTarget: 1, connectionsMax: 1 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.membership.solicit(a, 0);
  m.membership.onPeers([alive(C)], 0, A); // C read of in A's list only
  m.take();
  assert.equal(m.membership.get(C)?.onlyListed, true);
  assert.ok(!m.membership.peerList(B).some((p) => p.id === C), "not passed on unproven");
  m.membership.expire(1);
  const dial = ofType(m.take(), "dial").find((d) => d.addr === "ccc:9000");
  assert.ok(dial !== undefined, "C is dialled to prove it");
  // It answers while our one slot is taken: we let go, but it is proven.
  m.activeView.onConnected(dial.conn, hello(C, "ccc:9000"), 2);
  const effects = m.take();
  assert.ok(
    ofType(effects, "close").some((e) => e.conn === dial.conn && e.reason === "verified alive"),
  );
  assert.equal(m.membership.get(C)?.onlyListed, false);
  assert.ok(m.membership.peerList(B).some((p) => p.id === C), "passed on once proven");
  assert.deepEqual(sentTo(effects, a.conn), [{ type: "member", member: alive(C) }]);
  // Proven once: no second proof dial, and nothing sent again.
  m.membership.expire(600);
  assert.ok(!ofType(m.take(), "dial").some((d) => d.addr === "ccc:9000"));
});

Deno.test("`Membership`: in a partial view (a full table) a proof is passed on in lists, not flooded, and a flooded proof goes no further", () => {
  const m = machines({ membersMax: 4 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  const b = neighbour(m, B, "10.0.0.3:9000");
  const d = "d".repeat(64);
  m.membership.onPeers([alive(C), alive(d)], 0, A); // A, B, C, d: full
  assert.equal(m.membership.size, 4);
  const listed = [C, d].find((id) => m.membership.get(id)?.onlyListed === true)!;
  m.take();
  m.membership.expire(1);
  const dial = ofType(m.take(), "dial").find((x) => x.addr === `${listed.slice(0, 3)}:9000`)!;
  m.activeView.onConnected(dial.conn, hello(listed, dial.addr), 2);
  let effects = m.take();
  assert.equal(m.membership.get(listed)?.onlyListed, false, "proven");
  assert.deepEqual(ofType(effects, "send").filter((x) => x.message.type === "member"), []);
  assert.ok(m.membership.peerList(B).some((p) => p.id === listed), "passed on in lists");
  // A record we only read of, flooded to us: passable now, but not relayed.
  const other = listed === C ? d : C;
  assert.equal(m.membership.get(other)?.onlyListed, true);
  m.membership.onMember(b, { type: "member", member: alive(other) }, 3);
  effects = m.take();
  assert.equal(m.membership.get(other)?.onlyListed, false);
  assert.deepEqual(sentTo(effects, a.conn), []);
});

Deno.test("`Membership`: a member that dials us is not vouched for to our neighbours (we never dialled its address)", () => {
  const m = machines();
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.membership.solicit(a, 0);
  m.membership.onPeers([alive(C)], 0, A);
  m.take();
  neighbour(m, C, "ccc:9000", 1);
  assert.equal(
    sentTo(m.take(), a.conn).filter((s) => s.type === "member" && s.member.id === C).length,
    0,
  );
});

Deno.test("`Membership`: while a full teacher's members are refused, a round proves up to proofDialsPerRoundMax of what it taught, flooded or listed", () => {
  const m = machines({
    unprovenPerSourceMax: 2,
    proofDialsPerRoundMax: 3,
    memberCheckIntervalMs: 1e9,
  });
  const a = neighbour(m, A, "10.0.0.2:9000");
  const [d, e, f] = ["d", "e", "f"].map((c) => c.repeat(64));
  // Flooded records (not lists): never proved before, as someone met them.
  for (const id of [d!, e!, f!]) m.membership.onMember(a, { type: "member", member: alive(id) }, 0);
  assert.equal(m.membership.get(f!), undefined, "A is full: the third is refused");
  m.take();
  m.membership.expire(1);
  const dialled = ofType(m.take(), "dial").map((x) => x.addr).sort();
  assert.deepEqual(dialled, ["ddd:9000", "eee:9000"], "both of A's, each once");
  m.membership.expire(2);
  assert.deepEqual(ofType(m.take(), "dial"), [], "nothing refused since: flooded members rest");
});

Deno.test("`Membership`: proof dials, quiet checks and a rumor's check wait while livenessDialsInFlightMax liveness dials have not finished their hello", () => {
  const m = machines({
    unprovenPerSourceMax: 3,
    proofDialsPerRoundMax: 4,
    livenessDialsInFlightMax: 2,
    memberCheckIntervalMs: 10_000,
  });
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.membership.solicit(a, 0);
  const ids = ["d", "e", "f", "g"].map((c) => c.repeat(64));
  m.membership.onPeers(ids.map((id) => alive(id)), 0, A); // the fourth is refused: A is full
  m.take();
  m.membership.expire(1);
  const first = ofType(m.take(), "dial");
  assert.equal(first.length, 2, "a round would prove 4; 2 may be in flight");
  assert.equal(m.links.checksInFlight, 2);
  m.membership.expire(600);
  m.membership.expire(10_001); // a quiet check is due too
  assert.deepEqual(ofType(m.take(), "dial"), [], "none until one finishes");
  // A rumor's check waits for room too, and is tried again while the suspicion stands.
  m.membership.apply(alive(C), 10_002);
  m.membership.apply({ ...rumor(C), status: "suspect" }, 10_003, A);
  m.membership.judgeSuspects(20_000);
  assert.deepEqual(ofType(m.take(), "dial"), []);
  // A hello later there is room for one: the rumor's check.
  const [done] = first;
  const id = ids.find((x) => done!.addr === `${x.slice(0, 3)}:9000`)!;
  m.activeView.onConnected(done!.conn, hello(id, done!.addr), 20_100);
  m.take();
  assert.equal(m.links.checksInFlight, 1);
  m.membership.judgeSuspects(20_200);
  assert.deepEqual(ofType(m.take(), "dial").map((d) => d.addr), ["ccc:9000"]);
  m.membership.expire(20_600);
  assert.deepEqual(ofType(m.take(), "dial"), [], "full again");
  assert.equal(m.links.checksInFlight, 2);
});
