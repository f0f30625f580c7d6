/**
 * Repair of what dissemination lost: what neighbours announce (`have`) and
 * we lack is pulled (`want`) once a graft timeout passes, we serve the
 * `want`s of others from the history window, and `skip`s (history gone
 * everywhere) are applied only as far as authentic messages prove them.
 *
 * @module
 */

import type { ConnId } from "../actor/effect.ts";
import type { TimerTable } from "../actor/timer_table.ts";
import { pick, type Random } from "../random/random.ts";
import type { ChatMessage, Have, PeerId, SeqRange, Skip, Want } from "../wire/message.ts";
import { jitter } from "./_support.ts";
import { chatBytesEstimate } from "./chat_bytes_estimate.ts";
import type { Delivery } from "./delivery.ts";
import { graftLink, type Link, type Links } from "./links.ts";
import type { RepairOptions, ResolvedPeerNodeOptions } from "./peer_node_options.ts";
import type { PeerTimer } from "./peer_timer.ts";

/** The options {@linkcode Repair} reads: its own group, and some of others. */
type RepairReads = Pick<
  ResolvedPeerNodeOptions,
  keyof RepairOptions | "authorsMax" | "lazyIntervalMs"
>;

/** What {@linkcode Repair} works with. */
export interface RepairPort {
  readonly id: PeerId;
  readonly links: Links;
  readonly delivery: Delivery;
  readonly timers: TimerTable<PeerTimer>;
  readonly random: Random;
  readonly options: RepairReads;
}

/**
 * How long a skip waits for a message that proves its gap. A neighbour sends
 * its skips just before the repairs they make room for, in one answer.
 */
const PENDING_SKIP_MS = 5_000;

/** A message announced by a lazy neighbour that has not arrived yet. */
interface Missing {
  upTo: number;
  conn: ConnId;
  readonly sinceMs: number;
  /** Announced lazily (the tree should have brought it): pull it with a graft. */
  graft: boolean;
}

/**
 * What one neighbour was served lately: when each message last went to it,
 * and its byte budget (a token bucket) for repairs.
 */
interface ServeLedger {
  /**
   * `author:seq` → when it was last served and how often, oldest first; made
   * by the first `want` served (most neighbours never send one).
   */
  served: Map<string, { atMs: number; times: number }> | undefined;
  /** Per author, the most this neighbour said it has delivered (its `have`s). */
  readonly announced: Map<PeerId, number>;
  /** The same, from its full `have`s only (everything it has delivered). */
  readonly held: Map<PeerId, number>;
  tokens: number;
  refilledAtMs: number;
}

export { chatBytesEstimate as repairBytesEstimate } from "./chat_bytes_estimate.ts";

/** A skip received and not yet (fully) applied. */
interface PendingSkip {
  readonly seq: number;
  readonly untilMs: number;
}

/** Anti-entropy and loss repair for one peer. */
export class Repair {
  readonly #port: RepairPort;
  readonly #links: Links;
  readonly #delivery: Delivery;
  readonly #options: RepairReads;
  /** Announced but not yet arrived, per author. */
  readonly #missing = new Map<PeerId, Missing>();
  /** Skips received, per author, not yet backed by a message that proves the gap. */
  readonly #pendingSkips = new Map<PeerId, PendingSkip>();
  /** What each neighbour was served lately; it goes with the link. */
  readonly #served = new WeakMap<Link, ServeLedger>();
  /**
   * Per author, the most any neighbour announced (a `have`) beyond what is
   * delivered here: the catch-up still to come, for the front end only.
   */
  readonly #heard = new Map<PeerId, number>();

  /** Repair with nothing missing. */
  constructor(port: RepairPort) {
    this.#port = port;
    this.#links = port.links;
    this.#delivery = port.delivery;
    this.#options = port.options;
  }

  /** When the sync timer fires next. */
  nextDeadlineMs(): number {
    return this.#port.timers.nextDeadlineMs(["sync"]);
  }

  /** Delivers `messages` and stops waiting for what they bring. */
  deliver(messages: readonly ChatMessage[]): void {
    this.#delivery.deliver(messages);
    for (const message of messages) {
      const missing = this.#missing.get(message.author);
      if (missing !== undefined && message.seq >= missing.upTo) {
        this.#missing.delete(message.author);
      }
      const skip = this.#pendingSkips.get(message.author);
      if (skip !== undefined && message.seq >= skip.seq) this.#pendingSkips.delete(message.author);
      const heard = this.#heard.get(message.author);
      if (heard !== undefined && message.seq >= heard) this.#heard.delete(message.author);
    }
  }

  /**
   * The messages neighbours announced that are not delivered here yet, and
   * from how many authors: how far a catch-up has to go (an estimate: what
   * no neighbour announced yet is not counted).
   */
  backlog(): { messages: number; authors: number } {
    let messages = 0;
    let authors = 0;
    for (const [author, n] of this.#heard) {
      const gap = n - this.#delivery.deliveredSeq(author);
      if (gap <= 0) continue;
      messages += gap;
      authors += 1;
    }
    return { messages, authors };
  }

