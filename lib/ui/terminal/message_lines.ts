/**
 * A chat text with newlines (a multi-line paste sent as one message), made
 * safe for the terminal line by line: each line after the first is indented
 * under a bar, so that no remote text can start a line of the screen and
 * pass for a line of its own.
 *
 * @module
 */

import { sanitizeForTerminal } from "../display.ts";

/** What starts each continuation line of a multi-line message. */
export const CONTINUATION_PREFIX = "  │ ";

/**
 * `text` sanitised for the terminal, its newlines kept as line breaks
 * followed by {@linkcode CONTINUATION_PREFIX}; every other control character
 * becomes `�` as in `sanitizeForTerminal`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageLines } from "./message_lines.ts";
 *
 * assert.equal(messageLines("a\nb: hi"), "a\n  │ b: hi");
 * ```
 */
export function messageLines(text: string, prefix: string = CONTINUATION_PREFIX): string {
  return text.split("\n").map(sanitizeForTerminal).join(`\n${prefix}`);
}
