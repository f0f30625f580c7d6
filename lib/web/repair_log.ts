/**
 * The repair traffic of one peer (`have`, `want`, `skip`, in and out), for
 * the web page: counters since the start and a bounded ring of the latest
 * entries, each with a one-line summary.
 *
 * @module
 */

import type { PeerTraffic } from "../runtime/peer_service.ts";

/** Latest repair messages kept for the page; the oldest is forgotten past it. */
export const REPAIR_LOG_ENTRIES_MAX = 50;

/** One repair message, as the page shows it. */
export interface RepairEntry {
  /** Numbered from 1 in the order seen: the page skips what it has. */
  readonly n: number;
  /** When (ms since the epoch). */
  readonly at: number;
  /** Received or sent. */
  readonly dir: "in" | "out";
  /** The message type. */
  readonly kind: "have" | "want" | "skip";
  /** The neighbour's id, when known. */
  readonly peer?: string;
  /** What it said, in short: authors announced, messages asked for, history given up. */
  readonly summary: string;
}

/** Counters per message type and direction, e.g. `haveIn`. */
export type RepairCounts = Record<`${"have" | "want" | "skip"}${"In" | "Out"}`, number>;

/** Options of {@linkcode RepairLog}. */
export interface RepairLogOptions {
  /** Entries kept. Default {@linkcode REPAIR_LOG_ENTRIES_MAX}. */
  entriesMax?: number;
}

/** Counts the repair traffic and keeps its latest entries. */
export class RepairLog {
  readonly #max: number;
  readonly #entries: RepairEntry[] = [];
  readonly #counts: RepairCounts = {
    haveIn: 0,
    haveOut: 0,
    wantIn: 0,
    wantOut: 0,
    skipIn: 0,
    skipOut: 0,
  };
  #n = 0;

  /** An empty log. */
  constructor(options: RepairLogOptions = {}) {
    this.#max = options.entriesMax ?? REPAIR_LOG_ENTRIES_MAX;
    if (!Number.isSafeInteger(this.#max) || this.#max < 1) {
      throw new RangeError(`Cannot keep a repair log: entriesMax ${this.#max} is not at least 1`);
    }
  }

  /** The counters since the start. */
  get counts(): Readonly<RepairCounts> {
    return { ...this.#counts };
  }

  /** The latest entries, oldest first. */
  entries(): readonly RepairEntry[] {
    return [...this.#entries];
  }

  /** Records one repair message; returns its entry, or `undefined` for a `chat`. */
  add(traffic: PeerTraffic, atMs: number): RepairEntry | undefined {
    const { message, direction } = traffic;
    if (message.type === "chat") return undefined;
    this.#counts[`${message.type}${direction === "in" ? "In" : "Out"}`]++;
    const entry: RepairEntry = {
      n: ++this.#n,
      at: atMs,
      dir: direction,
      kind: message.type,
      ...(traffic.peer === undefined ? {} : { peer: traffic.peer }),
      summary: summaryOf(message),
    };
    this.#entries.push(entry);
    if (this.#entries.length > this.#max) this.#entries.shift();
    return entry;
  }
}

/** Authors named in a `skip` entry's summary; the rest are counted. */
const SKIP_AUTHORS_SHOWN = 3;

function summaryOf(message: Exclude<PeerTraffic["message"], { type: "chat" }>): string {
  switch (message.type) {
    case "have": {
      let total = 0;
      for (const n of message.clock.values()) total += n;
      return `${message.full ? "full" : "delta"}: ${message.clock.size} authors, ${total} messages`;
    }
    case "want": {
      let total = 0;
      for (const r of message.ranges) total += r.to - r.from;
      return `${message.graft ? "graft" : "repair"}: ${total} messages of ${
        new Set(message.ranges.map((r) => r.author)).size
      } authors`;
    }
    case "skip": {
      const shown = [...message.clock].slice(0, SKIP_AUTHORS_SHOWN);
      const more = message.clock.size - shown.length;
      return shown.map(([a, n]) => `${a.slice(0, 6)} to #${n}`).join(", ") +
        (more > 0 ? ` and ${more} more` : "");
    }
  }
}
