/**
 * Whether a chat text mentions a nick: the nick as a whole word, ignoring
 * case (`bob` in "hi Bob!" and "bob: look", not in "bobcat").
 *
 * @module
 */

/**
 * Whether `text` mentions `nick` as a word of its own, ignoring case.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mentions } from "./mention.ts";
 *
 * assert.ok(mentions("hi Bob!", "bob") && !mentions("bobcat", "bob"));
 * ```
 */
export function mentions(text: string, nick: string): boolean {
  if (nick === "") return false;
  const haystack = text.toLowerCase();
  const needle = nick.toLowerCase();
  const isWordChar = (char: string | undefined) =>
    char !== undefined && /[\p{L}\p{N}_]/u.test(char);
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) {
    const before = haystack.slice(0, at).at(-1);
    // Code points, not UTF-16 units, for the character after.
    const after = String.fromCodePoint(haystack.codePointAt(at + needle.length) ?? 0x20);
    if (!isWordChar(before) && !isWordChar(after)) return true;
  }
  return false;
}
