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
 * Whether `update` overrides `current`: a higher incarnation wins; at equal
 * incarnation dead beats suspect beats alive. A total order, so every node
 * that sees the same rumors in any order ends in the same state.
 */
export function supersedes(update: MemberInfo, current: MemberInfo | undefined): boolean {
  if (current === undefined) return true;
  if (update.incarnation !== current.incarnation) return update.incarnation > current.incarnation;
  return STATUS_RANK[update.status] > STATUS_RANK[current.status];
}

/** A member as this node knows it. */
export interface MemberEntry extends MemberInfo {
  /** Local time of the last change of status or incarnation. */
  readonly changedAtMs: number;
}

/** Options of {@linkcode MemberTable}. */
export interface MemberTableOptions {
  /** Entries kept at most, tombstones included; an unknown member past it is ignored. Default 10 000. */
  membersMax?: number;
  /** How long a dead member is remembered so stale rumors cannot revive it. Default 60 000 ms. */
  deadRetentionMs?: number;
}

/** The outcome of {@linkcode MemberTable.apply}. */
export interface ApplyOutcome {
  /** Whether the table changed. */
  readonly applied: boolean;
  /** The entry before the change, if there was one. */
  readonly previous: MemberEntry | undefined;
}

/**
 * The membership table of one node, excluding the node itself. Live members
 * (alive or suspect) are also kept in an array so a random one is O(1).
 */
export class MemberTable {
  readonly #selfId: PeerId;
  readonly #membersMax: number;
  readonly #deadRetentionMs: number;
  readonly #entries = new Map<PeerId, MemberEntry>();
  readonly #live: PeerId[] = [];
  readonly #liveIndex = new Map<PeerId, number>();

  /** An empty table for the node `selfId`. */
  constructor(selfId: PeerId, options: MemberTableOptions = {}) {
    this.#selfId = selfId;
    this.#membersMax = options.membersMax ?? 10_000;
    this.#deadRetentionMs = options.deadRetentionMs ?? 60_000;
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
    return this.#liveIndex.has(id);
  }

  /** Merges one rumor; rumors about the node itself are the caller's business and are ignored here. */
  apply(update: MemberInfo, nowMs: number): ApplyOutcome {
    if (update.id === this.#selfId) return { applied: false, previous: undefined };
    const previous = this.#entries.get(update.id);
    if (!supersedes(update, previous)) return { applied: false, previous };
    if (previous === undefined && this.#entries.size >= this.#membersMax) {
      return { applied: false, previous };
    }
    this.#entries.set(update.id, {
      id: update.id,
      addr: update.addr,
      incarnation: update.incarnation,
      status: update.status,
      changedAtMs: nowMs,
    });
    if (update.status === "dead") this.#removeLive(update.id);
    else this.#addLive(update.id);
    return { applied: true, previous };
  }

  /** Live members (alive or suspect). */
  live(): MemberEntry[] {
    return this.#live.map((id) => this.#entries.get(id)!);
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
      const entry = this.#entries.get(this.#live[random.int(n)]!)!;
      if (exclude === undefined || !exclude(entry)) return entry;
    }
    const start = random.int(n);
    for (let i = 0; i < n; i++) {
      const entry = this.#entries.get(this.#live[(start + i) % n]!)!;
      if (exclude === undefined || !exclude(entry)) return entry;
    }
    return undefined;
  }

  /** Forgets tombstones older than the retention time; returns how many went. */
  expire(nowMs: number): number {
    let removed = 0;
    for (const [id, entry] of this.#entries) {
      if (entry.status === "dead" && nowMs - entry.changedAtMs >= this.#deadRetentionMs) {
        this.#entries.delete(id);
        removed++;
      }
    }
    return removed;
  }

  #addLive(id: PeerId): void {
    if (this.#liveIndex.has(id)) return;
    this.#liveIndex.set(id, this.#live.length);
    this.#live.push(id);
  }

  #removeLive(id: PeerId): void {
    const index = this.#liveIndex.get(id);
    if (index === undefined) return;
    const last = this.#live.pop()!;
    if (last !== id) {
      this.#live[index] = last;
      this.#liveIndex.set(last, index);
    }
    this.#liveIndex.delete(id);
  }
}
