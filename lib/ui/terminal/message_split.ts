/**
 * A draft longer than one chat text, cut into texts that each fit: at a
 * newline or a space in the second half of the allowance when there is one,
 * else at a grapheme boundary, so that every part but the last is at least
 * half full (a draft of B bytes makes at most 2B/limit + 1 parts).
 *
 * @module
 */

import { utf8Bytes } from "../../wire/fields.ts";
import { graphemes } from "./text_width.ts";

/**
 * Cuts `text` into parts of at most `bytesMax` UTF-8 bytes each, in order;
 * the parts joined give `text` back, except the newline or space each cut
 * was made at.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { splitText } from "./message_split.ts";
 *
 * assert.deepEqual(splitText("aaaa bbbb", 6), ["aaaa", "bbbb"]);
 * ```
 */
export function splitText(text: string, bytesMax: number): string[] {
  if (!Number.isSafeInteger(bytesMax) || bytesMax < 4) {
    throw new RangeError(`Cannot split text: bytesMax must be at least 4, got ${bytesMax}`);
  }
  const parts: string[] = [];
  let rest = text;
  while (utf8Bytes(rest) > bytesMax) {
    // The longest prefix of whole graphemes within the allowance.
    let end = 0;
    let bytes = 0;
    // A UTF-16 unit is at least one byte: what fits is within the first bytesMax units. One
    // more is read, and the last grapheme dropped, as the cut may fall inside it.
    const fitting = graphemes(rest.slice(0, bytesMax + 1));
    if (bytesMax + 1 < rest.length || fitting.join("").length > bytesMax) fitting.pop();
    for (const grapheme of fitting) {
      const size = utf8Bytes(grapheme);
      if (bytes + size > bytesMax) break;
      bytes += size;
      end += grapheme.length;
    }
    if (end === 0) end = rest.codePointAt(0)! > 0xffff ? 2 : 1; // one grapheme over the limit
    const head = rest.slice(0, end);
    const half = Math.floor(head.length / 2);
    let cut = head.lastIndexOf("\n");
    if (cut < half) cut = head.search(/\s\S*$/);
    if (cut >= half && cut > 0) {
      parts.push(head.slice(0, cut));
      rest = rest.slice(cut + 1);
    } else {
      parts.push(head);
      rest = rest.slice(end);
    }
  }
  if (rest !== "" || parts.length === 0) parts.push(rest);
  return parts;
}
