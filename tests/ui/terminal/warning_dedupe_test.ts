import assert from "node:assert/strict";
import fc from "fast-check";
import {
  WARNING_KEYS_MAX,
  WARNING_REPEAT_WINDOW_MS,
  WarningDedupe,
} from "../../../lib/ui/terminal/warning_dedupe.ts";

Deno.test("WarningDedupe shows a warning once, counts repeats, and sums them up when the minute is over", () => {
  const dedupe = new WarningDedupe();
  assert.deepEqual(dedupe.offer("stale address", 0), ["stale address"]);
  for (let t = 1; t <= 12; t++) assert.deepEqual(dedupe.offer("stale address", t * 1000), []);
  assert.deepEqual(dedupe.offer("other", 13_000), ["other"]);
  assert.deepEqual(dedupe.flush(WARNING_REPEAT_WINDOW_MS - 1), []);
  assert.deepEqual(dedupe.flush(WARNING_REPEAT_WINDOW_MS), [
    "stale address (repeated 12 times in the last minute)",
  ]);
  // Still repeating: counted again, one line per window, never shown on its own.
  const window2 = WARNING_REPEAT_WINDOW_MS;
  assert.deepEqual(dedupe.offer("stale address", window2 + 1), []);
  assert.deepEqual(dedupe.offer("stale address", window2 + 2), []);
  assert.deepEqual(dedupe.flush(2 * window2), [
    "stale address (repeated 2 times in the last minute)",
  ]);
  // A quiet minute: forgotten, and news again next time.
  assert.deepEqual(dedupe.flush(3 * window2), []);
  assert.equal(dedupe.size, 0);
  assert.deepEqual(dedupe.offer("stale address", 3 * window2 + 1), ["stale address"]);
});

Deno.test("WarningDedupe counts repeats without a flush too: the count comes with the next repeat", () => {
  const dedupe = new WarningDedupe({ windowMs: 10_000 });
  assert.deepEqual(dedupe.offer("w", 0), ["w"]);
  assert.deepEqual(dedupe.offer("w", 5_000), []);
  assert.deepEqual(dedupe.offer("w", 10_000), ["w (repeated 1 time in the last 10 s)"]);
  assert.deepEqual(dedupe.offer("w", 25_000), ["w (repeated 1 time in the last 10 s)"]);
  assert.deepEqual(dedupe.offer("w", 27_000), []);
  assert.deepEqual(dedupe.flush(35_000), ["w (repeated 2 times in the last 10 s)"]);
  assert.deepEqual(dedupe.offer("w", 70_000), ["w"], "after a quiet window, news again");
});

Deno.test(`WarningDedupe remembers at most ${WARNING_KEYS_MAX} warnings by default`, () => {
  fc.assert(
    fc.property(fc.array(fc.nat(1000), { maxLength: 2000 }), (keys) => {
      const dedupe = new WarningDedupe();
      let shown = 0;
      keys.forEach((key, t) => (shown += dedupe.offer(`w${key}`, t).length));
      assert.ok(dedupe.size <= WARNING_KEYS_MAX);
      assert.ok(shown >= new Set(keys).size, "every distinct warning is shown at least once");
    }),
    { numRuns: 50 },
  );
  assert.throws(() => new WarningDedupe({ keysMax: 0 }), RangeError);
});
