/**
 * The history of the JSON-lines front end: the `history` and `search`
 * commands over the room's store, and the `marker` and `catch-up` lines that
 * go before deliveries (the terminal's markers, for scripts). README.md
 * documents the lines.
 *
 * @module
 */

import type { HistorySource } from "../store/stored_history.ts";
import { HISTORY_PAGE_MESSAGES_MAX } from "../store/stored_history.ts";
import type { ChatMessage } from "../wire/message.ts";
import { HistoryView } from "./history_view.ts";

/** A `history` or `search` command, parsed. */
export type JsonHistoryCommand =
  | { readonly type: "history"; readonly count: number; readonly before?: number }
  | { readonly type: "search"; readonly query: string };

/** `history` without a count answers this many messages. */
export const JSON_HISTORY_DEFAULT_COUNT = 50;

/**
 * Parses the fields of a `history` (`count`, `before`) or `search`
 * (`query`) command object.
 *
 * @throws {TypeError} with a message fit for an `error` line.
 */
export function parseHistoryCommand(command: Record<string, unknown>): JsonHistoryCommand {
  if (command.type === "search") {
    if (typeof command.query !== "string" || command.query.trim() === "") {
      throw new TypeError("Invalid search: query must be a string with at least one word");
    }
    return { type: "search", query: command.query };
  }
  const count = command.count ?? JSON_HISTORY_DEFAULT_COUNT;
  if (
    typeof count !== "number" || !Number.isSafeInteger(count) || count < 1 ||
    count > HISTORY_PAGE_MESSAGES_MAX
  ) {
    throw new TypeError(
      `Invalid history: count must be an integer from 1 to ${HISTORY_PAGE_MESSAGES_MAX}`,
    );
  }
  const before = command.before;
  if (before !== undefined && (typeof before !== "number" || !Number.isSafeInteger(before))) {
    throw new TypeError("Invalid history: before must be a row number (from a history line)");
  }
  return { type: "history", count, ...(before === undefined ? {} : { before }) };
}

/**
 * The answer line of a `history` or `search` command: `{"type":"history",
 * "messages":[…],"more":…}` or `{"type":"search","query":…,"messages":[…],
 * "truncated":…}`; each message is `{row, author, nick, seq, ts, text}`.
 */
export function answerHistoryCommand(
  command: JsonHistoryCommand,
  source: HistorySource | undefined,
): Record<string, unknown> {
  if (source === undefined) {
    return {
      type: "error",
      error: `Cannot ${command.type}: no history is kept (this peer has no data directory)`,
    };
  }
  try {
    if (command.type === "search") {
      const found = source.search(command.query);
      return { type: "search", query: command.query, ...found };
    }
    const page = source.history(
      command.count,
      command.before === undefined ? {} : { beforeRow: command.before },
    );
    return { type: "history", ...page };
  } catch (error) {
    return { type: "error", error: (error as Error).message };
  }
}

/** Options of {@linkcode jsonHistoryMarkers}. */
export interface JsonHistoryMarkersOptions {
  /** When this session started, ms since the epoch. */
  sessionStartMs: number;
  /** The last row the user saw in an earlier session. Default 0. */
  lastSeenRow?: number;
  /** Whether the user was here before (the store held messages at start). Default true. */
  returning?: boolean;
  /** What the peer still has to catch up. */
  backlog: () => { messages: number; authors: number };
  /** This peer's id: its own messages are no catch-up. */
  selfId: string;
  /** Wall-clock milliseconds. Default `Date.now`. */
  now?: () => number;
}

/** The marker and progress lines of one JSON session. */
export interface JsonHistoryMarkers {
  /**
   * The lines to print before the `message` line of `message`:
   * `{"type":"marker","marker":"history"|"end-of-history"|"unread","text":…}`.
   */
  before(message: ChatMessage): string[];
  /**
   * The lines to print after it: catch-up progress at a bounded rate,
   * `{"type":"catch-up","delivered":…,"expected":…,"authors":…,"done":…}`.
   */
  after(message: ChatMessage): string[];
  /** A network was joined after the session began: its older messages are history. */
  joinedNetwork(): void;
}

/** Marker lines for a JSON session (no date lines: every message line has its `ts`). */
export function jsonHistoryMarkers(options: JsonHistoryMarkersOptions): JsonHistoryMarkers {
  const now = options.now ?? Date.now;
  const view = new HistoryView({
    sessionStartMs: options.sessionStartMs,
    lastSeenRow: options.lastSeenRow ?? 0,
    returning: options.returning ?? true,
    timeZone: "UTC",
  });
  return {
    before(message) {
      return view.before(message).flatMap((line) =>
        line.kind === "marker"
          ? [JSON.stringify({ type: "marker", marker: line.marker, text: line.text })]
          : []
      );
    },
    after(message) {
      if (message.author === options.selfId) return [];
      const backlog = options.backlog();
      const progress = view.progress(
        { backlog: backlog.messages, authors: backlog.authors },
        now(),
      );
      if (progress?.kind !== "progress") return [];
      const { delivered, expected, authors, done } = progress;
      return [JSON.stringify({ type: "catch-up", delivered, expected, authors, done })];
    },
    joinedNetwork() {
      view.joinedNetwork(now());
    },
  };
}
