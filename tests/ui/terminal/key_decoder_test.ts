import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ESCAPE_CHARS_MAX,
  KeyDecoder,
  type KeyEvent,
} from "../../../lib/ui/terminal/key_decoder.ts";

/** Adjacent text (and paste) events merged: how the decoder cuts runs is not the point. */
function merged(events: KeyEvent[]): KeyEvent[] {
  const out: KeyEvent[] = [];
  for (const event of events) {
    const last = out.at(-1);
    if (
      last !== undefined && (event.type === "text" || event.type === "paste") &&
      last.type === event.type
    ) {
      out[out.length - 1] = { type: event.type, text: last.text + event.text };
    } else out.push(event);
  }
  return out;
}

Deno.test("KeyDecoder decodes text, control keys, arrows and Home/End in their common forms", () => {
  const decoder = new KeyDecoder();
  const events = decoder.feed(
    "hi\x1b[D\x1bOC\x1b[H\x1b[4~\x1b[3~\x01\x05\x15\x0b\x17\t\x7f\r\n\x03\x04\x1b[1;5D\x1bb\x1b[A\x1b[B",
  );
  assert.deepEqual(events, [
    { type: "text", text: "hi" },
    ...[
      "left",
      "right",
      "home",
      "end",
      "delete",
      "home",
      "end",
      "kill-to-start",
      "kill-to-end",
      "delete-word",
      "tab",
      "backspace",
      "enter",
      "interrupt",
      "end-of-input",
      "word-left",
      "word-left",
      "up",
      "down",
    ].map((name) => ({ type: "key", name })),
  ]);
});

Deno.test("KeyDecoder reads a bracketed paste as paste events, newlines and ESC included", () => {
  const events = new KeyDecoder().feed("a\x1b[200~x\ry\x1b[Dz\x1b[201~b");
  assert.deepEqual(events, [
    { type: "text", text: "a" },
    { type: "paste-start" },
    { type: "paste", text: "x\ry\x1b[Dz" },
    { type: "paste-end" },
    { type: "text", text: "b" },
  ]);
});

Deno.test("KeyDecoder gives the same keys however the input is cut into chunks", () => {
  const input = "héllo 世界\x1b[D\x1b[1;5C\r\x1b[200~pasted\rtext \x1b[201~\x7f\x1bOA👍🏽";
  const whole = merged(new KeyDecoder().feed(input));
  fc.assert(
    fc.property(fc.array(fc.nat(input.length), { maxLength: 8 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const decoder = new KeyDecoder();
      const events: KeyEvent[] = [];
      let from = 0;
      for (const at of [...points, input.length]) {
        events.push(...decoder.feed(input.slice(from, at)));
        from = at;
      }
      assert.deepEqual(merged(events), whole);
    }),
  );
});

Deno.test("KeyDecoder drops an unknown escape sequence and one that never ends", () => {
  assert.deepEqual(new KeyDecoder().feed("\x1b[99~a"), [{ type: "text", text: "a" }]);
  const decoder = new KeyDecoder();
  const events = decoder.feed(`\x1b[${"1;".repeat(ESCAPE_CHARS_MAX)}`);
  assert.deepEqual(events, []);
  // The unfinished sequence is dropped once it is too long: text after it comes through.
  assert.deepEqual(decoder.feed("1;1;1~zz"), [{ type: "text", text: "zz" }]);
});