  /** A chat message arrived: if new here, it may prove gaps that pending skips name. */
  onChat(message: ChatMessage, nowMs: number): void {
    if (this.#pendingSkips.size > 0 && !this.#delivery.has(message.author, message.seq)) {
      this.#skipProvenGaps(message, nowMs);
    }
  }

  /** Anti-entropy round: a full `have` to a random neighbour. */
  onSyncTimer(nowMs: number): void {
    const target = pick(this.#links.accepted(), this.#port.random);
    if (target !== undefined) this.sendFullHave(target, nowMs);
    this.#port.timers.set("sync", nowMs + jitter(this.#options.syncIntervalMs, this.#port.random));
  }

  /** Tells `link` everything delivered here (and what the history still serves), so that it pulls what it lacks. */
  sendFullHave(link: Link, nowMs: number): void {
    const clock = this.#delivery.servable(this.#options.authorsMax);
    this.#links.send(link, { type: "have", full: true, clock }, nowMs);
  }

  /**
   * The most of `author`'s messages the neighbour on `link` said it has
   * delivered, in a full `have` (when it became a neighbour, and in
   * anti-entropy rounds). Its lazy `have`s are left out: a neighbour that
   * announces lazily is off that author's tree anyway, and a liar's claims
   * there are for the scoring of broken promises to judge.
   */
  heldBy(link: Link, author: PeerId): number {
    return this.#served.get(link)?.held.get(author) ?? 0;
  }

  /** Notes what a neighbour has and we lack; it is pulled after the graft timeout. */
  onHave(link: Link, have: Have, nowMs: number): void {
    // What the other has and we lack is pulled only if it is still missing
    // after a graft timeout: under load most of it is merely in flight, and
    // asking for it at once would double the traffic just when it hurts.
    const { announced, held } = this.#ledger(link, nowMs);
    for (const [author, n] of have.clock) {
      if (n > (announced.get(author) ?? 0) && announced.size < this.#options.authorsMax) {
        announced.set(author, n);
      }
      if (have.full && n > (held.get(author) ?? 0) && held.size < this.#options.authorsMax) {
        held.set(author, n);
      }
      if (n <= this.#delivery.deliveredSeq(author)) continue;
      const heard = this.#heard.get(author);
      if (heard === undefined ? this.#heard.size < this.#options.authorsMax : n > heard) {
        this.#heard.set(author, n);
      }
      const missing = this.#missing.get(author);
      if (missing === undefined) {
        // Only authors the clock has room for, so that a `want` always fits a message.
        if (this.#missing.size >= this.#options.authorsMax || !this.#delivery.admits(author)) {
          continue;
        }
        this.#missing.set(author, { upTo: n, conn: link.conn, sinceMs: nowMs, graft: !have.full });
      } else {
        if (missing.upTo < n) missing.upTo = n;
        missing.graft ||= !have.full;
      }
    }
    if (this.#missing.size > 0) this.#armLazy(nowMs);
  }

  /** Pulls what was announced but has not come within the graft timeout. */
  pullMissing(nowMs: number): void {
    const wants = new Map<ConnId, { graft: boolean; ranges: SeqRange[] }>();
    for (const [author, missing] of this.#missing) {
      const have = this.#delivery.deliveredSeq(author);
      if (have >= missing.upTo) {
        this.#missing.delete(author);
        continue;
      }
      // Held messages already wait for it: it is late, not in flight with
      // them, and everything after it waits too. Pull it now.
      const awaited = this.#delivery.provenSeq(author) > have;
      if (!awaited && nowMs - missing.sinceMs < this.#options.graftTimeoutMs) continue;
      this.#missing.delete(author);
      const link = this.#links.get(missing.conn);
      if (link === undefined || !link.accepted) continue;
      const want = wants.get(link.conn) ?? { graft: false, ranges: [] };
      want.ranges.push({ author, from: have, to: missing.upTo });
      want.graft ||= missing.graft;
      wants.set(link.conn, want);
    }
    for (const [conn, { graft, ranges }] of wants) {
      // A lazily announced message the tree did not bring: graft this link into
      // those authors' trees. (Gaps seen in an anti-entropy round just pull.)
      const link = this.#links.get(conn)!;
      if (graft) { for (const { author } of ranges) graftLink(link, author); }
      this.#links.send(link, { type: "want", graft, ranges }, nowMs);
    }
    if (this.#missing.size > 0) this.#armLazy(nowMs);
  }

  /** Serves a neighbour's `want` from the history, with a `skip` for what is gone. */
  onWant(link: Link, want: Want, nowMs: number): void {
    if (want.graft) { for (const { author } of want.ranges) graftLink(link, author); }
    const floors = new Map<PeerId, number>();
    for (const { author, from } of want.ranges) {
      const floor = this.#delivery.historyFloor(author);
      if (floor > from) floors.set(author, floor);
    }
    if (floors.size > 0) this.#links.send(link, { type: "skip", clock: floors }, nowMs);
    // Whatever a neighbour asks, it gets each message at most once per
    // interval and within its byte budget: serving costs us no more than a
    // small multiple of what the asker spends (PROTOCOL.md, Limits).
    const ledger = this.#ledger(link, nowMs);
    // What the asker announced it has delivered, it does not get again.
    const ranges = want.ranges.flatMap((range) => {
      const from = Math.max(range.from, ledger.announced.get(range.author) ?? 0);
      return from < range.to ? [{ ...range, from }] : [];
    });
    const { wantRepeatIntervalMs, wantRepeatIntervalMaxMs, wantServedTrackedMax } = this.#options;
    const served = ledger.served ??= new Map();
    for (const message of this.#delivery.collect(ranges, this.#options.syncMessagesMax)) {
      const key = `${message.author}:${message.seq}`;
      const last = served.get(key);
      // Asked again and again, a message comes back ever more slowly: 1 s, 2 s, 4 s, …
      const waitMs = last === undefined
        ? 0
        : Math.min(wantRepeatIntervalMaxMs, wantRepeatIntervalMs * 2 ** (last.times - 1));
      if (last !== undefined && nowMs - last.atMs < waitMs) continue;
      const bytes = chatBytesEstimate(message);
      if (bytes > ledger.tokens) break;
      ledger.tokens -= bytes;
      served.delete(key);
      served.set(key, { atMs: nowMs, times: (last?.times ?? 0) + 1 });
      if (served.size > wantServedTrackedMax) served.delete(served.keys().next().value!);
      this.#links.send(link, { type: "chat", message, repair: true }, nowMs);
    }
  }

  /** The serve ledger of `link`, its budget refilled up to `nowMs`. */
  #ledger(link: Link, nowMs: number): ServeLedger {
    const max = this.#options.wantBytesPerSecondMax;
    let ledger = this.#served.get(link);
    if (ledger === undefined) {
      ledger = {
        served: undefined,
        announced: new Map(),
        held: new Map(),
        tokens: max,
        refilledAtMs: nowMs,
      };
      this.#served.set(link, ledger);
    } else if (nowMs > ledger.refilledAtMs) {
      ledger.tokens = Math.min(max, ledger.tokens + (max * (nowMs - ledger.refilledAtMs)) / 1_000);
      ledger.refilledAtMs = nowMs;
    }
    return ledger;
  }

  /**
   * A skip is a neighbour's word that some history is gone; taken alone, one
   * lie would silence an author for good. So it is only noted, and acted on
   * up to what an authentic message proves: the gap below a message of that
   * author (or below what one depends on) that we hold or have just received.
   */
  onSkip(skip: Skip, nowMs: number): void {
    for (const [author, seq] of skip.clock) {
      // Nobody holds more of our own history than we do; and a new author
      // the clock has no room for is not taken in by a skip either.
      if (author === this.#port.id || seq <= this.#delivery.deliveredSeq(author)) continue;
      const pending = this.#pendingSkips.get(author);
      if (pending === undefined) {
        if (this.#pendingSkips.size >= this.#options.authorsMax) continue;
        if (!this.#delivery.admits(author)) continue;
      } else if (pending.seq >= seq && pending.untilMs > nowMs) continue;
      this.#pendingSkips.set(author, { seq, untilMs: nowMs + PENDING_SKIP_MS });
      this.#skipTo(author, this.#delivery.provenSeq(author), nowMs);
    }
  }

  #armLazy(nowMs: number): void {
    this.#port.timers.arm("lazy", nowMs + this.#options.lazyIntervalMs);
  }

  /** Applies the pending skips that `message` (not yet known) proves. */
  #skipProvenGaps(message: ChatMessage, nowMs: number): void {
    const { author, seq, clock } = message;
    // Walk the smaller of the two: usually the pending skips.
    const ids = this.#pendingSkips.size <= clock.size ? this.#pendingSkips.keys() : clock.keys();
    for (const id of ids) {
      const proven = id === author ? seq - 1 : clock.get(id);
      if (proven !== undefined && this.#pendingSkips.has(id)) this.#skipTo(id, proven, nowMs);
    }
  }

  /** Skips `author` up to `proven`, no further than its pending skip. */
  #skipTo(author: PeerId, proven: number, nowMs: number): void {
    const pending = this.#pendingSkips.get(author);
    if (pending === undefined) return;
    if (pending.untilMs <= nowMs) {
      this.#pendingSkips.delete(author);
      return;
    }
    const seq = Math.min(pending.seq, proven);
    if (seq > this.#delivery.deliveredSeq(author)) {
      this.deliver(this.#delivery.skipTo(author, seq));
    }
    if (this.#delivery.deliveredSeq(author) >= pending.seq) this.#pendingSkips.delete(author);
  }
}
