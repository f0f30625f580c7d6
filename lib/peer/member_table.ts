/**
 * What one node believes about every other member: address, incarnation and
 * liveness, merged from rumors by SWIM precedence.
 *
 * @module
 */

import type { MemberInfo, MemberStatus, PeerId } from "../wire/message.ts";
import type { Random } from "../random/random.ts";

const STATUS_RANK: Readonly<Record<MemberStatus, number>> = { alive: 0, suspect: 1, dead: 2 };

/**
 * Whether `update` overrides `current`, by the incarnation rule: only the
 * member itself can vouch for an incarnation, so
 *
 * - a signed record (the member's own: alive, or dead when it left) wins
 *   with a higher incarnation, or at the same one when it says the member
 *   left, or when the entry held no signed record yet;
 * - an unsigned rumor (suspect, dead; an unsigned alive is never taken from
 *   others — see {@linkcode MemberTable.applyDirect}) counts only at the
 *   incarnation of the member's latest record, where dead beats suspect
 *   beats alive. A rumor at a higher incarnation is a lie, a lower one stale.
 *
 * Every node that sees the same records and rumors, in any order, ends in
 * the same state.
 */
export function supersedes(
  update: MemberInfo,
  current: (MemberInfo & { readonly record?: MemberInfo | undefined }) | undefined,
): boolean {
  const signed = update.signature !== undefined;
  if (!signed) {
    if (current === undefined || update.status === "alive") return false;
    if (update.incarnation !== current.incarnation) return false;
    return STATUS_RANK[update.status] > STATUS_RANK[current.status];
  }
  if (current === undefined) return true;
  if (update.incarnation !== current.incarnation) return update.incarnation > current.incarnation;
  const hasRecord = current.record !== undefined || current.signature !== undefined;
  if (update.status === "dead") return current.status !== "dead" || !hasRecord;
  return !hasRecord;
}

/** A member as this node knows it. */
export interface MemberEntry extends MemberInfo {
  /** Local time of the last change of status or incarnation. */
  readonly changedAtMs: number;
  /** The member's own latest signed record, if one came (a hello alone proves no record to pass on). */
  readonly record: MemberInfo | undefined;
  /** The neighbour that taught us this member, until we meet it ourselves (its hello); undefined once met. */
  readonly source?: PeerId | undefined;
  /**
   * Known only from a neighbour's peer list, not yet met: we do not pass it
   * on in our own lists (no laundering of made-up addresses through us).
   */
  readonly onlyListed?: boolean;
  /**
   * Its nick as it last told it: from its latest signed record naming one,
   * or its hello (a hello's nick is the authenticated remote's own word).
   * Rumors never change it.
   */
  readonly nick?: string;
}

/**
 * What to tell others about `entry`: the member's own signed record when
 * our belief is what it says, else an unsigned rumor at its incarnation.
 */
export function recordOf(entry: MemberEntry): MemberInfo {
  return vouchedFor(entry)
    ? entry.record!
    : { id: entry.id, addr: entry.addr, incarnation: entry.incarnation, status: entry.status };
}

/** Whether our belief about `entry` is what its own signed record says (then {@linkcode recordOf} passes that record on). */
export function vouchedFor(entry: MemberEntry): boolean {
  const record = entry.record;
  return record !== undefined && record.status === entry.status &&
    record.incarnation === entry.incarnation && record.addr === entry.addr &&
    record.signature !== undefined;
}

/**
 * An entry as the table stores it: with its place in the live array (-1
 * when dead), so that a death leaves the array in O(1) without a second map
 * from id to place (a map per node cost the simulator ~7 KB per node).
 */
type StoredEntry = MemberEntry & { liveAt: number };

/** Options of {@linkcode MemberTable}. */
export interface MemberTableOptions {
  /** Entries kept at most, tombstones included; an unknown member past it is ignored. Default 10 000. */
  membersMax?: number;
  /** How long a dead member is remembered so stale rumors cannot revive it. Default 60 000 ms. */
  deadRetentionMs?: number;
  /** Members one source may teach us before we meet them, tombstones included. Default 64. */
  unprovenPerSourceMax?: number;
}

