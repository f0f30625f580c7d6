/**
 * What a front end shows around the messages so that history reads as
 * history: a marker where catch-up (messages written before this session
 * started) begins and ends, a separator when the day changes, an "unread
 * since you left" line before the first message the user has not seen, and
 * catch-up progress at a bounded rate. Pure: the clock, the time zone and the
 * last-seen position are given; it returns the lines to show before a
 * message, and the front end prints them (and the message) its own way.
 *
 * @module
 */

/** Stored messages shown under the history marker when a session starts. */
export const START_HISTORY_MESSAGES = 50;

/** Least time between two catch-up progress lines. */
export const CATCH_UP_PROGRESS_INTERVAL_MS = 2_000;

/** A catch-up smaller than this many messages shows no progress (it is over at once). */
export const CATCH_UP_PROGRESS_MESSAGES_MIN = 50;

/** The markers a front end shows. */
export type HistoryMarker =
  /** What follows was written before this session started (or before a network was joined). */
  | "history"
  /** What follows was written during this session. */
  | "end-of-history"
  /** What follows the user has not seen: it arrived since the last session. */
  | "unread";

/** One line to show before a message (or alone, for progress). */
export type HistoryLine =
  | { readonly kind: "marker"; readonly marker: HistoryMarker; readonly text: string }
  | { readonly kind: "date"; readonly day: string; readonly text: string }
  | {
    readonly kind: "progress";
    readonly delivered: number;
    readonly expected: number;
    readonly authors: number;
    readonly done: boolean;
    readonly text: string;
  };

/** The parts of a message the view looks at. */
export interface ViewedMessage {
  /** The author's time of writing, ms since the epoch. */
  readonly ts: number;
  /** Its row in the store, for stored messages (unread when above the last seen). */
  readonly row?: number;
}

/** Options of {@linkcode HistoryView}. */
export interface HistoryViewOptions {
  /** When this session started, ms since the epoch: older messages are history. */
  sessionStartMs: number;
  /** The last stored row the user saw in an earlier session. Default 0. */
  lastSeenRow?: number;
  /** IANA time zone of the date separators, e.g. "Europe/Paris". Default: the system's. */
  timeZone?: string;
  /**
   * Whether the user was here before (the store held messages at start):
   * only then is there an "unread since you left". Default true.
   */
  returning?: boolean;
}

/** How far a catch-up has come: what a front end reads from the peer. */
export interface CatchUpState {
  /** Messages neighbours announced that this peer has not delivered yet. */
  readonly backlog: number;
  /** Authors those are from. */
  readonly authors: number;
}

/** The markers, date separators and progress lines of one session. */
export class HistoryView {
  readonly #lastSeenRow: number;
  readonly #returning: boolean;
  /** What the fetched history's marker says of it. */
  #fetchedWhen: string;
  readonly #timeZone: string | undefined;
  /** Made on the first day named in a zone other than UTC (see {@linkcode HistoryView.dayOf}). */
  #dayFormat: Intl.DateTimeFormat | undefined;
  /** The last day named, and the second it was named for: most deliveries share both. */
  #dayCache: { second: number; day: string } | undefined;
  #historyBeforeMs: number;
  /** Which history is on screen now: stored (shown at start), fetched (catch-up), or none (live). */
  #inHistory: "stored" | "fetched" | undefined;
  #unreadShown = false;
  #lastDay: string | undefined;
  /** Catch-up deliveries counted since the backlog was last empty. */
  #caughtUp = 0;
  #progressAtMs = -Infinity;
  #progressShown = false;
  #authors = 0;

  /** A view for a session started at `options.sessionStartMs`. */
  constructor(options: HistoryViewOptions) {
    this.#historyBeforeMs = options.sessionStartMs;
    this.#lastSeenRow = options.lastSeenRow ?? 0;
    this.#returning = options.returning ?? true;
    this.#fetchedWhen = this.#returning ? "while you were away" : "before you joined";
    this.#timeZone = options.timeZone;
  }

