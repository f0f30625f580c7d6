import assert from "node:assert/strict";
import { ProtocolError } from "../../lib/wire/protocol_error.ts";
import { quoteForError } from "../../lib/wire/fields.ts";

Deno.test("ProtocolError is a named Error subclass that keeps its cause", () => {
  const cause = new RangeError("inner");
  const error = new ProtocolError("Cannot decode frame: length 0", { cause });
  assert.ok(error instanceof Error);
  assert.equal(error.name, "ProtocolError");
  assert.equal(error.message, "Cannot decode frame: length 0");
  assert.equal(error.cause, cause);
  assert.match(String(error), /^ProtocolError: Cannot decode frame/);
});

Deno.test("quoteForError() quotes and escapes control characters and quotes", () => {
  assert.equal(quoteForError("foo"), "'foo'");
  assert.equal(quoteForError("a\nb\u001b[0m"), "'a\\u000ab\\u001b[0m'");
  assert.equal(quoteForError("it's \\"), "'it\\'s \\\\'");
  assert.equal(quoteForError("\u0085"), "'\\u0085'");
});

Deno.test("quoteForError() cuts long values to 64 characters", () => {
  const quoted = quoteForError("x".repeat(1000));
  assert.equal(quoted, `'${"x".repeat(64)}…'`);
});
