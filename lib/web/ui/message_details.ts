/**
 * The message view's text: what is known of one message's way to this peer
 * (from its `message` line and its `provenance` objects), as lines for
 * people. Pure: no DOM.
 *
 * @module
 */

/** A message reference as the feed names it. */
export interface Ref {
  readonly author: string;
  readonly seq: number;
}

/** A `provenance` feed object (see lib/web/message_provenance.ts). */
export interface ProvenanceObject extends Ref {
  readonly clock?: Record<string, number>;
  readonly arrivedAt?: number;
  readonly from?: string;
  readonly repair?: boolean;
  readonly copies?: number;
  readonly heldAt?: number;
  readonly waitsFor?: Ref;
  readonly releasedAt?: number;
  readonly deliveredAt?: number;
}

/** The fields of a `message` line the view shows. */
export interface MessageObject extends Ref {
  readonly nick?: string;
  readonly clock?: Record<string, number>;
  readonly text?: string;
  readonly ts?: number;
  readonly at?: number;
}

/** Names a peer for people: its nick, else the start of its id. */
export type NameOf = (id: string) => string;

/** `ann#3`: a message by its author's name and its sequence number. */
export function refText(ref: Ref, nameOf: NameOf): string {
  return `${nameOf(ref.author)}#${ref.seq}`;
}

/** Wall-clock time with milliseconds, e.g. `10:42:07.123`. */
export function timeText(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${
    pad(d.getMilliseconds(), 3)
  }`;
}

/** The message view's lines for one message. */
export function detailLines(
  ref: Ref,
  message: MessageObject | undefined,
  provenance: ProvenanceObject | undefined,
  options: { nameOf: NameOf; selfId: string },
): string[] {
  const { nameOf, selfId } = options;
  const lines = [`message ${refText(ref, nameOf)} by ${nameOf(ref.author)} (${ref.author})`];
  if (message?.text !== undefined) lines.push(`text: ${message.text}`);
  const clock = message?.clock ?? provenance?.clock;
  if (clock !== undefined) {
    const entries = Object.entries(clock).map(([id, n]) => `${nameOf(id)}:${n}`);
    lines.push(`clock: {${entries.join(", ")}}`);
  }
  if (ref.author === selfId) lines.push("sent by this peer");
  if (provenance?.arrivedAt !== undefined) {
    const from = provenance.from === undefined
      ? "an unknown neighbour"
      : `${nameOf(provenance.from)} (${provenance.from.slice(0, 16)}…)`;
    lines.push(
      `arrived ${timeText(provenance.arrivedAt)} from ${from}${
        provenance.repair ? " as a repair" : ""
      }; copies received: ${provenance.copies ?? 1}`,
    );
  }
  if (provenance?.heldAt !== undefined) {
    const cause = provenance.waitsFor === undefined ? "its causes" : refText(
      provenance.waitsFor,
      nameOf,
    );
    lines.push(`held back at ${timeText(provenance.heldAt)}: waited for ${cause}`);
    lines.push(
      provenance.releasedAt === undefined
        ? "still held back"
        : `released ${timeText(provenance.releasedAt)} (held ${
          Math.round(provenance.releasedAt - provenance.heldAt)
        } ms)`,
    );
  } else if (provenance?.deliveredAt !== undefined && ref.author !== selfId) {
    lines.push("not held back");
  }
  const deliveredAt = provenance?.deliveredAt ?? message?.at;
  if (deliveredAt !== undefined) lines.push(`delivered ${timeText(deliveredAt)}`);
  if (provenance === undefined && ref.author !== selfId) {
    lines.push("no provenance kept (it arrived before this page's peer kept records)");
  }
  return lines;
}
