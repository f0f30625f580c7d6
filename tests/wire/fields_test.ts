import assert from "node:assert/strict";
import {
  checkNick,
  checkNickText,
  checkStr,
  hasControlCharacter,
  nickProblem,
  quoteForError,
  textProblem,
  utf8Bytes,
} from "../../lib/wire/fields.ts";
import { DEFAULT_WIRE_LIMITS } from "../../lib/wire/wire_limits.ts";

const fail = (detail: string): never => {
  throw new RangeError(detail);
};

Deno.test("utf8Bytes() counts exactly what TextEncoder writes", () => {
  const encoder = new TextEncoder();
  for (const text of ["", "ann", "é", "中文", "🦕", "a🦕é中", "\ufeff", "x".repeat(100)]) {
    assert.equal(utf8Bytes(text), encoder.encode(text).length, text);
  }
});

Deno.test("hasControlCharacter() finds C0, DEL and C1, and nothing else", () => {
  for (const control of ["\u0000", "\n", "\u001f", "\u007f", "\u0080", "\u009f"]) {
    assert.ok(hasControlCharacter(`a${control}b`), JSON.stringify(control));
  }
  for (const fine of ["ann", "é", "\u00a0", "\u200b", "🦕"]) assert.ok(!hasControlCharacter(fine));
  assert.equal(quoteForError("it's\u0007"), "'it\\'s\\u0007'");
});

Deno.test("textProblem() gives the chat-text rule: well-formed, at most textBytesMax UTF-8 bytes", () => {
  assert.equal(textProblem(""), undefined);
  assert.equal(textProblem("x".repeat(4096)), undefined);
  assert.equal(textProblem("x".repeat(4097)), "text is 4097 bytes, limit 4096");
  assert.equal(textProblem("🦕".repeat(1025)), "text is 4100 bytes, limit 4096");
  assert.equal(textProblem("a\ud800"), "text is not well-formed Unicode");
  assert.equal(textProblem("abc", { textBytesMax: 2 }), "text is 3 bytes, limit 2");
});

Deno.test("checkStr() and checkNick() count UTF-8 bytes: a surrogate pair is 4", () => {
  const emoji = "🦕".repeat(DEFAULT_WIRE_LIMITS.textBytesMax / 4); // 4096 bytes of UTF-8
  assert.equal(checkStr(emoji, "text", DEFAULT_WIRE_LIMITS.textBytesMax, fail), emoji);
  assert.throws(() => checkStr(`${emoji}x`, "text", 4096, fail), /text is 4097 bytes, limit 4096/);
  assert.throws(() => checkStr(`${emoji}🦕`, "text", 4096, fail), /text is 4100 bytes, limit 4096/);
  const nick = "🦕".repeat(8); // 32 bytes
  assert.equal(checkNick(nick, "nick", DEFAULT_WIRE_LIMITS, fail), nick);
  assert.throws(
    () => checkNick(`${nick}🦕`, "nick", DEFAULT_WIRE_LIMITS, fail),
    /36 bytes, limit 32/,
  );
  // Direct messages and the front ends count the same way.
  assert.throws(
    () => checkNickText(`${nick}🦕`, "nick", DEFAULT_WIRE_LIMITS, fail),
    /36 bytes, limit 32/,
  );
  assert.match(nickProblem(`${nick}🦕`) ?? "", /36 bytes, limit 32/);
});

Deno.test("checkNick() refuses an empty nick, a control character and a non-str", () => {
  assert.throws(() => checkNick("", "nick", DEFAULT_WIRE_LIMITS, fail), /nick is empty/);
  assert.throws(
    () => checkNick("a\nb", "nick", DEFAULT_WIRE_LIMITS, fail),
    /nick 'a\\u000ab' contains a control character/,
  );
  assert.throws(() => checkNick(7, "nick", DEFAULT_WIRE_LIMITS, fail), /nick must be a str, got 7/);
});
