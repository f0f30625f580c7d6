import assert from "node:assert/strict";
import fc from "fast-check";
import { fingerprint, formatClockTime, sanitizeForTerminal } from "../../lib/ui/display.ts";

// deno-lint-ignore no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

Deno.test("sanitizeForTerminal() leaves ordinary text alone", () => {
  for (const text of ["", "hello", "Zoë — naïve café", "名前 🦕 👩‍👩‍👧", "a  b", "<b>&amp;</b>"]) {
    assert.equal(sanitizeForTerminal(text), text);
  }
});

Deno.test("sanitizeForTerminal() neutralises ANSI escape sequences", () => {
  const attacks: [string, string][] = [
    ["\u001b[2J\u001b[H", "\ufffd[2J\ufffd[H"], // clear the screen
    ["\u001b[31mred\u001b[0m", "\ufffd[31mred\ufffd[0m"], // colours
    ["\u001b]0;pwned\u0007", "\ufffd]0;pwned\ufffd"], // window title (OSC … BEL)
    [
      "\u001b]8;;http://evil\u001b\\link\u001b]8;;\u001b\\",
      "\ufffd]8;;http://evil\ufffd\\link\ufffd]8;;\ufffd\\",
    ],
    ["\u009b2J", "\ufffd2J"], // 8-bit CSI
    ["\u001bP+q\u001b\\", "\ufffdP+q\ufffd\\"], // DCS
  ];
  for (const [text, expected] of attacks) {
    const safe = sanitizeForTerminal(text);
    assert.equal(safe, expected, JSON.stringify(text));
    assert.ok(!safe.includes("\u001b") && !safe.includes("\u009b"));
  }
});

Deno.test("sanitizeForTerminal() stops text from forging lines or hiding itself", () => {
  // A carriage return or newline could forge a second message line; backspace and
  // DEL could erase what was shown; bidi overrides could disguise the text.
  assert.equal(sanitizeForTerminal("hi\nbob: I owe you"), "hi\ufffdbob: I owe you");
  assert.equal(sanitizeForTerminal("hi\r\nbob: x"), "hi\ufffd\ufffdbob: x");
  assert.equal(sanitizeForTerminal("abc\b\b\bxyz"), "abc\ufffd\ufffd\ufffdxyz");
  assert.equal(sanitizeForTerminal("abc\u007f"), "abc\ufffd");
  assert.equal(sanitizeForTerminal("beep\u0007"), "beep\ufffd");
  assert.equal(sanitizeForTerminal("\u0000"), "\ufffd");
  assert.equal(sanitizeForTerminal("file\u202etxt.exe"), "file\ufffdtxt.exe");
  for (
    const c of ["\u202a", "\u202b", "\u202c", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069"]
  ) {
    assert.equal(sanitizeForTerminal(`a${c}b`), "a\ufffdb", JSON.stringify(c));
  }
});

Deno.test("sanitizeForTerminal() turns tabs into four spaces", () => {
  assert.equal(sanitizeForTerminal("a\tb\t"), "a    b    ");
});

Deno.test("sanitizeForTerminal() output never holds a control character (any input)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => {
      const safe = sanitizeForTerminal(text);
      assert.ok(!UNSAFE.test(safe), JSON.stringify(safe));
      // Every character maps to one, except tabs (four): nothing is dropped or merged.
      const tabs = [...text].filter((c) => c === "\t").length;
      assert.equal([...safe].length, [...text].length + 3 * tabs);
    }),
    { numRuns: 2_000 },
  );
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom("\u001b", "[", "2", "J", "\u0007", "\u009b", "\r", "\n", "x", "é")),
      (chars) => assert.ok(!UNSAFE.test(sanitizeForTerminal(chars.join("")))),
    ),
  );
});

Deno.test("formatClockTime() prints local HH:MM:SS", () => {
  const at = new Date(2024, 0, 2, 3, 4, 5, 678).getTime();
  assert.equal(formatClockTime(at), "03:04:05");
  assert.equal(formatClockTime(new Date(2024, 11, 31, 23, 59, 59).getTime()), "23:59:59");
  assert.match(formatClockTime(Date.now()), /^\d\d:\d\d:\d\d$/);
});

Deno.test("fingerprint() is the first eight characters of an id", () => {
  assert.equal(fingerprint("0123456789abcdef".repeat(4)), "01234567");
  assert.equal(fingerprint("abc"), "abc");
});
