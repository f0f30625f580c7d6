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
  // After the summary, the next one is news again.
  assert.deepEqual(dedupe.offer("stale address", WARNING_REPEAT_WINDOW_MS + 1), ["stale address"]);
});

Deno.test("WarningDedupe sums up earlier repeats before showing a warning again after the window", () => {
  const dedupe = new WarningDedupe({ windowMs: 10_000 });
  dedupe.offer("w", 0);
  dedupe.offer("w", 5_000);
  assert.deepEqual(dedupe.offer("w", 10_000), ["w (repeated 1 time in the last 10 s)", "w"]);
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
