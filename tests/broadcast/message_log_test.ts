import assert from "node:assert/strict";
import fc from "fast-check";
import { MessageLog } from "../../lib/broadcast/message_log.ts";
import type { CausalStamp } from "../../lib/causal/vector_clock.ts";

const stamp = (author: string, seq: number): CausalStamp => ({
  author,
  seq,
  clock: new Map([[author, seq]]),
});

/** What a peer with delivered clock `remote` lacks, as the node asks for it: a `want` range per author. */
function missing(log: MessageLog<CausalStamp>, remote: Map<string, number>, limit: number) {
  const ranges = ["a", "b", "c", "d"].map((author) => ({
    author,
    from: remote.get(author) ?? 0,
    to: Number.MAX_SAFE_INTEGER,
  }));
  return log.collect(ranges, limit);
}

Deno.test("MessageLog.add() requires each author's messages in sequence", () => {
  const log = new MessageLog();
  log.add(stamp("a", 1));
  log.add(stamp("a", 2));
  assert.throws(() => log.add(stamp("a", 2)), RangeError);
  assert.throws(() => log.add(stamp("a", 4)), RangeError);
  log.add(stamp("b", 7)); // a log may start anywhere (history skipped before it)
  assert.equal(log.floor("b"), 6);
  assert.equal(log.get("b", 7)?.seq, 7);
  assert.equal(log.get("b", 6), undefined);
});

Deno.test("MessageLog.collect() returns what the remote lacks, in delivery order, up to the limit", () => {
  const log = new MessageLog<CausalStamp>();
  const order = [stamp("a", 1), stamp("b", 1), stamp("a", 2), stamp("c", 1), stamp("b", 2)];
  for (const m of order) log.add(m);
  const lacks = missing(log, new Map([["a", 1]]), 10).map((m) => `${m.author}${m.seq}`);
  assert.deepEqual(lacks, ["b1", "a2", "c1", "b2"]);
  assert.deepEqual(missing(log, new Map([["a", 1]]), 2).map((m) => `${m.author}${m.seq}`), [
    "b1",
    "a2",
  ]);
  assert.deepEqual(missing(log, new Map([["a", 2], ["b", 2], ["c", 1]]), 10), []);
});

Deno.test("MessageLog prunes the oldest past messagesMax and reports floors", () => {
  const log = new MessageLog<CausalStamp>({ messagesMax: 3 });
  for (const m of [stamp("a", 1), stamp("b", 1), stamp("a", 2), stamp("a", 3)]) log.add(m);
  assert.equal(log.size, 3);
  assert.equal(log.floor("a"), 1);
  assert.equal(log.get("a", 1), undefined);
  assert.deepEqual(log.collect([{ author: "a", from: 0, to: 10 }], 10).map((m) => m.seq), [2, 3]);
  assert.equal(log.floor("b"), 0);
  assert.deepEqual(missing(log, new Map(), 10).map((m) => `${m.author}${m.seq}`), [
    "b1",
    "a2",
    "a3",
  ]);
});

/** The naive fair-share log: over a bound, the author holding the most loses its oldest. */
function naivePrune(
  model: CausalStamp[],
  authors: string[],
  measure: (m: CausalStamp) => number,
): void {
  let best = "";
  let bestValue = -1;
  for (const author of authors) {
    const value = model.filter((m) => m.author === author).reduce((sum, m) => sum + measure(m), 0);
    if (value > bestValue) [best, bestValue] = [author, value];
  }
  model.splice(model.findIndex((m) => m.author === best), 1);
}

Deno.test("MessageLog agrees with a naive fair-share model under random adds and prunes (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom("a", "b", "c", "d"), { maxLength: 300 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 400 }),
      fc.dictionary(fc.constantFrom("a", "b", "c", "d"), fc.nat(80)),
      (authors, max, bytesMax, remoteObject) => {
        const sizeOf = (m: CausalStamp) => m.seq % 13;
        const log = new MessageLog<CausalStamp>({ messagesMax: max, bytesMax, sizeOf });
        const model: CausalStamp[] = [];
        const seen: string[] = [];
        const next = new Map<string, number>();
        const bytes = () => model.reduce((sum, m) => sum + sizeOf(m), 0);
        for (const author of authors) {
          const seq = (next.get(author) ?? 0) + 1;
          next.set(author, seq);
          if (!seen.includes(author)) seen.push(author);
          const m = stamp(author, seq);
          log.add(m);
          model.push(m);
          while (model.length > max) naivePrune(model, seen, () => 1);
          while (bytes() > bytesMax) naivePrune(model, seen, sizeOf);
          assert.equal(log.size, model.length);
          assert.equal(log.bytes, bytes());
        }
        const remote = new Map(Object.entries(remoteObject));
        const expected = model.filter((m) => m.seq > (remote.get(m.author) ?? 0));
        assert.deepEqual(missing(log, remote, 1_000), expected);
        assert.deepEqual(missing(log, remote, 5), expected.slice(0, 5));
      },
    ),
  );
});

Deno.test("MessageLog: one author's flood pushes out its own history, never the others'", () => {
  const log = new MessageLog<CausalStamp>({ messagesMax: 100 });
  for (let seq = 1; seq <= 5; seq++) log.add(stamp("a", seq));
  for (let seq = 1; seq <= 1_000; seq++) log.add(stamp("b", seq));
  for (let seq = 1; seq <= 5; seq++) log.add(stamp("c", seq));
  assert.equal(log.size, 100);
  assert.equal(log.sizeOf("a"), 5);
  assert.equal(log.sizeOf("c"), 5);
  assert.equal(log.floor("b"), 910);
});

