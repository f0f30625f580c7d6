/**
 * Where the prompt and draft go on the screen: wrapped into rows at the
 * terminal's width (by grapheme and display width, never splitting a wide
 * character), a newline in the draft starting a new row, cut to a window of
 * rows around the cursor when taller than the screen; and the escape
 * sequences that erase and redraw those rows so that lines printed above
 * never break the draft.
 *
 * @module
 */

import { graphemes, graphemeWidth, TAB_COLUMNS } from "./text_width.ts";

/** The draft as it is drawn: rows of text and the cursor's row and column. */
export interface DraftView {
  /** The rows shown, top to bottom, each at most the width in columns. */
  readonly rows: readonly string[];
  /** The cursor's row in `rows`. */
  readonly cursorRow: number;
  /** The cursor's column in that row (0-based, less than the width). */
  readonly cursorColumn: number;
  /** How many rows of the draft are not shown (it was taller than `rowsMax`). */
  readonly rowsHidden: number;
}

/** How one grapheme is drawn: control characters as `�`, a tab as spaces. */
function drawnAs(grapheme: string): string {
  if (grapheme === "\t") return " ".repeat(TAB_COLUMNS);
  // deno-lint-ignore no-control-regex
  return /^[\u0000-\u001f\u007f-\u009f]/.test(grapheme) ? "\ufffd" : grapheme;
}

/**
 * Lays `prompt` and `text` out in rows of `columns`, with the cursor at
 * UTF-16 offset `cursor` of `text`; at most `rowsMax` rows are kept: a first
 * row saying how many are hidden above and below, then those around the cursor
 * around the cursor.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layoutDraft } from "./screen.ts";
 *
 * const view = layoutDraft("> ", "abcdef", 6, { columns: 4 });
 * assert.deepEqual(view.rows, ["> ab", "cdef", ""]);
 * assert.deepEqual([view.cursorRow, view.cursorColumn], [2, 0]);
 * ```
 */
export function layoutDraft(
  prompt: string,
  text: string,
  cursor: number,
  options: { columns: number; rowsMax?: number },
): DraftView {
  const columns = Math.max(1, Math.floor(options.columns));
  const rows: string[] = [];
  let row = "";
  let column = 0;
  let cursorRow = -1;
  let cursorColumn = 0;
  const place = () => {
    if (column >= columns) {
      cursorRow = rows.length + 1;
      cursorColumn = 0;
    } else {
      cursorRow = rows.length;
      cursorColumn = column;
    }
  };
  const newRow = () => {
    rows.push(row);
    row = "";
    column = 0;
  };
  for (const grapheme of graphemes(prompt)) {
    const width = graphemeWidth(grapheme);
    if (column + width > columns && column > 0) newRow();
    row += drawnAs(grapheme);
    column += width;
  }
  let offset = 0;
  for (const grapheme of graphemes(text)) {
    if (grapheme === "\n" || grapheme === "\r\n") {
      if (cursorRow < 0 && offset >= cursor) place();
      newRow();
      offset += grapheme.length;
      continue;
    }
    const width = graphemeWidth(grapheme);
    if (column + width > columns && column > 0) newRow();
    // A cursor inside a grapheme (never made by the editor) shows after it.
    if (cursorRow < 0 && offset >= cursor) place();
    row += drawnAs(grapheme);
    column += width;
    offset += grapheme.length;
  }
  if (cursorRow < 0) place();
  rows.push(row);
  while (rows.length <= cursorRow) rows.push("");
  const rowsMax = Math.max(1, Math.floor(options.rowsMax ?? Infinity));
  if (rows.length <= rowsMax) return { rows, cursorRow, cursorColumn, rowsHidden: 0 };
  // The first row says what is hidden; the others show the rows around the cursor.
  const shown = Math.max(1, rowsMax - 1);
  const first = Math.min(Math.max(0, cursorRow - shown + 1), rows.length - shown);
  const window = rows.slice(first, first + shown);
  const hidden = rows.length - shown;
  if (rowsMax === 1) {
    return { rows: window, cursorRow: cursorRow - first, cursorColumn, rowsHidden: hidden };
  }
  const below = rows.length - first - shown;
  const count = (n: number, where: string) =>
    n === 0 ? [] : [`${n} row${n === 1 ? "" : "s"} ${where}`];
  const note = `… ${[...count(first, "above"), ...count(below, "below")].join(", ")}`.slice(
    0,
    columns,
  );
  return {
    rows: [note, ...window],
    cursorRow: cursorRow - first + 1,
    cursorColumn,
    rowsHidden: hidden,
  };
}

const CSI = "\x1b[";

/**
 * Clears from the start of the current row to the end of the screen. Not a
 * plain ED (`CSI J`): at the top-left corner tmux turns that into "clear
 * screen" and pushes the screen into its scrollback, leaving a copy of the
 * prompt there on every redraw. So: erase this row (`CSI K`), then save the
 * cursor, step down a row, erase to the end of the screen, and come back.
 */
const CLEAR_TO_END = `${CSI}K\x1b7${CSI}B${CSI}J\x1b8`;

/**
 * Draws `view` from the start of the current row (erased to the end of the
 * screen first), leaving the cursor where the view says.
 */
export function drawView(view: DraftView): string {
  const lastRow = view.rows.length - 1;
  const up = lastRow - view.cursorRow;
  return `\r${CLEAR_TO_END}${view.rows.join("\r\n")}\r${up > 0 ? `${CSI}${up}A` : ""}${
    view.cursorColumn > 0 ? `${CSI}${view.cursorColumn}C` : ""
  }`;
}

/**
 * Erases a drawn view: back to its first row, and clear to the end of the
 * screen. `cursorRow` is the cursor's row in the view as drawn (after a
 * resize, the row the terminal has moved it to).
 */
export function eraseView(cursorRow: number): string {
  return `\r${cursorRow > 0 ? `${CSI}${cursorRow}A` : ""}${CLEAR_TO_END}`;
}

/**
 * The cursor's row within a drawn view after the terminal changed width to
 * `columns` and rewrapped it (as tmux, VTE and kitty do): each row wider than
 * the new width now takes several.
 */
export function cursorRowAfterResize(
  view: DraftView,
  rowWidths: readonly number[],
  columns: number,
): number {
  const width = Math.max(1, columns);
  let row = 0;
  for (let i = 0; i < view.cursorRow; i++) {
    row += Math.max(1, Math.ceil((rowWidths[i] ?? 0) / width));
  }
  return row + Math.floor(view.cursorColumn / width);
}

/** From the draft's first row (after {@linkcode eraseView}): up to the row above, cleared. */
export const ROW_ABOVE = `${CSI}1A\r${CSI}2K`;

/**
 * Text printed above the draft: each line of `text` on its own row(s),
 * ending at the start of a fresh row.
 */
export function linesAbove(text: string): string {
  return `${text.replace(/\r?\n/g, "\r\n")}\r\n`;
}
