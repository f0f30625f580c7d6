import assert from "node:assert/strict";
import { REPAIR_LOG_ENTRIES_MAX, RepairLog } from "../../lib/web/repair_log.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

Deno.test("RepairLog counts have/want/skip by direction and summarizes each", () => {
  const log = new RepairLog();
  log.add({
    direction: "in",
    peer: B,
    message: { type: "have", full: true, clock: new Map([[A, 3], [B, 2]]) },
  }, 1);
  log.add({
    direction: "out",
    peer: B,
    message: { type: "want", graft: false, ranges: [{ author: A, from: 3, to: 5 }] },
  }, 2);
  log.add(
    { direction: "in", peer: undefined, message: { type: "skip", clock: new Map([[A, 9]]) } },
    3,
  );
  assert.deepEqual(log.counts, {
    haveIn: 1,
    haveOut: 0,
    wantIn: 0,
    wantOut: 1,
    skipIn: 1,
    skipOut: 0,
  });
  assert.deepEqual(log.entries().map((e) => [e.n, e.dir, e.kind, e.summary]), [
    [1, "in", "have", "full: 2 authors, 5 messages"],
    [2, "out", "want", "repair: 2 messages of 1 authors"],
    [3, "in", "skip", "aaaaaa to #9"],
  ]);
  assert.equal(log.entries()[0]!.peer, B);
  assert.equal("peer" in log.entries()[2]!, false);
});

Deno.test("RepairLog keeps the latest entriesMax entries and names few skipped authors", () => {
  const log = new RepairLog({ entriesMax: 2 });
  const skip = new Map(Array.from({ length: 10 }, (_, i) => [String(i).repeat(64), i + 1]));
  for (let i = 0; i < 5; i++) {
    log.add({ direction: "out", peer: A, message: { type: "skip", clock: skip } }, i);
  }
  assert.deepEqual(log.entries().map((e) => e.n), [4, 5]);
  assert.match(log.entries()[0]!.summary, / and 7 more$/);
  assert.equal(log.counts.skipOut, 5);
  assert.equal(new RepairLog().entries().length, 0);
  assert.ok(REPAIR_LOG_ENTRIES_MAX >= 10);
  assert.throws(() => new RepairLog({ entriesMax: 0 }), RangeError);
});
