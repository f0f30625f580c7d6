import assert from "node:assert/strict";
import { OwnLineMarks } from "../../lib/ui/own_line_marks.ts";
import { QUEUED_LINES_TRACKED_MAX } from "../../lib/ui/presence_view.ts";

function screen(columns = 80) {
  const lines: string[] = [];
  const marks = new OwnLineMarks({
    print: (line) => void lines.push(line),
    rewriteLast: (line) => void (lines[lines.length - 1] = line),
    printed: () => lines.length,
    fitsOneRow: (width) => width < columns,
    style: (mark) => mark,
    dim: (line) => line,
  });
  const own = (seq: number, text: string) => {
    lines.push(`alice (you): ${text}`);
    marks.printed(seq, `alice (you): ${text}`, text);
  };
  return { lines, marks, own };
}

Deno.test("OwnLineMarks marks the last line in place: … then ✓ then ✓✓", () => {
  const { lines, marks, own } = screen();
  own(1, "hi");
  marks.update(1, "queued");
  assert.deepEqual(lines, ["alice (you): hi …"]);
  marks.update(1, "sent");
  marks.update(1, "seen");
  assert.deepEqual(lines, ["alice (you): hi ✓✓"]);
});

Deno.test("OwnLineMarks gives a queued line that scrolled up a status line when it goes out and is seen", () => {
  const { lines, marks, own } = screen();
  own(1, "anyone here?");
  marks.update(1, "queued");
  lines.push("* bob joined");
  marks.update(1, "sent");
  marks.update(1, "seen");
  assert.deepEqual(lines, [
    "alice (you): anyone here? …",
    "* bob joined",
    '  ✓ sent: "anyone here?"',
    '  ✓✓ seen: "anyone here?"',
  ]);
});

Deno.test("OwnLineMarks leaves an older line that was sent at once as it was, and never rewrites a wrapped line", () => {
  const { lines, marks, own } = screen(20);
  own(1, "a line too wide for twenty columns");
  marks.update(1, "sent");
  assert.deepEqual(lines, ["alice (you): a line too wide for twenty columns"]);
  lines.push("* bob joined");
  marks.update(1, "seen");
  assert.equal(lines.length, 2);
});

Deno.test("OwnLineMarks follows at most QUEUED_LINES_TRACKED_MAX queued lines: the oldest gets no status line", () => {
  const { lines, marks, own } = screen();
  for (let seq = 1; seq <= QUEUED_LINES_TRACKED_MAX + 1; seq++) {
    own(seq, `line ${seq}`);
    marks.update(seq, "queued");
  }
  lines.push("* bob joined");
  const before = lines.length;
  marks.update(1, "sent");
  assert.equal(lines.length, before, "forgotten");
  marks.update(2, "sent");
  assert.deepEqual(lines.slice(before), ['  ✓ sent: "line 2"']);
});
