import assert from "node:assert/strict";
import { AuthorRates } from "../../lib/peer/author_rate.ts";
import { A, B, chat, machines, neighbour } from "./_harness.ts";

Deno.test("AuthorRates admits a burst of twice the rate, then the rate", () => {
  const rates = new AuthorRates({ messagesPerSecond: 10, bytesPerSecond: 1_000, authorsMax: 8 });
  let admitted = 0;
  for (let i = 0; i < 50; i++) if (rates.admit(A, 1, 0)) admitted++;
  assert.equal(admitted, 20);
  assert.ok(rates.admit(B, 1, 0), "another author has its own bucket");
  assert.ok(!rates.admit(A, 1, 50));
  assert.ok(rates.admit(A, 1, 100), "one message's worth back after 100 ms");
  assert.ok(!rates.admit(A, 1, 100));
});

Deno.test("AuthorRates bounds bytes as well as messages, and forgets the author idle longest", () => {
  const rates = new AuthorRates({ messagesPerSecond: 1_000, bytesPerSecond: 100, authorsMax: 2 });
  assert.ok(rates.admit(A, 150, 0));
  assert.ok(!rates.admit(A, 100, 0), "200 bytes of burst, 150 spent");
  assert.ok(rates.admit(A, 50, 0));
  rates.admit(B, 1, 0);
  rates.admit("c".repeat(64), 1, 0);
  assert.equal(rates.size, 2);
  assert.ok(rates.admit(A, 150, 0), "A was forgotten: it starts full again");
});

Deno.test("Dissemination refuses an author's messages past its rate: not delivered, not relayed", () => {
  const m = machines({ authorMessagesPerSecondMax: 2 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  neighbour(m, B, "10.0.0.3:9000");
  m.take();
  for (let seq = 1; seq <= 6; seq++) {
    m.dissemination.onChat(a, chat(A, seq, { [A]: seq }), false, 0);
  }
  const effects = m.take();
  assert.equal(effects.filter((e) => e.type === "deliver").length, 4, "a burst of twice the rate");
  assert.equal(m.delivery.deliveredSeq(A), 4);
  // Counted for /metrics (p2pchat_rate_limited_total{limiter="author_rate"}).
  assert.deepEqual(m.dissemination.limitDrops, { authorRate: 2, holdBack: 0 });
  // A second later the rate allows more: repair brings the rest.
  m.dissemination.onChat(a, chat(A, 5, { [A]: 5 }), true, 1_000);
  assert.equal(m.delivery.deliveredSeq(A), 5);
});

Deno.test("Dissemination counts the new chat a full hold-back queue refuses", () => {
  const m = machines({ holdBackPerAuthorMax: 1 });
  const a = neighbour(m, A, "10.0.0.2:9000");
  m.take();
  // Seq 1 is missing: 2 is held, 3 finds the author's share full.
  m.dissemination.onChat(a, chat(A, 2, { [A]: 2 }), false, 0);
  m.dissemination.onChat(a, chat(A, 3, { [A]: 3 }), false, 0);
  assert.equal(m.delivery.heldCount, 1);
  assert.deepEqual(m.dissemination.limitDrops, { authorRate: 0, holdBack: 1 });
});
