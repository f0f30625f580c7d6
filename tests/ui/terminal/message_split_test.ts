import assert from "node:assert/strict";
import fc from "fast-check";
import { utf8Bytes } from "../../../lib/wire/fields.ts";
import { splitText } from "../../../lib/ui/terminal/message_split.ts";

Deno.test("splitText() keeps a text that fits as one part", () => {
  assert.deepEqual(splitText("hello", 4096), ["hello"]);
  assert.deepEqual(splitText("", 4096), [""]);
});

Deno.test("splitText() cuts at a newline, else a space, in the second half of the allowance", () => {
  assert.deepEqual(splitText("aaaaaa\nbb cc dd", 10), ["aaaaaa", "bb cc dd"]);
  assert.deepEqual(splitText("aaaa\nbb cc dd", 10), ["aaaa\nbb", "cc dd"]);
  assert.deepEqual(splitText("aaaaaa bbbbbb", 10), ["aaaaaa", "bbbbbb"]);
  assert.deepEqual(splitText("a bbbbbbbbbbbb", 10), ["a bbbbbbbb", "bbbb"]);
  // Never inside a grapheme: the accented e stays whole.
  assert.deepEqual(splitText("xxxxxxxe\u0301yy", 9), ["xxxxxxx", "e\u0301yy"]);
});

Deno.test("splitText(): every part fits, parts but the last are at least half full, nothing is lost", () => {
  const unit = fc.constantFrom("a", "b", " ", "\n", "é", "世", "👍🏽", "e\u0301");
  fc.assert(
    fc.property(
      fc.string({ unit, maxLength: 600 }),
      fc.integer({ min: 16, max: 200 }),
      (text, max) => {
        const parts = splitText(text, max);
        for (const part of parts) assert.ok(utf8Bytes(part) <= max, JSON.stringify(part));
        // Each cut drops at most one space or newline.
        const kept = parts.join("").length;
        assert.ok(kept <= text.length && kept >= text.length - (parts.length - 1));
        assert.equal(parts.join("").replace(/\s/g, ""), text.replace(/\s/g, ""));
        assert.ok(parts.length <= Math.ceil((2 * utf8Bytes(text)) / max) + 1);
      },
    ),
  );
});
