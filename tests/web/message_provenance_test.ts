import assert from "node:assert/strict";
import { PROVENANCE_MESSAGES_MAX, ProvenanceRing } from "../../lib/web/message_provenance.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);
const m = (seq: number) => ({ author: A, seq, clock: { [A]: seq } });

Deno.test("ProvenanceRing records the first arrival, a hold-back and its release", () => {
  const ring = new ProvenanceRing();
  const first = ring.arrived(m(2), {
    from: B,
    atMs: 10,
    repair: false,
    waitsFor: { author: A, seq: 1 },
  });
  assert.deepEqual(first, {
    author: A,
    seq: 2,
    copies: 1,
    arrivedAt: 10,
    clock: { [A]: 2 },
    repair: false,
    from: B,
    heldAt: 10,
    waitsFor: { author: A, seq: 1 },
  });
  // A duplicate changes nothing but the count.
  assert.equal(ring.arrived(m(2), { from: A, atMs: 11, repair: true }), undefined);
  assert.equal(ring.get(A, 2)?.copies, 2);
  assert.equal(ring.get(A, 2)?.from, B);
  const delivered = ring.delivered(m(2), 20);
  assert.equal(delivered.releasedAt, 20);
  assert.equal(delivered.deliveredAt, 20);
});

Deno.test("ProvenanceRing: a message delivered at once was never held", () => {
  const ring = new ProvenanceRing();
  ring.delivered(m(1), 5);
  const record = ring.arrived(m(1), { from: B, atMs: 5, repair: false })!;
  assert.equal(record.deliveredAt, 5);
  assert.equal(record.heldAt, undefined);
  assert.equal(record.releasedAt, undefined);
});

Deno.test("ProvenanceRing keeps at most messagesMax records, forgetting the oldest", () => {
  const ring = new ProvenanceRing({ messagesMax: 3 });
  for (let seq = 1; seq <= 5; seq++) ring.delivered(m(seq), seq);
  assert.equal(ring.size, 3);
  assert.deepEqual(ring.all().map((r) => r.seq), [3, 4, 5]);
  assert.equal(ring.get(A, 1), undefined);
  const full = new ProvenanceRing();
  for (let seq = 1; seq <= PROVENANCE_MESSAGES_MAX + 10; seq++) full.delivered(m(seq), seq);
  assert.equal(full.size, PROVENANCE_MESSAGES_MAX);
});

Deno.test("ProvenanceRing refuses a limit under 1", () => {
  assert.throws(() => new ProvenanceRing({ messagesMax: 0 }), RangeError);
});
