import assert from "node:assert/strict";
import { A, BOOT, C, hello, machines, neighbour, ofType, sentTo } from "./_harness.ts";

Deno.test("`BootstrapClient` queues a register until connected, then closes once answered", () => {
  const m = machines({ bootstraps: [BOOT] });
  m.bootstrap.onRegisterTimer(0);
  const [dial] = ofType(m.take(), "dial");
  assert.equal(dial?.addr, BOOT);
  m.bootstrap.onRegisterTimer(1);
  assert.deepEqual(m.take(), [], "one unanswered register at a time");
  const link = m.links.get(dial!.conn)!;
  link.remote = hello("b00".padEnd(64, "0"), BOOT, "bootstrap");
  assert.ok(!m.bootstrap.onConnected(link, link.remote, 2));
  assert.deepEqual(sentTo(m.take(), link.conn), [
    { type: "register" },
    { type: "member", member: m.membership.selfInfo() },
  ], "a registration comes with our own record, which the runtime signs");
  m.bootstrap.onPeers(link, 3);
  assert.deepEqual(ofType(m.take(), "close").map((e) => e.reason), ["done"]);
});

Deno.test("`BootstrapClient.onRegisterTimer()` retries quickly until settled, then slowly", () => {
  const m = machines({ bootstraps: [BOOT] });
  m.bootstrap.onRegisterTimer(0);
  assert.equal(m.bootstrap.nextDeadlineMs(), 2_000, "not registered: retry");
  const none = machines();
  none.bootstrap.onRegisterTimer(0);
  assert.equal(none.bootstrap.nextDeadlineMs(), Infinity, "nowhere to register");
});

Deno.test("`BootstrapClient.onConnected()` hands over a join point that is a peer, and forgets it", () => {
  const m = machines();
  m.bootstrap.join("10.0.0.2:9000", 0);
  const [dial] = ofType(m.take(), "dial");
  const link = m.links.get(dial!.conn)!;
  link.remote = hello(A, "10.0.0.2:9000");
  assert.ok(m.bootstrap.onConnected(link, link.remote, 1));
  m.bootstrap.join("10.0.0.2:9000", 2);
  assert.equal(ofType(m.take(), "dial").length, 1, "the address is dialed anew");
});

Deno.test("`BootstrapClient.send()` dials anew once the old link closed", () => {
  const m = machines({ bootstraps: [BOOT] });
  m.bootstrap.tellAll({ type: "get-peers" }, 0);
  const [first] = ofType(m.take(), "dial");
  m.links.forget(m.links.get(first!.conn)!);
  m.bootstrap.tellAll({ type: "get-peers" }, 1);
  const [second] = ofType(m.take(), "dial");
  assert.notEqual(second?.conn, first?.conn);
});

Deno.test("`BootstrapClient` with addressBookUntilReached keeps trying the book with neighbours, until a remembered peer answers", () => {
  const book = ["10.0.0.7:9000"];
  const alone = machines({ addressBook: book });
  neighbour(alone, A, "10.0.0.2:9000");
  alone.take();
  alone.bootstrap.onRegisterTimer(0);
  assert.deepEqual(ofType(alone.take(), "dial"), [], "by default only while alone");

  const m = machines({ addressBook: book, addressBookUntilReached: true });
  neighbour(m, A, "10.0.0.2:9000");
  m.take();
  m.bootstrap.onRegisterTimer(0);
  const [dial] = ofType(m.take(), "dial");
  assert.equal(dial?.addr, "10.0.0.7:9000");
  assert.equal(m.bootstrap.nextDeadlineMs(), 2_000, "searching: the quick retry");
  const link = m.links.get(dial!.conn)!;
  link.remote = hello(C, "10.0.0.7:9000");
  assert.ok(m.bootstrap.onConnected(link, link.remote, 1));
  m.take();
  m.bootstrap.onRegisterTimer(2_000);
  assert.deepEqual(ofType(m.take(), "dial"), [], "reached: no more dials to the book");
});

Deno.test("`BootstrapClient` walks the address book in its order (proven addresses first), plus one at random, so announced addresses cannot bury the proven ones", () => {
  // Two proven addresses, then 254 that members merely announced (a flood may put them there).
  const book = [
    "10.0.0.7:9000",
    "10.0.0.8:9000",
    ...Array.from({ length: 254 }, (_, i) => `10.9.${i >> 8}.${i & 255}:9000`),
  ];
  const m = machines({ addressBook: book });
  const dialled: string[][] = [];
  for (let round = 0; round < 3; round++) {
    m.bootstrap.onRegisterTimer(round * 2_000);
    dialled.push(ofType(m.take(), "dial").map((d) => d.addr));
  }
  assert.equal(dialled[0]![0], "10.0.0.7:9000", "the first proven address, in the first round");
  assert.equal(dialled[1]![0], "10.0.0.8:9000", "the second, in the second");
  assert.equal(dialled[2]![0], book[2]);
  for (const round of dialled) {
    assert.ok(round.length >= 1 && round.length <= 2, `one or two dials a round: ${round}`);
    for (const addr of round) assert.ok(book.includes(addr));
  }
});
