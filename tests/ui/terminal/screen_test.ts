import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cursorRowAfterResize,
  drawView,
  eraseView,
  layoutDraft,
  linesAbove,
} from "../../../lib/ui/terminal/screen.ts";
import { VtScreen } from "../../_helpers/vt_screen.ts";

/** The reference for printable ASCII without newlines: rows are slices of `columns`. */
function asciiRows(all: string, cursorAt: number, columns: number) {
  const rows: string[] = [];
  for (let i = 0; i < all.length || i === 0; i += columns) rows.push(all.slice(i, i + columns));
  const cursorRow = Math.floor(cursorAt / columns);
  while (rows.length <= cursorRow) rows.push("");
  return { rows, cursorRow, cursorColumn: cursorAt % columns };
}

/** How a terminal wraps a printed line: rows of whole graphemes, wide ones 2 columns. */
function wrapped(line: string, columns: number): string[] {
  const rows: string[] = [];
  let row = "";
  let width = 0;
  for (const char of line) {
    const w = char === "世" || char === "界" || char === "👍" ? 2 : 1;
    if (width + w > columns) {
      rows.push(row.trimEnd());
      row = "";
      width = 0;
    }
    row += char;
    width += w;
  }
  rows.push(row.trimEnd());
  return rows;
}

Deno.test("layoutDraft() wraps printable text in rows of the width, cursor where the reference puts it", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom("a", "b", " ", "~"), maxLength: 200 }),
      fc.nat(),
      fc.integer({ min: 1, max: 50 }),
      (text, at, columns) => {
        const cursor = text.length === 0 ? 0 : at % (text.length + 1);
        const view = layoutDraft("you> ", text, cursor, { columns });
        const expected = asciiRows(`you> ${text}`, 5 + cursor, columns);
        assert.deepEqual(
          { rows: view.rows, cursorRow: view.cursorRow, cursorColumn: view.cursorColumn },
          expected,
        );
      },
    ),
  );
});

Deno.test("layoutDraft() never splits a wide character: it moves to the next row", () => {
  const view = layoutDraft("> ", "ab世界", 6, { columns: 5 });
  assert.deepEqual(view.rows, ["> ab", "世界"]);
  assert.deepEqual([view.cursorRow, view.cursorColumn], [1, 4]);
});

Deno.test("layoutDraft() starts a row at a newline of the draft and shows controls as �", () => {
  const view = layoutDraft("> ", "one\ntwo\u0007", 4, { columns: 20 });
  assert.deepEqual(view.rows, ["> one", "two\ufffd"]);
  assert.deepEqual([view.cursorRow, view.cursorColumn], [1, 0]);
});

Deno.test("layoutDraft() shows at most rowsMax rows: what is hidden, then the rows around the cursor", () => {
  const text = "x".repeat(95) + "end";
  const atEnd = layoutDraft("", text, text.length, { columns: 10, rowsMax: 3 });
  assert.deepEqual(atEnd.rows, ["… 8 rows a", "xxxxxxxxxx", "xxxxxend"]);
  assert.equal(atEnd.rowsHidden, 8);
  assert.deepEqual([atEnd.cursorRow, atEnd.cursorColumn], [2, 8]);
  const atStart = layoutDraft("", text, 0, { columns: 30, rowsMax: 3 });
  assert.deepEqual(atStart.rows, ["… 2 rows below", "x".repeat(30), "x".repeat(30)]);
  assert.deepEqual([atStart.cursorRow, atStart.cursorColumn], [1, 0]);
  assert.equal(layoutDraft("", text, 0, { columns: 10, rowsMax: 1 }).rows.length, 1);
  const middle = layoutDraft("", text, 45, { columns: 10, rowsMax: 4 });
  assert.deepEqual(middle.rows[0], "… 2 rows a");
  assert.deepEqual(
    layoutDraft("", text, 45, { columns: 40, rowsMax: 2 }).rows[0],
    "… 1 row above, 1 row below",
  );
});

Deno.test("drawView(), eraseView() and linesAbove(): lines printed above leave the draft intact on a VT screen", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 5, max: 60 }),
      fc.string({ unit: fc.constantFrom("a", "b", " ", "世", "👍"), maxLength: 120 }),
      fc.array(fc.string({ unit: fc.constantFrom("m", " ", "界"), maxLength: 90 }), {
        maxLength: 6,
      }),
      fc.integer({ min: 2, max: 30 }),
      (columns, draft, printed, rows) => {
        // Small screens too: the draft at the bottom row, lines scrolling into the scrollback.
        const screen = new VtScreen(columns, rows);
        const view = layoutDraft("me> ", draft, draft.length, { columns, rowsMax: rows - 1 });
        screen.write(drawView(view));
        for (const line of printed) {
          screen.write(eraseView(view.cursorRow) + linesAbove(line) + drawView(view));
        }
        // What was printed, wrapped as a terminal does, then the draft's rows below it,
        // the cursor on the view's cell.
        const all = [...screen.scrollback, ...screen.lines];
        const draftTop = screen.scrollback.length + screen.row - view.cursorRow;
        assert.deepEqual(all.slice(0, draftTop), printed.flatMap((line) => wrapped(line, columns)));
        assert.deepEqual(
          all.slice(draftTop, draftTop + view.rows.length),
          view.rows.map((r) => r.trimEnd()),
        );
        assert.ok(all.slice(draftTop + view.rows.length).every((r) => r === ""), "nothing below");
        assert.equal(screen.column, view.cursorColumn);
      },
    ),
  );
});

Deno.test("cursorRowAfterResize() counts the rows the terminal rewrapped above the cursor", () => {
  const view = layoutDraft("> ", "x".repeat(30), 30, { columns: 20 });
  assert.deepEqual(view.rows, ["> " + "x".repeat(18), "x".repeat(12)]);
  // Narrowed to 10 columns: the first row takes 2, the cursor at column 12 is on the 2nd of its row's.
  assert.equal(cursorRowAfterResize(view, [20, 12], 10), 3);
  assert.equal(cursorRowAfterResize(view, [20, 12], 40), 1);
});
