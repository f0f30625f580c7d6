import assert from "node:assert/strict";
import { CONTINUATION_PREFIX, messageLines } from "../../../lib/ui/terminal/message_lines.ts";

Deno.test("messageLines() keeps newlines, indents each continuation, neutralises other controls", () => {
  assert.equal(messageLines("one"), "one");
  assert.equal(
    messageLines("one\r\nbob: two\x1b[2J"),
    `one\ufffd\n${CONTINUATION_PREFIX}bob: two\ufffd[2J`,
  );
  for (const line of messageLines("a\nb\nc").split("\n").slice(1)) {
    assert.ok(line.startsWith(CONTINUATION_PREFIX));
  }
});
