import assert from "node:assert/strict";
import fc from "fast-check";
import {
  displayWidth,
  graphemes,
  graphemeWidth,
  TAB_COLUMNS,
} from "../../../lib/ui/terminal/text_width.ts";

Deno.test("graphemeWidth() counts wide, fullwidth and emoji as 2, a combined letter as 1", () => {
  const cases: [string, number][] = [
    ["a", 1],
    ["e\u0301", 1],
    ["世", 2],
    ["한", 2],
    ["ｈ", 2],
    ["👍", 2],
    ["👍🏽", 2],
    ["👨‍👩‍👧", 2],
    ["🇫🇷", 2],
    ["❤️", 2],
    ["❤", 1],
    ["\u0301", 0],
    ["\t", TAB_COLUMNS],
    ["\u0007", 1],
  ];
  for (const [grapheme, width] of cases) {
    assert.equal(graphemeWidth(grapheme), width, JSON.stringify(grapheme));
  }
});

Deno.test("graphemes() keeps combining marks, skin tones and ZWJ sequences with their base", () => {
  assert.deepEqual(graphemes("ae\u0301👍🏽👨‍👩‍👧🇫🇷b"), ["a", "e\u0301", "👍🏽", "👨‍👩‍👧", "🇫🇷", "b"]);
  assert.deepEqual(graphemes("abc"), ["a", "b", "c"]);
  assert.deepEqual(graphemes(""), []);
});

Deno.test("displayWidth() is the sum of the widths of the graphemes", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom("a", "Z", " ", "世", "e\u0301", "👍🏽", "ｈ")), (parts) => {
      const text = parts.join("");
      const sum = graphemes(text).reduce((n, g) => n + graphemeWidth(g), 0);
      assert.equal(displayWidth(text), sum);
    }),
  );
  assert.equal(displayWidth("ab世界👍🏽e\u0301"), 9);
});
