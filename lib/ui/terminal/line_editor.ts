/**
 * The draft being typed, as a pure value: its text and a cursor that always
 * sits between two graphemes. Each edit is a function from one draft to the
 * next, so that the terminal shell stays small and every rule is tested
 * without a terminal.
 *
 * @module
 */

const SEGMENTER = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** A draft: `cursor` is a UTF-16 offset into `text`, on a grapheme boundary. */
export interface Draft {
  /** What has been typed. */
  readonly text: string;
  /** Where the next character goes, in UTF-16 units from the start. */
  readonly cursor: number;
}

/** The empty draft. */
export const EMPTY_DRAFT: Draft = { text: "", cursor: 0 };

/** The grapheme containing UTF-16 offset `index` of `text`: its start and end. */
function graphemeAt(text: string, index: number): { start: number; end: number } {
  const code = text.charCodeAt(index);
  // Fast path: printable ASCII followed by printable ASCII (or nothing) is a grapheme alone.
  const next = text.charCodeAt(index + 1);
  const prev = text.charCodeAt(index - 1);
  if (
    code >= 0x20 && code < 0x7f && !(next >= 0x7f) && !(prev >= 0x7f) && text[index - 1] !== "\r"
  ) {
    return { start: index, end: index + 1 };
  }
  const segment = SEGMENTER.segment(text).containing(index);
  if (segment === undefined) return { start: index, end: index };
  return { start: segment.index, end: segment.index + segment.segment.length };
}

/** `offset` moved forward to the end of the grapheme it falls inside, if any. */
function snapForward(text: string, offset: number): number {
  if (offset <= 0 || offset >= text.length) return Math.max(0, Math.min(offset, text.length));
  const { start, end } = graphemeAt(text, offset);
  return start === offset ? offset : end;
}

/**
 * Inserts `inserted` at the cursor; the cursor ends after it (moved to the
 * end of a grapheme if the insert joined one, e.g. a letter before a
 * combining mark).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EMPTY_DRAFT, insertText } from "./line_editor.ts";
 *
 * assert.deepEqual(insertText(EMPTY_DRAFT, "hi"), { text: "hi", cursor: 2 });
 * ```
 */
export function insertText(draft: Draft, inserted: string): Draft {
  if (inserted === "") return draft;
  const text = draft.text.slice(0, draft.cursor) + inserted + draft.text.slice(draft.cursor);
  return { text, cursor: snapForward(text, draft.cursor + inserted.length) };
}

/** Removes `[start, end)` and puts the cursor at `start`. */
function removeRange(draft: Draft, start: number, end: number): Draft {
  if (start >= end) return draft;
  const text = draft.text.slice(0, start) + draft.text.slice(end);
  return { text, cursor: snapForward(text, start) };
}

/** Removes the grapheme before the cursor (Backspace). */
export function deleteBackward(draft: Draft): Draft {
  if (draft.cursor === 0) return draft;
  return removeRange(draft, graphemeAt(draft.text, draft.cursor - 1).start, draft.cursor);
}

/** Removes the grapheme after the cursor (Delete). */
export function deleteForward(draft: Draft): Draft {
  if (draft.cursor >= draft.text.length) return draft;
  return removeRange(draft, draft.cursor, graphemeAt(draft.text, draft.cursor).end);
}

/** Moves the cursor one grapheme left. */
export function moveLeft(draft: Draft): Draft {
  if (draft.cursor === 0) return draft;
  return { text: draft.text, cursor: graphemeAt(draft.text, draft.cursor - 1).start };
}

/** Moves the cursor one grapheme right. */
export function moveRight(draft: Draft): Draft {
  if (draft.cursor >= draft.text.length) return draft;
  return { text: draft.text, cursor: graphemeAt(draft.text, draft.cursor).end };
}

/** Moves the cursor to the start (Home, Ctrl-A). */
export function moveHome(draft: Draft): Draft {
  return { text: draft.text, cursor: 0 };
}

/** Moves the cursor to the end (End, Ctrl-E). */
export function moveEnd(draft: Draft): Draft {
  return { text: draft.text, cursor: draft.text.length };
}

/** Removes everything before the cursor (Ctrl-U). */
export function killToStart(draft: Draft): Draft {
  return removeRange(draft, 0, draft.cursor);
}

/** Removes everything after the cursor (Ctrl-K). */
export function killToEnd(draft: Draft): Draft {
  return removeRange(draft, draft.cursor, draft.text.length);
}

/** Where the word before `offset` starts: spaces skipped, then non-spaces. */
function wordStartBefore(text: string, offset: number): number {
  let i = offset;
  while (i > 0 && /\s/.test(text[i - 1]!)) i--;
  while (i > 0 && !/\s/.test(text[i - 1]!)) i--;
  return i;
}

/** Where the word after `offset` ends: spaces skipped, then non-spaces. */
function wordEndAfter(text: string, offset: number): number {
  let i = offset;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  while (i < text.length && !/\s/.test(text[i]!)) i++;
  return i;
}

/** Removes the word before the cursor and the spaces after it (Ctrl-W, Alt-Backspace). */
export function deleteWordBackward(draft: Draft): Draft {
  return removeRange(
    draft,
    snapForward(draft.text, wordStartBefore(draft.text, draft.cursor)),
    draft.cursor,
  );
}

/** Moves the cursor to the start of the word before it (Ctrl-Left, Alt-B). */
export function moveWordLeft(draft: Draft): Draft {
  return {
    text: draft.text,
    cursor: snapForward(draft.text, wordStartBefore(draft.text, draft.cursor)),
  };
}

/** Moves the cursor to the end of the word after it (Ctrl-Right, Alt-F). */
export function moveWordRight(draft: Draft): Draft {
  return {
    text: draft.text,
    cursor: snapForward(draft.text, wordEndAfter(draft.text, draft.cursor)),
  };
}

/** A draft holding `text` with the cursor at its end (a recalled line). */
export function draftOf(text: string): Draft {
  return { text, cursor: text.length };
}
