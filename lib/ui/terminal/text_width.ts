/**
 * How wide text is on a terminal: split into graphemes (what a user sees as
 * one character: a base with its combining marks, an emoji ZWJ sequence, a
 * flag) and measure each in columns, as terminals do: East Asian wide and
 * fullwidth characters and emoji take 2 columns, the rest 1.
 *
 * @module
 */

const SEGMENTER = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Printable ASCII only: every UTF-16 unit is a grapheme of width 1 (the fast path). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** How many columns a tab in a draft takes. */
export const TAB_COLUMNS = 4;

/**
 * Code point ranges of East Asian Wide (W) and Fullwidth (F) characters
 * outside the emoji blocks: Hangul Jamo, CJK radicals to Yi, Hangul
 * syllables, CJK compatibility, vertical and small forms, fullwidth forms and
 * the supplementary ideographic planes. Emoji are found by Unicode property.
 */
const WIDE_RANGES: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]/u;
// deno-lint-ignore no-control-regex
const CONTROL = /^[\u0000-\u001f\u007f-\u009f]/;

/** Whether code point `code` is East Asian wide or fullwidth (outside emoji). */
function isWide(code: number): boolean {
  for (const [low, high] of WIDE_RANGES) {
    if (code < low) return false;
    if (code <= high) return true;
  }
  return false;
}

/**
 * Splits `text` into graphemes (extended grapheme clusters).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { graphemes } from "./text_width.ts";
 *
 * assert.deepEqual(graphemes("e\u0301👍🏽a"), ["e\u0301", "👍🏽", "a"]);
 * ```
 */
export function graphemes(text: string): string[] {
  if (PRINTABLE_ASCII.test(text)) return text.split("");
  const out: string[] = [];
  for (const { segment } of SEGMENTER.segment(text)) out.push(segment);
  return out;
}

/**
 * The columns one grapheme takes: 2 for East Asian wide/fullwidth and emoji,
 * 0 for a lone combining mark or format character, {@linkcode TAB_COLUMNS}
 * for a tab, 1 for anything else (a control character is shown as one `�`).
 */
export function graphemeWidth(grapheme: string): number {
  const code = grapheme.codePointAt(0);
  if (code === undefined) return 0;
  if (code >= 0x20 && code < 0x7f) return 1;
  if (grapheme === "\t") return TAB_COLUMNS;
  if (CONTROL.test(grapheme)) return 1;
  if (ZERO_WIDTH.test(grapheme)) return 0;
  if (isWide(code) || EMOJI_PRESENTATION.test(grapheme)) return 2;
  // A text-style pictograph made an emoji by VS16 (U+FE0F), or a ZWJ sequence.
  if (PICTOGRAPHIC.test(grapheme) && grapheme.length > 1) return 2;
  return 1;
}

/**
 * The columns `text` takes on one row.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayWidth } from "./text_width.ts";
 *
 * assert.equal(displayWidth("ab世界👍🏽e\u0301"), 2 + 4 + 2 + 1);
 * ```
 */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const grapheme of graphemes(text)) width += graphemeWidth(grapheme);
  return width;
}
