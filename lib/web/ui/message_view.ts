/// <reference lib="dom" />
/**
 * The message view: the selected message's clock, arrival, neighbour and
 * hold-back story (`#message-details`), the live hold-back queue
 * (`#holdback`, one `[data-held="<author>:<seq>"]` per held message) and the
 * repair traffic (`#repair-log`, `#repair-counts`).
 *
 * @module
 */

import {
  detailLines,
  type MessageObject,
  type NameOf,
  type ProvenanceObject,
  type Ref,
  refText,
  timeText,
} from "./message_details.ts";

/** Messages and provenance records the page keeps for the view; the oldest go first. */
export const PAGE_MESSAGES_MAX = 1_000;

/** Repair log entries shown. */
export const PAGE_REPAIR_ENTRIES_MAX = 50;

/** One `overlay.repair.recent` entry. */
interface RepairEntry {
  readonly n: number;
  readonly at: number;
  readonly dir: "in" | "out";
  readonly kind: string;
  readonly peer?: string;
  readonly summary: string;
}

/** A held message and what it waits for. */
interface Held extends Ref {
  readonly waitsFor?: Ref;
}

/** Adds `value` under `key` to a map kept at most `max` long, oldest out. */
function putBounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value!);
}

const keyOf = (ref: Ref) => `${ref.author}:${ref.seq}`;

/** The message view's state and drawing. */
export class MessageView {
  readonly #messages = new Map<string, MessageObject>();
  readonly #provenance = new Map<string, ProvenanceObject>();
  readonly #held = new Map<string, Held>();
  readonly #nameOf: NameOf;
  readonly #selfId: () => string;
  #lastRepair = 0;
  #selected: Ref | undefined;

  /** A view naming peers with `nameOf`. */
  constructor(nameOf: NameOf, selfId: () => string) {
    this.#nameOf = nameOf;
    this.#selfId = selfId;
  }

  /** A `message` line (or one of the snapshot's). */
  onMessage(message: MessageObject): void {
    putBounded(this.#messages, keyOf(message), message, PAGE_MESSAGES_MAX);
    if (this.#held.delete(keyOf(message))) this.#renderHeld();
    this.#refresh(message);
  }

  /** A `provenance` object. */
  onProvenance(record: ProvenanceObject): void {
    const key = keyOf(record);
    putBounded(this.#provenance, key, record, PAGE_MESSAGES_MAX);
    if (record.deliveredAt !== undefined) {
      if (this.#held.delete(key)) this.#renderHeld();
    } else if (record.heldAt !== undefined) {
      this.#held.set(key, record);
      this.#renderHeld();
    }
    this.#refresh(record);
  }

  /** An `overlay` object: the authoritative hold-back queue and the repair traffic. */
  onOverlay(overlay: {
    held?: readonly Held[];
    omittedHeld?: number;
    repair?: { counts?: Record<string, number>; recent?: readonly RepairEntry[] };
  }): void {
    this.#held.clear();
    for (const h of overlay.held ?? []) {
      // What was delivered since the overlay was taken stays out.
      if (this.#provenance.get(keyOf(h))?.deliveredAt === undefined) this.#held.set(keyOf(h), h);
    }
    this.#renderHeld(overlay.omittedHeld ?? 0);
    const counts = overlay.repair?.counts;
    const shownCounts = document.getElementById("repair-counts");
    if (counts !== undefined && shownCounts !== null) {
      shownCounts.textContent = ["have", "want", "skip"].map((kind) =>
        `${kind} in ${counts[`${kind}In`] ?? 0} / out ${counts[`${kind}Out`] ?? 0}`
      ).join(" · ");
    }
    const log = document.getElementById("repair-log");
    if (log === null) return;
    for (const entry of overlay.repair?.recent ?? []) {
      if (entry.n <= this.#lastRepair) continue;
      this.#lastRepair = entry.n;
      const item = document.createElement("li");
      item.dataset.repair = entry.kind;
      item.textContent = `${timeText(entry.at)} ${entry.dir === "in" ? "←" : "→"} ${entry.kind} ${
        entry.dir === "in" ? "from" : "to"
      } ${entry.peer === undefined ? "?" : this.#nameOf(entry.peer)}: ${entry.summary}`;
      log.prepend(item);
    }
    while (log.children.length > PAGE_REPAIR_ENTRIES_MAX) log.lastElementChild?.remove();
  }

  /** Shows `ref`'s details. */
  select(ref: Ref): void {
    this.#selected = ref;
    this.#renderDetails();
  }

  #refresh(ref: Ref): void {
    if (this.#selected !== undefined && keyOf(this.#selected) === keyOf(ref)) {
      this.#renderDetails();
    }
  }

  #renderDetails(): void {
    const shown = document.getElementById("message-details");
    if (shown === null || this.#selected === undefined) return;
    const key = keyOf(this.#selected);
    const lines = detailLines(this.#selected, this.#messages.get(key), this.#provenance.get(key), {
      nameOf: this.#nameOf,
      selfId: this.#selfId(),
    });
    shown.replaceChildren(...lines.map((text) => {
      const item = document.createElement("div");
      item.textContent = text;
      return item;
    }));
  }

  #renderHeld(omitted = 0): void {
    const list = document.getElementById("holdback");
    if (list === null) return;
    const items = [...this.#held.values()].map((h) => {
      const item = document.createElement("li");
      item.dataset.held = keyOf(h);
      item.textContent = `${refText(h, this.#nameOf)} waits for ${
        h.waitsFor === undefined ? "its causes" : refText(h.waitsFor, this.#nameOf)
      }`;
      item.addEventListener("click", () => this.select(h));
      return item;
    });
    if (items.length === 0) {
      const empty = document.createElement("li");
      empty.className = "empty";
      empty.textContent = "nothing held back";
      items.push(empty);
    }
    if (omitted > 0) {
      const more = document.createElement("li");
      more.className = "empty";
      more.textContent = `and ${omitted} more`;
      items.push(more);
    }
    list.replaceChildren(...items);
  }
}
