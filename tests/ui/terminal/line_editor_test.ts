import assert from "node:assert/strict";
import fc from "fast-check";
import {
  deleteBackward,
  deleteForward,
  deleteWordBackward,
  type Draft,
  draftOf,
  EMPTY_DRAFT,
  insertText,
  killToEnd,
  killToStart,
  moveEnd,
  moveHome,
  moveLeft,
  moveRight,
  moveWordLeft,
  moveWordRight,
} from "../../../lib/ui/terminal/line_editor.ts";

const SEGMENTER = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The naive model: segment the whole text on every step. */
function boundaries(text: string): number[] {
  const out = [0];
  for (const { index, segment } of SEGMENTER.segment(text)) out.push(index + segment.length);
  return out;
}

function snap(text: string, offset: number): number {
  return boundaries(text).find((b) => b >= offset) ?? text.length;
}

type Op =
  | { op: "insert"; text: string }
  | { op: "backspace" | "delete" | "left" | "right" | "home" | "end" | "killStart" | "killEnd" };

function model(draft: Draft, step: Op): Draft {
  const { text, cursor } = draft;
  const b = boundaries(text);
  const before = [...b].reverse().find((x) => x < cursor) ?? 0;
  const after = b.find((x) => x > cursor) ?? text.length;
  switch (step.op) {
    case "insert": {
      const next = text.slice(0, cursor) + step.text + text.slice(cursor);
      return { text: next, cursor: snap(next, cursor + step.text.length) };
    }
    case "backspace": {
      const next = text.slice(0, before) + text.slice(cursor);
      return { text: next, cursor: snap(next, before) };
    }
    case "delete": {
      const next = text.slice(0, cursor) + text.slice(after);
      return { text: next, cursor: snap(next, cursor) };
    }
    case "left":
      return { text, cursor: before };
    case "right":
      return { text, cursor: after };
    case "home":
      return { text, cursor: 0 };
    case "end":
      return { text, cursor: text.length };
    case "killStart":
      return { text: text.slice(cursor), cursor: 0 };
    case "killEnd":
      return { text: text.slice(0, cursor), cursor };
  }
}

function apply(draft: Draft, step: Op): Draft {
  switch (step.op) {
    case "insert":
      return insertText(draft, step.text);
    case "backspace":
      return deleteBackward(draft);
    case "delete":
      return deleteForward(draft);
    case "left":
      return moveLeft(draft);
    case "right":
      return moveRight(draft);
    case "home":
      return moveHome(draft);
    case "end":
      return moveEnd(draft);
    case "killStart":
      return killToStart(draft);
    case "killEnd":
      return killToEnd(draft);
  }
}

const PIECES = [
  "a",
  "b",
  " ",
  "世",
  "e",
  "\u0301",
  "👍",
  "🏽",
  "\u200d",
  "👩",
  "🇫",
  "🇷",
  "\n",
  "xy z",
];

const OP: fc.Arbitrary<Op> = fc.oneof(
  fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 4 }).map((parts) => ({
    op: "insert" as const,
    text: parts.join(""),
  })),
  fc.constantFrom(
    ...(["backspace", "delete", "left", "right", "home", "end", "killStart", "killEnd"] as const),
  ).map((op) => ({ op })),
);

Deno.test("line editor: any sequence of edits keeps the draft equal to the naive model", () => {
  fc.assert(
    fc.property(fc.array(OP, { maxLength: 40 }), (steps) => {
      let draft = EMPTY_DRAFT;
      let expected = EMPTY_DRAFT;
      for (const step of steps) {
        draft = apply(draft, step);
        expected = model(expected, step);
        assert.deepEqual(draft, expected, JSON.stringify(steps));
        assert.ok(boundaries(draft.text).includes(draft.cursor), "cursor on a grapheme boundary");
      }
    }),
    { numRuns: 300 },
  );
});

Deno.test("deleteBackward() removes a whole grapheme: a combined letter, an emoji with its tone, a family", () => {
  for (const grapheme of ["e\u0301", "👍🏽", "👨‍👩‍👧", "🇫🇷", "世"]) {
    assert.deepEqual(deleteBackward(draftOf(`a${grapheme}`)), { text: "a", cursor: 1 });
  }
});

Deno.test("moveLeft() and moveRight() step over a grapheme at a time", () => {
  const draft = draftOf("a👍🏽b");
  assert.equal(moveLeft(draft).cursor, 5);
  assert.equal(moveLeft(moveLeft(draft)).cursor, 1);
  assert.equal(moveRight({ text: draft.text, cursor: 1 }).cursor, 5);
  assert.deepEqual(moveLeft(EMPTY_DRAFT), EMPTY_DRAFT);
  assert.deepEqual(moveRight(draft), draft);
});

Deno.test("Ctrl-W, Ctrl-U and Ctrl-K cut the word before, everything before and after the cursor", () => {
  assert.deepEqual(deleteWordBackward(draftOf("hello big  world  ")), {
    text: "hello big  ",
    cursor: 11,
  });
  const mid = { text: "one two three", cursor: 7 };
  assert.deepEqual(killToStart(mid), { text: " three", cursor: 0 });
  assert.deepEqual(killToEnd(mid), { text: "one two", cursor: 7 });
  assert.equal(moveWordLeft(mid).cursor, 4);
  assert.equal(moveWordRight(mid).cursor, 13);
});

Deno.test("insertText() before a combining mark puts the cursor after the combined grapheme", () => {
  const draft = insertText({ text: "\u0301", cursor: 0 }, "e");
  assert.deepEqual(draft, { text: "e\u0301", cursor: 2 });
});