  /**
   * The date separator's text for `ms`: "Thursday 3 December 2026".
   *
   * In UTC (the JSON front end's zone) the day is read from `Date`'s UTC
   * fields: an `Intl.DateTimeFormat` loads ICU's locale and zone data, about
   * 6 MB of resident memory that an idle JSON peer never needs. Other zones
   * go through one, made on first use, and so do UTC days before 1582-10-15,
   * which ICU names in the Julian calendar. Time zone offsets are whole seconds,
   * so a day named for one second holds for all of it.
   */
  dayOf(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (this.#dayCache?.second === second) return this.#dayCache.day;
    const day = this.#timeZone === "UTC" && ms >= GREGORIAN_START_MS && ms <= DATE_MS_MAX
      ? utcDayOf(ms)
      : this.#zonedDayOf(ms);
    this.#dayCache = { second, day };
    return day;
  }

  #zonedDayOf(ms: number): string {
    this.#dayFormat ??= new Intl.DateTimeFormat("en-GB", {
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
      ...(this.#timeZone === undefined ? {} : { timeZone: this.#timeZone }),
    });
    const parts = Object.fromEntries(
      this.#dayFormat.formatToParts(new Date(ms)).map((part) => [part.type, part.value]),
    );
    return `${parts.weekday} ${parts.day} ${parts.month} ${parts.year}`;
  }

  /**
   * The lines before the stored messages shown at start (`stored`, oldest
   * first), as `[lines before, message]` pairs; the history marker first.
   */
  stored<M extends ViewedMessage>(stored: readonly M[]): { before: HistoryLine[]; message: M }[] {
    if (stored.length === 0) return [];
    this.#inHistory = "stored";
    const out = stored.map((message) => ({ before: this.before(message), message }));
    out[0]!.before.unshift(marker("history", `history: ${stored.length} stored messages`));
    return out;
  }

  /**
   * The lines to show before `message`: a marker where history begins or
   * ends, the unread line before the first unseen message, a date separator
   * when the day changed since the last message shown.
   */
  before(message: ViewedMessage): HistoryLine[] {
    const lines: HistoryLine[] = [];
    const stored = message.row !== undefined;
    const history = stored ? "stored" : message.ts < this.#historyBeforeMs ? "fetched" : undefined;
    if (history === "fetched" && this.#inHistory !== "fetched") {
      // Fetched now, written before: history too, even right after the stored one.
      this.#inHistory = history;
      lines.push(marker("history", `history: ${this.#fetchedWhen}`));
    } else if (history === undefined && this.#inHistory !== undefined) {
      this.#inHistory = undefined;
      lines.push(marker("end-of-history", "end of history"));
    }
    const day = this.dayOf(message.ts);
    if (day !== this.#lastDay) {
      this.#lastDay = day;
      lines.push({ kind: "date", day, text: day });
    }
    // Unseen: a stored row after the last seen one, or any message written
    // while we were away and delivered only now.
    const unseen = stored ? message.row! > this.#lastSeenRow : message.ts < this.#historyBeforeMs;
    if (unseen && this.#returning && !this.#unreadShown) {
      this.#unreadShown = true;
      lines.push(marker("unread", "unread since you left"));
    }
    return lines;
  }

  /**
   * Everything since `nowMs` is the history of a network just joined: its
   * messages written before now are shown under the history marker.
   */
  joinedNetwork(nowMs: number): void {
    this.#historyBeforeMs = Math.max(this.#historyBeforeMs, nowMs);
    this.#fetchedWhen = "before you joined";
  }

  /**
   * Call after each delivery (after {@linkcode HistoryView.before}). Counts
   * the deliveries of a catch-up (fetched history: written before the
   * session or the join) and says how far it has come: a
   * progress line at most every {@linkcode CATCH_UP_PROGRESS_INTERVAL_MS}
   * while a backlog of at least {@linkcode CATCH_UP_PROGRESS_MESSAGES_MIN}
   * lasts, and a last one when it is over.
   */
  progress(state: CatchUpState, nowMs: number): HistoryLine | undefined {
    // Only fetched history is a catch-up: a burst of live messages is not.
    const catchingUp = this.#inHistory === "fetched";
    if (catchingUp) {
      this.#caughtUp += 1;
      this.#authors = Math.max(this.#authors, state.authors);
    }
    if (!catchingUp || state.backlog === 0) {
      const line = this.#progressShown
        ? progressLine(this.#caughtUp, this.#caughtUp, this.#authors, true)
        : undefined;
      this.#caughtUp = 0;
      this.#authors = 0;
      this.#progressShown = false;
      // The rate bound holds across catch-ups too (live messages may interleave with one).
      return line;
    }
    const expected = this.#caughtUp + state.backlog;
    if (expected < CATCH_UP_PROGRESS_MESSAGES_MIN) return undefined;
    if (nowMs - this.#progressAtMs < CATCH_UP_PROGRESS_INTERVAL_MS) return undefined;
    this.#progressAtMs = nowMs;
    this.#progressShown = true;
    return progressLine(this.#caughtUp, expected, this.#authors, false);
  }
}

/** 1582-10-15T00:00Z: ICU's calendar is Gregorian from here on, Julian before. */
const GREGORIAN_START_MS = -12_219_292_800_000;

/** The latest time a `Date` holds. */
const DATE_MS_MAX = 8.64e15;

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** The day of `ms` in UTC as en-GB names it ("Thursday 3 December 2026"), without `Intl`. */
function utcDayOf(ms: number): string {
  const date = new Date(ms);
  return `${WEEKDAYS[date.getUTCDay()]} ${date.getUTCDate()} ${
    MONTHS[date.getUTCMonth()]
  } ${date.getUTCFullYear()}`;
}

function marker(which: HistoryMarker, text: string): HistoryLine {
  return { kind: "marker", marker: which, text };
}

function progressLine(
  delivered: number,
  expected: number,
  authors: number,
  done: boolean,
): HistoryLine {
  const from = `from ${authors} author${authors === 1 ? "" : "s"}`;
  return {
    kind: "progress",
    delivered,
    expected,
    authors,
    done,
    text: done
      ? `caught up: ${delivered} messages ${from}`
      : `catching up: ${delivered} of ~${expected} messages ${from}`,
  };
}

/** A separator line as the terminal shows markers and dates: `── text ──`. */
export function ruleLine(text: string): string {
  return `── ${text} ──`;
}