/** The outcome of {@linkcode MemberTable.apply}. */
export interface ApplyOutcome {
  /** Whether the table changed. */
  readonly applied: boolean;
  /** The entry before the change, if there was one. */
  readonly previous: MemberEntry | undefined;
  /** A member removed to make room for this one, if any. */
  readonly evicted: MemberEntry | undefined;
}

/** How {@linkcode MemberTable.apply} makes room for a new member in a full table. */
export interface EvictionPolicy {
  /** Picks the live member to evict when no tombstone can go. */
  readonly random: Random;
  /** Members that must stay (neighbours, say). */
  readonly keep: (id: PeerId) => boolean;
}

/**
 * The membership table of one node, excluding the node itself. Live members
 * (alive or suspect) are also kept in an array so a random one is O(1).
 */
export class MemberTable {
  readonly #selfId: PeerId;
  readonly #membersMax: number;
  readonly #deadRetentionMs: number;
  readonly #unprovenPerSourceMax: number;
  /** New members refused since {@linkcode takeCapRefusals} last asked: their source was at its cap. */
  #capRefusals = 0;
  /** Entries not yet met in person, by the neighbour that taught them. */
  readonly #unprovenBySource = new Map<PeerId, number>();
  readonly #entries = new Map<PeerId, StoredEntry>();
  /** The live entries (alive or suspect), in no order: a random one is O(1). */
  readonly #live: StoredEntry[] = [];
  /** Tombstones, oldest first: id → when it died. One per dead entry, so never more than the table. */
  readonly #dead = new Map<PeerId, number>();

  /** An empty table for the node `selfId`. */
  constructor(selfId: PeerId, options: MemberTableOptions = {}) {
    this.#selfId = selfId;
    this.#membersMax = options.membersMax ?? 10_000;
    this.#deadRetentionMs = options.deadRetentionMs ?? 60_000;
    this.#unprovenPerSourceMax = options.unprovenPerSourceMax ?? 64;
  }

  /** Entries held, tombstones included. */
  get size(): number {
    return this.#entries.size;
  }

  /** Members believed alive or suspected, not yet dead. */
  get liveCount(): number {
    return this.#live.length;
  }

  /** The entry for `id`, if any. */
  get(id: PeerId): MemberEntry | undefined {
    return this.#entries.get(id);
  }

