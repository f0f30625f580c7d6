/**
 * Tab completion of the word before the cursor: a command when it is the
 * first word and starts with `/`, else a nick. Matching ignores case.
 *
 * @module
 */

import type { Draft } from "./line_editor.ts";

/** What Tab did: the new draft, and the candidates to list when several fit. */
export interface Completion {
  /** The draft after completing (unchanged when nothing fits). */
  readonly draft: Draft;
  /** Every candidate that fits, when more than one does (to show the user). */
  readonly candidates: readonly string[];
}

/** The longest common prefix of `words`, ignoring case (cased as in the first). */
function commonPrefix(words: readonly string[]): string {
  let prefix = words[0] ?? "";
  for (const word of words) {
    let n = 0;
    while (
      n < prefix.length && n < word.length && prefix[n]!.toLowerCase() === word[n]!.toLowerCase()
    ) n++;
    prefix = prefix.slice(0, n);
  }
  return prefix;
}

/**
 * Completes the word before the cursor of `draft` from `commands` (first
 * word starting with `/`) or `nicks` (otherwise). One match: the word is
 * replaced and followed by a space (`: ` for a nick that starts the line, as
 * one addresses someone). Several: the common prefix is filled in and all are
 * returned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { completeWord } from "./completion.ts";
 *
 * const done = completeWord({ text: "hi bo", cursor: 5 }, { commands: [], nicks: ["bob"] });
 * assert.equal(done.draft.text, "hi bob ");
 * ```
 */
export function completeWord(
  draft: Draft,
  sources: { commands: readonly string[]; nicks: readonly string[] },
): Completion {
  const before = draft.text.slice(0, draft.cursor);
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  const isFirstWord = before.slice(0, start).trim() === "";
  const isCommand = isFirstWord && word.startsWith("/");
  if (word === "" && !isFirstWord) return { draft, candidates: [] };
  const pool = isCommand ? sources.commands : sources.nicks;
  const lower = word.toLowerCase();
  const matches = [...new Set(pool)].filter((w) => w.toLowerCase().startsWith(lower)).sort();
  if (matches.length === 0) return { draft, candidates: [] };
  const replace = (by: string): Draft => {
    const text = before.slice(0, start) + by + draft.text.slice(draft.cursor);
    return { text, cursor: start + by.length };
  };
  if (matches.length === 1) {
    const suffix = !isCommand && isFirstWord ? ": " : " ";
    return { draft: replace(matches[0]! + suffix), candidates: [] };
  }
  // What was typed keeps its case; the rest is cased as the first candidate.
  const prefix = word + commonPrefix(matches).slice(word.length);
  return {
    draft: prefix.length > word.length ? replace(prefix) : draft,
    candidates: matches,
  };
}
