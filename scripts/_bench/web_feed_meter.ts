/**
 * The benchmark's stand-in for a browser tab: a WebSocket on a peer's web
 * feed (`peer --web`) that counts what arrives — objects, bytes, chat
 * deliveries — and how long after the harness sent a message its delivery
 * reached the feed. It measures what the web front end costs and whether
 * its feed keeps up under the cluster's load.
 *
 * @module
 */

import { parseBenchText } from "./bench_text.ts";
import { wallNowMs } from "./node_process.ts";

/** Counts of one feed over a window. */
export interface FeedCounts {
  /** Feed objects received (one WebSocket message each). */
  objects: number;
  /** Their bytes. */
  bytes: number;
  /** Chat deliveries (`message` objects) with a benchmark stamp. */
  deliveries: number;
}

/** One page's live feed. */
export class WebFeedMeter {
  /** Counts since the feed opened. */
  readonly counts: FeedCounts = { objects: 0, bytes: 0, deliveries: 0 };
  /** Send-to-feed delays of stamped deliveries (ms, shared clock), by phase. */
  readonly delaysMs: { L: number[]; T: number[] } = { L: [], T: [] };
  readonly #socket: WebSocket;
  /** Resolves when the feed is open; rejects when it cannot open. */
  readonly opened: Promise<void>;
  #closedEarly = false;

  private constructor(pageUrl: string) {
    const url = new URL(pageUrl);
    const token = url.searchParams.get("token") ?? "";
    this.#socket = new WebSocket(`ws://${url.host}/feed`, {
      headers: { origin: `http://${url.host}`, "x-p2pchat-token": token },
    });
    this.opened = new Promise((resolve, reject) => {
      this.#socket.onopen = () => resolve();
      this.#socket.onerror = () => reject(new Error(`the feed of ${url.host} did not open`));
    });
    this.#socket.onclose = () => (this.#closedEarly = true);
    this.#socket.onmessage = (event) => this.#count(String(event.data));
  }

  /** Opens the feed of the page at `pageUrl` (its `ready` line's `web`). */
  static async open(pageUrl: string): Promise<WebFeedMeter> {
    const meter = new WebFeedMeter(pageUrl);
    await meter.opened;
    return meter;
  }

  /** Whether the server closed the feed (a page too slow to read is dropped). */
  get dropped(): boolean {
    return this.#closedEarly;
  }

  /** A copy of the counts now, to subtract later. */
  snapshot(): FeedCounts {
    return { ...this.counts };
  }

  /** Closes the feed. */
  close(): void {
    this.#socket.onclose = null;
    this.#socket.close();
  }

  #count(data: string): void {
    const atMs = wallNowMs();
    this.counts.objects++;
    this.counts.bytes += data.length;
    // Cheap test before parsing: only chat deliveries carry a stamp.
    if (!data.startsWith('{"type":"message"')) return;
    let text: unknown;
    try {
      text = (JSON.parse(data) as { text?: unknown }).text;
    } catch {
      return;
    }
    if (typeof text !== "string") return;
    const stamp = parseBenchText(text);
    if (stamp === undefined) return;
    this.counts.deliveries++;
    this.delaysMs[stamp.phase].push(atMs - stamp.sentAtMs);
  }
}
