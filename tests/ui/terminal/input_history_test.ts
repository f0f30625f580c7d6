import assert from "node:assert/strict";
import { INPUT_HISTORY_ENTRIES_MAX, InputHistory } from "../../../lib/ui/terminal/input_history.ts";

Deno.test("InputHistory recalls sent lines newest first and gives the draft back past the newest", () => {
  const history = new InputHistory();
  history.add("one");
  history.add("two");
  assert.equal(history.previous("typing"), "two");
  assert.equal(history.previous("two"), "one");
  assert.equal(history.previous("one"), undefined);
  assert.equal(history.next(), "two");
  assert.equal(history.next(), "typing");
  assert.equal(history.next(), undefined);
});

Deno.test(`InputHistory keeps at most ${INPUT_HISTORY_ENTRIES_MAX} lines by default, repeats once`, () => {
  const history = new InputHistory();
  for (let i = 0; i < INPUT_HISTORY_ENTRIES_MAX + 50; i++) history.add(`line ${i}`);
  history.add(`line ${INPUT_HISTORY_ENTRIES_MAX + 49}`);
  history.add("");
  assert.equal(history.entries.length, INPUT_HISTORY_ENTRIES_MAX);
  assert.equal(history.entries[0], "line 50");
  assert.throws(() => new InputHistory(0), RangeError);
});