  /** Whether `id` is known and not dead. */
  isLive(id: PeerId): boolean {
    return (this.#entries.get(id)?.liveAt ?? -1) >= 0;
  }

  /**
   * Merges one rumor; rumors about the node itself are the caller's business
   * and are ignored here. A new member arriving at a full table is refused,
   * unless an `eviction` policy is given: then the oldest tombstone goes, or else a
   * random live member that `eviction.keep` does not protect (the table is
   * then a random partial view).
   */
  apply(
    update: MemberInfo,
    nowMs: number,
    eviction?: EvictionPolicy,
    source?: PeerId,
    fromList = false,
  ): ApplyOutcome {
    if (update.id === this.#selfId) {
      return { applied: false, previous: undefined, evicted: undefined };
    }
    const previous = this.#entries.get(update.id);
    if (
      previous?.onlyListed === true && !fromList && update.signature !== undefined &&
      update.incarnation === previous.incarnation
    ) {
      // Its record also came flooded through the room: no longer only listed.
      this.#replace({ ...previous, onlyListed: false });
    }
    if (!supersedes(update, previous)) return { applied: false, previous, evicted: undefined };
    // A member we have not met, taught by `source`: one source fills at most
    // `unprovenPerSourceMax` entries. Its own record from itself is a meeting.
    const taughtBy = source === update.id
      ? undefined
      : previous === undefined
      ? source
      : previous.source;
    if (
      previous === undefined && taughtBy !== undefined &&
      (this.#unprovenBySource.get(taughtBy) ?? 0) >= this.#unprovenPerSourceMax
    ) {
      this.#capRefusals++;
      return { applied: false, previous, evicted: undefined };
    }
    const onlyListed = taughtBy !== undefined &&
      (previous === undefined ? fromList : previous.onlyListed === true);
    return this.#set(update, previous, nowMs, eviction, taughtBy, onlyListed);
  }

  /** How many members `source` taught us that we have not met (for tests and diagnostics). */
  unprovenFrom(source: PeerId): number {
    return this.#unprovenBySource.get(source) ?? 0;
  }

  /** Whether `source` has taught us as many unmet members as it may: it can teach no more. */
  isSourceFull(source: PeerId): boolean {
    return (this.#unprovenBySource.get(source) ?? 0) >= this.#unprovenPerSourceMax;
  }

  /** New members refused (their source full) since the last call. */
  takeCapRefusals(): number {
    const n = this.#capRefusals;
    this.#capRefusals = 0;
    return n;
  }

  #countSource(source: PeerId | undefined, delta: number): void {
    if (source === undefined) return;
    const count = (this.#unprovenBySource.get(source) ?? 0) + delta;
    if (count <= 0) this.#unprovenBySource.delete(source);
    else this.#unprovenBySource.set(source, count);
  }

  /**
   * Direct evidence: `id` just spoke to us (its hello), at `incarnation` and
   * `addr`. It is alive there unless we know a later incarnation of it, or a
   * rumor about this very incarnation (the member must refute that itself,
   * with a newer signed record). A signed record at that incarnation is kept.
   */
  applyDirect(
    id: PeerId,
    addr: string,
    incarnation: number,
    nowMs: number,
    eviction?: EvictionPolicy,
  ): ApplyOutcome {
    const previous = this.#entries.get(id);
    if (previous?.source !== undefined && incarnation === previous.incarnation) {
      // Met in person at last: it no longer counts against whoever taught it.
      this.#countSource(previous.source, -1);
      this.#replace({ ...previous, source: undefined, onlyListed: false });
    }
    if (id === this.#selfId || (previous !== undefined && incarnation <= previous.incarnation)) {
      return { applied: false, previous, evicted: undefined };
    }
    return this.#set(
      { id, addr, incarnation, status: "alive" },
      previous,
      nowMs,
      eviction,
      undefined,
      false,
    );
  }

  #set(
    update: MemberInfo,
    previous: StoredEntry | undefined,
    nowMs: number,
    eviction: EvictionPolicy | undefined,
    source: PeerId | undefined,
    onlyListed: boolean,
  ): ApplyOutcome {
    let evicted: MemberEntry | undefined;
    if (previous === undefined && this.#entries.size >= this.#membersMax) {
      evicted = this.#oldestTombstone() ??
        (eviction === undefined
          ? undefined
          : this.randomLive(eviction.random, (m) => eviction.keep(m.id)));
      if (evicted === undefined) return { applied: false, previous, evicted: undefined };
      this.remove(evicted.id);
    }
    // A signed record replaces the one held; a rumor keeps it (it refers to it).
    const record = update.signature !== undefined
      ? update
      : previous?.incarnation === update.incarnation
      ? previous.record
      : undefined;
    const sameBelief = previous !== undefined && previous.status === update.status &&
      previous.incarnation === update.incarnation;
    // Only the member's own word names it: a signed record's nick, else the one we had.
    const nick = (update.signature !== undefined ? update.nick : undefined) ?? previous?.nick;
    if (previous !== undefined) this.#countSource(previous.source, -1);
    this.#countSource(source, 1);
    const entry: StoredEntry = {
      liveAt: -1,
      source,
      onlyListed,
      id: update.id,
      addr: update.addr,
      incarnation: update.incarnation,
      status: update.status,
      changedAtMs: sameBelief ? previous.changedAtMs : nowMs,
      record,
      ...(nick === undefined ? {} : { nick }),
    };
    this.#replace(entry);
    if (sameBelief) return { applied: true, previous, evicted };
    // A death goes to the young end and stays there: its tombstone expires a
    // fixed time after the death, however often copies of it come back. A
    // revival leaves the tombstones.
    this.#dead.delete(update.id);
    if (update.status === "dead") {
      this.#removeLive(entry);
      this.#dead.set(update.id, nowMs);
    } else {
      this.#addLive(entry);
    }
    return { applied: true, previous, evicted };
  }

  /**
   * The member `id` told us its nick itself (its hello, on an authenticated
   * channel): kept on its entry. Returns the nick it had when this changes
   * a known one, else undefined.
   */
  setNick(id: PeerId, nick: string): string | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.nick === nick) return undefined;
    this.#replace({ ...entry, nick });
    return entry.nick;
  }

  /**
   * Clears a suspicion we no longer hold (the member answered, or our own
   * check found nothing): back to alive at the same incarnation, keeping its
   * record. Returns whether it was suspect.
   */
  acquit(id: PeerId, nowMs: number): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.status !== "suspect") return false;
    this.#replace({ ...entry, status: "alive", changedAtMs: nowMs });
    return true;
  }

  /** Forgets a member entirely. */
  remove(id: PeerId): void {
    const entry = this.#entries.get(id);
    if (entry !== undefined) {
      this.#countSource(entry.source, -1);
      this.#removeLive(entry);
      this.#entries.delete(id);
    }
    this.#dead.delete(id);
  }

  /** Whether no new member fits without making room. */
  get full(): boolean {
    return this.#entries.size >= this.#membersMax;
  }

  /** Live members (alive or suspect). */
  live(): MemberEntry[] {
    return [...this.#live];
  }

  /** Every entry, tombstones included. */
  all(): MemberEntry[] {
    return [...this.#entries.values()];
  }

  /** A uniformly random live member, skipping those `exclude` rejects; tries a bounded number of times. */
  randomLive(random: Random, exclude?: (entry: MemberEntry) => boolean): MemberEntry | undefined {
    const n = this.#live.length;
    if (n === 0) return undefined;
    // A few random draws find an acceptable member quickly in the common case;
    // a scan from a random offset guarantees an answer when one exists.
    for (let attempt = 0; attempt < 8; attempt++) {
      const entry = this.#live[random.int(n)]!;
      if (exclude === undefined || !exclude(entry)) return entry;
    }
    const start = random.int(n);
    for (let i = 0; i < n; i++) {
      const entry = this.#live[(start + i) % n]!;
      if (exclude === undefined || !exclude(entry)) return entry;
    }
    return undefined;
  }

  /** Up to `count` distinct live members, uniformly at random, skipping those `exclude` rejects. */
  sampleLive(
    count: number,
    random: Random,
    exclude?: (entry: MemberEntry) => boolean,
  ): MemberEntry[] {
    const n = this.#live.length;
    const picked = new Map<PeerId, MemberEntry>();
    if (count >= n) {
      for (const entry of this.#live) {
        if (exclude === undefined || !exclude(entry)) picked.set(entry.id, entry);
      }
      return [...picked.values()];
    }
    // Rejection sampling: cheap while count is well below n.
    for (let attempts = 0; picked.size < count && attempts < count * 4; attempts++) {
      const entry = this.#live[random.int(n)]!;
      if (exclude !== undefined && exclude(entry)) continue;
      picked.set(entry.id, entry);
    }
    return [...picked.values()];
  }

  /** The `count` most recent tombstones still held, newest first. */
  recentDead(count: number): MemberEntry[] {
    const ids = [...this.#dead.keys()];
    const out: MemberEntry[] = [];
    for (let i = ids.length - 1; i >= 0 && out.length < count; i--) {
      out.push(this.#entries.get(ids[i]!)!);
    }
    return out;
  }

  /** Forgets tombstones older than the retention time; returns how many went. */
  expire(nowMs: number): number {
    let removed = 0;
    for (const [id, atMs] of this.#dead) {
      if (nowMs - atMs < this.#deadRetentionMs) break;
      this.#dead.delete(id);
      this.#countSource(this.#entries.get(id)?.source, -1);
      this.#entries.delete(id);
      removed++;
    }
    return removed;
  }

  #oldestTombstone(): MemberEntry | undefined {
    for (const id of this.#dead.keys()) return this.#entries.get(id);
    return undefined;
  }

  /** Stores `next`, in place of the entry with its id if any, at that entry's place in the live array. */
  #replace(next: StoredEntry): void {
    next.liveAt = this.#entries.get(next.id)?.liveAt ?? -1;
    this.#entries.set(next.id, next);
    if (next.liveAt >= 0) this.#live[next.liveAt] = next;
  }

  #addLive(entry: StoredEntry): void {
    if (entry.liveAt >= 0) return;
    entry.liveAt = this.#live.length;
    this.#live.push(entry);
  }

  #removeLive(entry: StoredEntry): void {
    const index = entry.liveAt;
    if (index < 0) return;
    const last = this.#live.pop()!;
    if (last !== entry) {
      this.#live[index] = last;
      last.liveAt = index;
    }
    entry.liveAt = -1;
  }
}
