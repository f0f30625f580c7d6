/**
 * The feed objects of the page's network and message views: an `overlay`
 * object (members, own links, hold-back queue, repair counters and latest
 * entries) every {@linkcode OVERLAY_INTERVAL_MS} while a page is connected,
 * and a `provenance` object when a chat message first arrives or is
 * delivered (once for both when they happen in one step, the common case). Everything kept here is bounded (see `message_provenance.ts`,
 * `repair_log.ts`, `OVERLAY_MEMBERS_MAX`).
 *
 * @module
 */

import { clockToObject } from "../causal/vector_clock.ts";
import type { OverlayView } from "../peer/overlay_view.ts";
import type { PeerEvent } from "../runtime/peer_event.ts";
import type { PeerService, PeerTraffic } from "../runtime/peer_service.ts";
import { type Provenance, ProvenanceRing } from "./message_provenance.ts";
import { RepairLog } from "./repair_log.ts";

/** How often a connected page gets a fresh `overlay` object. */
export const OVERLAY_INTERVAL_MS = 1_500;

/** What the feed reads of the peer. */
export type NetworkFeedPeer = Pick<PeerService, "overlay" | "heldCause">;

/** Options of {@linkcode NetworkFeed}. */
export interface NetworkFeedOptions {
  /** Wall-clock ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Whether any page listens: nothing is built or sent while none does. Default: always. */
  listening?: () => boolean;
}

/** Builds the network and message views' feed objects of one peer. */
export class NetworkFeed {
  readonly #peer: NetworkFeedPeer;
  readonly #publish: (json: string) => void;
  readonly #now: () => number;
  readonly #listening: () => boolean;
  readonly #provenance = new ProvenanceRing();
  readonly #repairs = new RepairLog();
  /** Records changed in this step: sent once each at its end (a delivery and its arrival together). */
  readonly #changed = new Set<Provenance>();
  #timer: ReturnType<typeof setInterval> | undefined;

  /** A feed of `peer`'s views, sent with `publish`. */
  constructor(
    peer: NetworkFeedPeer,
    publish: (json: string) => void,
    options: NetworkFeedOptions = {},
  ) {
    this.#peer = peer;
    this.#publish = publish;
    this.#now = options.now ?? Date.now;
    this.#listening = options.listening ?? (() => true);
  }

  /** The provenance kept (for tests and the snapshot). */
  get provenance(): ProvenanceRing {
    return this.#provenance;
  }

  /** A chat or repair message went in or out. */
  onTraffic(traffic: PeerTraffic): void {
    const atMs = this.#now();
    const { message } = traffic;
    if (message.type !== "chat") {
      this.#repairs.add(traffic, atMs);
      return;
    }
    if (traffic.direction === "out") return;
    const chat = message.message;
    const waitsFor = this.#peer.heldCause(chat.author, chat.seq);
    const changed = this.#provenance.arrived(
      { author: chat.author, seq: chat.seq, clock: clockToObject(chat.clock) },
      {
        from: traffic.peer,
        atMs,
        repair: message.repair === true,
        ...(waitsFor === undefined ? {} : { waitsFor }),
      },
    );
    if (changed !== undefined) this.#touch(changed);
  }

  /** A node event: a delivery completes its message's provenance. */
  onEvent(event: PeerEvent): void {
    if (event.type !== "deliver") return;
    const m = event.message;
    const record = this.#provenance.delivered(
      { author: m.author, seq: m.seq, clock: clockToObject(m.clock) },
      this.#now(),
    );
    this.#touch(record);
  }

  /** The `overlay` object now. */
  overlayObject(): Record<string, unknown> {
    return overlayObject(this.#peer.overlay(), this.#now(), this.#repairs);
  }

  /** Fields added to the page's `snapshot`: the overlay and the provenance kept. */
  snapshotFields(): Record<string, unknown> {
    const { type: _type, ...overlay } = this.overlayObject();
    return { overlay, provenance: this.#provenance.all().map(provenanceObject) };
  }

  /** Sends an `overlay` object every {@linkcode OVERLAY_INTERVAL_MS} while a page listens. */
  start(intervalMs: number = OVERLAY_INTERVAL_MS): void {
    this.stop();
    this.#timer = setInterval(() => {
      if (!this.#listening()) return;
      let overlay: Record<string, unknown>;
      try {
        overlay = this.overlayObject();
      } catch {
        // The peer stopped under us (its runtime refuses steps): nothing more to show.
        this.stop();
        return;
      }
      this.#publish(JSON.stringify(overlay));
    }, intervalMs);
  }

  /** Stops the periodic `overlay` objects. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Marks `record` changed; the changes of one step go out together after it. */
  #touch(record: Provenance): void {
    if (!this.#listening()) return;
    if (this.#changed.size === 0) queueMicrotask(() => this.#flush());
    this.#changed.add(record);
  }

  #flush(): void {
    for (const record of this.#changed) this.#publish(JSON.stringify(provenanceObject(record)));
    this.#changed.clear();
  }
}

/** The `provenance` feed object of a record. */
export function provenanceObject(record: Provenance): Record<string, unknown> {
  return { type: "provenance", ...record };
}

/** The `overlay` feed object of a view taken at `atMs`. */
export function overlayObject(
  view: OverlayView,
  atMs: number,
  repairs: RepairLog,
): Record<string, unknown> {
  return {
    type: "overlay",
    at: atMs,
    ...view,
    repair: { counts: repairs.counts, recent: repairs.entries() },
  };
}
