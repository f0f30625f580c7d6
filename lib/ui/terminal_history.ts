/**
 * The terminal's history: the stored messages shown at start under the
 * history marker, the markers, date separators and catch-up progress before
 * deliveries ({@linkcode HistoryView}), and the `/history N` and
 * `/search WORDS` commands over the room's store.
 *
 * @module
 */

import type { HistorySource } from "../store/stored_history.ts";
import { HISTORY_PAGE_MESSAGES_MAX } from "../store/stored_history.ts";
import type { ChatMessage } from "../wire/message.ts";
import { formatClockTime, sanitizeForTerminal } from "./display.ts";
import { type HistoryLine, HistoryView, ruleLine, START_HISTORY_MESSAGES } from "./history_view.ts";

/** Help lines of the history commands. */
export const HISTORY_HELP = [
  `  /history [N]     show N more stored messages before the oldest shown (default 20, at most ${HISTORY_PAGE_MESSAGES_MAX})`,
  "  /search WORDS    find stored messages containing every word (case-insensitive)",
];

/** `/history` without a count shows this many. */
export const HISTORY_DEFAULT_COUNT = 20;

/** How the terminal prints what this module makes. */
export interface TerminalHistoryOptions {
  /** The room's store, if the peer keeps one. */
  source?: HistorySource | undefined;
  /** When this session started, ms since the epoch. */
  sessionStartMs: number;
  /** What the peer still has to catch up. */
  backlog: () => { messages: number; authors: number };
  /** Prints one line above the input. */
  print: (line: string) => void;
  /** Styles a marker, date or progress line. */
  dim: (text: string) => string;
  /** Styles an error. */
  error: (text: string) => string;
  /** Styles the nick of `author`. */
  nick: (author: string, nick: string) => string;
  /** The id of this peer (its own messages are no catch-up). */
  selfId: string;
  /** Wall-clock milliseconds. Default `Date.now`. */
  now?: () => number;
  /** IANA time zone of date separators. Default: the system's. */
  timeZone?: string;
}

/** The history part of a terminal session. */
export interface TerminalHistory {
  /** Shows the last stored messages under the history marker (once, at start). */
  showStored(): void;
  /** Prints what goes before a delivered message (markers, date). */
  beforeDelivery(message: ChatMessage): void;
  /** Prints what goes after a delivered message (catch-up progress, at a bounded rate). */
  afterDelivery(message: ChatMessage): void;
  /** A network was joined after this session began: its older messages are history. */
  joinedNetwork(): void;
  /** Runs `/history` or `/search`; false for any other command. */
  runCommand(word: string, rest: string): boolean;
}

/** The history part of a terminal session. */
export function terminalHistory(options: TerminalHistoryOptions): TerminalHistory {
  const { source, print, dim } = options;
  const now = options.now ?? Date.now;
  const view = new HistoryView({
    sessionStartMs: options.sessionStartMs,
    lastSeenRow: source?.lastSeenRow ?? 0,
    // Something was seen before: this user is back (a first session has no "since you left").
    returning: (source?.lastSeenRow ?? 0) > 0,
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
  });
  /** The oldest stored row on screen: `/history` pages back from it. */
  let oldestShown: number | undefined;
  const printLines = (lines: readonly HistoryLine[]) => {
    for (const line of lines) {
      print(dim(line.kind === "progress" ? line.text : ruleLine(line.text)));
    }
  };
  const line = (m: { author: string; nick: string; ts: number; text: string }, withDay: boolean) =>
    `${dim(withDay ? stamp(m.ts) : formatClockTime(m.ts))} ${options.nick(m.author, m.nick)}${
      m.author === options.selfId ? dim(" (you)") : ""
    }: ${sanitizeForTerminal(m.text)}`;
  return {
    showStored() {
      if (source === undefined) return;
      const page = source.history(START_HISTORY_MESSAGES);
      // With nothing stored yet, all the store will hold is on screen: nothing is older.
      oldestShown = page.messages[0]?.row ?? 1;
      for (const { before, message } of view.stored(page.messages)) {
        printLines(before);
        print(line(message, false));
      }
    },
    beforeDelivery(message) {
      printLines(view.before(message));
    },
    afterDelivery(message) {
      if (message.author === options.selfId) return;
      const backlog = options.backlog();
      const progress = view.progress(
        { backlog: backlog.messages, authors: backlog.authors },
        now(),
      );
      if (progress !== undefined) printLines([progress]);
    },
    joinedNetwork() {
      view.joinedNetwork(now());
    },
    runCommand(word, rest) {
      if (word !== "/history" && word !== "/search") return false;
      if (source === undefined) {
        print(dim("No history is kept: this peer has no data directory (--ephemeral)."));
        return true;
      }
      try {
        if (word === "/history") {
          if (rest !== "" && !/^\d+$/.test(rest)) {
            throw new RangeError(`usage: /history [N], N from 1 to ${HISTORY_PAGE_MESSAGES_MAX}`);
          }
          const count = rest === "" ? HISTORY_DEFAULT_COUNT : Number(rest);
          const page = source.history(
            count,
            oldestShown === undefined ? {} : { beforeRow: oldestShown },
          );
          if (page.messages.length === 0) {
            print(dim("No older messages are stored."));
            return true;
          }
          oldestShown = page.messages[0]!.row;
          print(
            dim(
              ruleLine(
                `${plural(page.messages.length, "older message")}${
                  page.more ? "" : " (oldest kept)"
                }`,
              ),
            ),
          );
          for (const m of page.messages) print(line(m, true));
          print(dim(ruleLine("end of older messages")));
        } else {
          if (rest === "") throw new RangeError("usage: /search WORDS");
          const found = source.search(rest);
          print(dim(ruleLine(
            found.messages.length === 0
              ? `no match for ${JSON.stringify(sanitizeForTerminal(rest))}`
              : `${plural(found.messages.length, "match", "matches")} for ${
                JSON.stringify(sanitizeForTerminal(rest))
              }${found.truncated ? ", newest" : ""}`,
          )));
          for (const m of found.messages) print(line(m, true));
        }
      } catch (error) {
        print(options.error(sanitizeForTerminal((error as Error).message)));
      }
      return true;
    },
  };
}

/** "1 message", "2 messages". */
function plural(n: number, noun: string, nouns = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : nouns}`;
}

/** `YYYY-MM-DD HH:MM` in local time: a stored message out of its day's context. */
export function stamp(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${formatClockTime(ms)}`;
}
