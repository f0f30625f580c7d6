/**
 * Reading the stored history back for people: pages of the newest messages
 * before a position, a case-insensitive word search, and the position the
 * user last saw. Positions are the `messages` table's row ids, which grow in
 * delivery order (a causal order), so "before row r" pages back through what
 * this peer delivered.
 *
 * The search reads a `folded` column (the text in lower case, see
 * {@linkcode foldForSearch}) that {@linkcode ensureHistoryColumns} adds to a
 * store that lacks it and fills from the signed frames: a store written by an
 * older program opens as before, and one written by this program still opens
 * in an older one (it ignores the column, and rows it inserts without it are
 * filled at the next open here).
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { decodeMessage } from "../wire/message_decode.ts";

/** Most messages one `/history` page or JSON `history` command returns. */
export const HISTORY_PAGE_MESSAGES_MAX = 500;

/** Most messages one search returns (the newest matches). */
export const SEARCH_RESULTS_MAX = 100;

/** Most words one search takes; every word must occur. */
export const SEARCH_WORDS_MAX = 8;

/** The `meta` key of the last row the user saw. */
export const LAST_SEEN_META_KEY = "last-seen-row";

/** One stored message, as a person reads it. */
export interface StoredMessage {
  /** Its position in the store: larger is delivered later. */
  readonly row: number;
  /** Author id. */
  readonly author: string;
  /** The author's nick when it wrote the message. */
  readonly nick: string;
  /** The author's sequence number. */
  readonly seq: number;
  /** The author's wall-clock time of writing, ms since the epoch. */
  readonly ts: number;
  /** The text. */
  readonly text: string;
}

/** A page of stored history: oldest first, and whether older rows remain. */
export interface HistoryPage {
  /** The messages, oldest first. */
  readonly messages: StoredMessage[];
  /** Whether messages older than the first of this page are stored. */
  readonly more: boolean;
}

/** The stored history as front ends read it (a `PeerStore` is one). */
export interface HistorySource {
  /** Up to `count` stored messages before `beforeRow`, oldest first. */
  history(count: number, options?: { beforeRow?: number }): HistoryPage;
  /** The newest stored messages containing every word of `query`. */
  search(query: string): { messages: StoredMessage[]; truncated: boolean };
  /** The last row the user saw in an earlier session. */
  readonly lastSeenRow: number;
}

/** The text as the search compares it: case folded, so "Bob" finds "bob" and "BOB". */
export function foldForSearch(text: string): string {
  return text.normalize("NFKC").toLowerCase();
}

/**
 * Adds the `folded` search column if this store lacks it, and fills it for
 * rows that have none (an older program's, or from before the column).
 */
export function ensureHistoryColumns(db: DatabaseSync): void {
  const columns = db.prepare("PRAGMA table_info(messages)").all().map((row) => row.name);
  if (!columns.includes("folded")) db.exec("ALTER TABLE messages ADD COLUMN folded TEXT");
  const missing = db.prepare("SELECT id, frame FROM messages WHERE folded IS NULL").all();
  if (missing.length === 0) return;
  const update = db.prepare("UPDATE messages SET folded = ? WHERE id = ?");
  db.exec("BEGIN");
  try {
    for (const row of missing) {
      update.run(foldedOf(row.frame as Uint8Array), row.id as number);
    }
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** The folded text of a stored frame ("" when it is no chat message). */
export function foldedOf(frame: Uint8Array): string {
  const decoded = decodeMessage(frame);
  return decoded.type === "chat" ? foldForSearch(decoded.message.text) : "";
}

/** The newest row stored, 0 when none is. */
export function latestRow(db: DatabaseSync): number {
  return Number(db.prepare("SELECT coalesce(max(id), 0) AS id FROM messages").get()!.id);
}

/**
 * Up to `count` messages stored before row `beforeRow` (all rows when
 * omitted), oldest first.
 *
 * @throws {RangeError} when `count` is not an integer from 1 to
 * {@linkcode HISTORY_PAGE_MESSAGES_MAX}.
 */
export function historyPage(
  db: DatabaseSync,
  count: number,
  { beforeRow }: { beforeRow?: number } = {},
): HistoryPage {
  if (!Number.isSafeInteger(count) || count < 1 || count > HISTORY_PAGE_MESSAGES_MAX) {
    throw new RangeError(
      `Invalid history count: expected 1 to ${HISTORY_PAGE_MESSAGES_MAX} messages, got ${count}`,
    );
  }
  const before = beforeRow ?? Number.MAX_SAFE_INTEGER;
  const rows = db.prepare("SELECT id, frame FROM messages WHERE id < ? ORDER BY id DESC LIMIT ?")
    .all(before, count + 1);
  const more = rows.length > count;
  const messages = toStored(rows.slice(0, count)).reverse();
  return { messages, more };
}

/** The words of a search query: split on white space, folded, at most {@linkcode SEARCH_WORDS_MAX}. */
export function searchWords(query: string): string[] {
  const words = foldForSearch(query).split(/\s+/).filter((word) => word !== "");
  if (words.length === 0) throw new RangeError("Invalid search: give at least one word");
  if (words.length > SEARCH_WORDS_MAX) {
    throw new RangeError(
      `Invalid search: at most ${SEARCH_WORDS_MAX} words, got ${words.length}`,
    );
  }
  return words;
}

/**
 * The newest stored messages (at most `limit`, default and maximum
 * {@linkcode SEARCH_RESULTS_MAX}) whose text contains every word of
 * `query`, case-insensitively; oldest first, and whether more matched.
 *
 * @throws {RangeError} for an empty query or too many words.
 */
export function searchHistory(
  db: DatabaseSync,
  query: string,
  { limit = SEARCH_RESULTS_MAX }: { limit?: number } = {},
): { messages: StoredMessage[]; truncated: boolean } {
  const words = searchWords(query);
  const max = Math.max(1, Math.min(SEARCH_RESULTS_MAX, Math.floor(limit)));
  const where = words.map(() => "folded LIKE ? ESCAPE '\\'").join(" AND ");
  const patterns = words.map((word) => `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  const rows = db.prepare(`SELECT id, frame FROM messages WHERE ${where} ORDER BY id DESC LIMIT ?`)
    .all(...patterns, max + 1);
  return { messages: toStored(rows.slice(0, max)).reverse(), truncated: rows.length > max };
}

function toStored(rows: readonly Record<string, unknown>[]): StoredMessage[] {
  const messages: StoredMessage[] = [];
  for (const row of rows) {
    const decoded = decodeMessage(row.frame as Uint8Array);
    if (decoded.type !== "chat") continue;
    const { author, nick, seq, ts, text } = decoded.message;
    messages.push({ row: Number(row.id), author, nick, seq, ts, text });
  }
  return messages;
}