Deno.test("MessageLog: the byte bound prunes the author holding the most bytes", () => {
  const sizeOf = (m: CausalStamp) => (m.author === "big" ? 1_000 : 10);
  const log = new MessageLog<CausalStamp>({ bytesMax: 5_000, sizeOf });
  for (let seq = 1; seq <= 20; seq++) log.add(stamp("small", seq));
  for (let seq = 1; seq <= 20; seq++) log.add(stamp("big", seq));
  assert.equal(log.sizeOf("small"), 20);
  assert.equal(log.sizeOf("big"), 4);
  assert.equal(log.bytes, 4_200);
  assert.throws(() => new MessageLog({ bytesMax: 0 }), /Invalid bytesMax/);
});

Deno.test("MessageLog.skipTo() continues an author's log after the skipped history", () => {
  const log = new MessageLog({ messagesMax: 4 });
  log.add(stamp("a", 1));
  log.add(stamp("a", 2));
  log.add(stamp("b", 1));
  log.skipTo("a", 5);
  assert.equal(log.floor("a"), 5);
  assert.equal(log.size, 1);
  log.add(stamp("a", 6));
  assert.throws(() => log.add(stamp("a", 3)), RangeError);
  log.skipTo("c", 9);
  log.add(stamp("c", 10));
  log.add(stamp("b", 2));
  log.add(stamp("b", 3));
  assert.equal(log.size, 4);
  assert.equal(log.get("a", 6)?.seq, 6);
  assert.equal(log.get("b", 1), undefined, "b holds the most: its oldest goes");
  // The last logged or skipped, whatever was pruned: a pruned b#1 still counts.
  assert.deepEqual(["a", "b", "c", "d"].map((author) => log.lastSeq(author)), [6, 3, 10, 0]);
});

Deno.test("MessageLog.collect() gathers ranges of several authors in delivery order", () => {
  const log = new MessageLog();
  for (const m of [stamp("a", 1), stamp("b", 1), stamp("a", 2), stamp("b", 2), stamp("a", 3)]) {
    log.add(m);
  }
  const got = log.collect([{ author: "a", from: 1, to: 2 }, { author: "b", from: 0, to: 9 }], 10);
  assert.deepEqual(got.map((m) => `${m.author}${m.seq}`), ["b1", "a2", "b2"]);
  assert.deepEqual(log.collect([{ author: "z", from: 0, to: 9 }], 10), []);
});

Deno.test("MessageLog.replace() swaps a held message in place (order and byte count follow); heldSeqs() lists what is held", () => {
  const log = new MessageLog<CausalStamp & { size: number }>({
    sizeOf: (m) => m.size,
    messagesMax: 3,
  });
  for (let seq = 1; seq <= 4; seq++) log.add({ ...stamp("a", seq), size: 10 });
  assert.deepEqual(log.heldSeqs("a"), [2, 3, 4]);
  assert.deepEqual(log.heldSeqs("b"), []);
  assert.equal(log.bytes, 30);
  assert.ok(log.replace("a", 3, { ...stamp("a", 3), size: 4 }));
  assert.equal(log.bytes, 24);
  assert.equal(log.get("a", 3)?.size, 4);
  assert.ok(!log.replace("a", 1, { ...stamp("a", 1), size: 4 }), "pruned: not held");
  assert.ok(!log.replace("a", 9, { ...stamp("a", 9), size: 4 }));
  assert.deepEqual(
    log.collect([{ author: "a", from: 0, to: 9 }], 9).map((m) => [m.seq, m.size]),
    [[2, 10], [3, 4], [4, 10]],
  );
});

Deno.test("MessageLog.heldTops() lists the authors with messages held and the last of each, first logged first", () => {
  const log = new MessageLog();
  const stamp = (author: string, seq: number) => ({ author, seq, clock: new Map([[author, seq]]) });
  log.add(stamp("a", 1));
  log.add(stamp("a", 2));
  log.add(stamp("b", 4));
  log.skipTo("c", 3); // a floor, nothing held
  log.skipTo("b", 9); // b's messages are gone
  log.add(stamp("d", 1));
  assert.deepEqual([...log.heldTops()], [["a", 2], ["d", 1]]);
});

Deno.test("MessageLog: pooled authors share one fair share, so a flood of one-message identities prunes itself", () => {
  const log = new MessageLog({ messagesMax: 6, pooled: (author) => author.startsWith("x") });
  const stamp = (author: string, seq: number) => ({ author, seq, clock: new Map([[author, seq]]) });
  for (let seq = 1; seq <= 3; seq++) log.add(stamp("a", seq));
  log.add(stamp("b", 1));
  // Ten throwaway authors, one message each: without the pool, a (the largest) would lose its history.
  for (let i = 0; i < 10; i++) log.add(stamp(`x${i}`, 1));
  assert.equal(log.size, 6);
  assert.deepEqual(log.heldSeqs("a"), [1, 2, 3]);
  assert.deepEqual(log.heldSeqs("b"), [1]);
  assert.equal([...log.heldTops()].filter(([author]) => author.startsWith("x")).length, 2);
  // A pool no larger than the largest author: that author gives way as before.
  log.add(stamp("a", 4));
  assert.deepEqual(log.heldSeqs("a"), [2, 3, 4]);
});
