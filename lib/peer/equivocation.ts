/**
 * Equivocation: an author that signs two different messages with one
 * sequence number. Each peer delivers whichever version reaches it first, so
 * the room splits; this module makes every honest peer reach the same outcome
 * instead. A peer that holds both versions (both validly signed: they are
 * the proof) marks the author as equivocating from that sequence number on,
 * tells its user, and sends both versions to every neighbour, which so come
 * to hold both too. A peer that holds one version notices the other through
 * the version digests of lazy `have` announcements and pushes its own version
 * to the announcer, which then holds both.
 *
 * Outcome, the same at every peer: the author is marked, both versions are
 * shown with a warning, and causal delivery goes on (what others built on
 * either version is still delivered).
 *
 * @module
 */

import { sha256 } from "../secure/sha256.ts";
import { chatTextHash, sameBytes } from "../wire/chat_text.ts";
import { bytesToHex } from "../wire/hex.ts";
import { type ChatMessage, type Have, type PeerId, VERSION_DIGEST_BYTES } from "../wire/message.ts";
import { type EmitEvent, logEvent, shortId } from "./_support.ts";
import type { Link, Links } from "./links.ts";
import type { EquivocationOptions, ResolvedPeerNodeOptions } from "./peer_node_options.ts";

const encoder = new TextEncoder();
const digests = new WeakMap<ChatMessage, Uint8Array>();

/**
 * What identifies one version of `author#seq` for its readers: a hash of the
 * fields a user sees (nick, time, and the text through its hash — and the
 * amendment, for an edit or delete), `VERSION_DIGEST_BYTES` long (128 bits:
 * an author cannot find two versions that share one). The text enters as the
 * hash the body carries, so the redacted form of a message (its text removed
 * by an edit or delete) is the same version as the original. Two versions
 * that differ only in what nobody sees are not told apart, so the digest is
 * the same whether a message came as bytes or as an object (simulations).
 */
export function versionDigest(message: ChatMessage): Uint8Array {
  let digest = digests.get(message);
  if (digest === undefined) {
    const fields: unknown[] = [
      message.author,
      message.seq,
      message.nick,
      message.ts,
      bytesToHex(chatTextHash(message)),
    ];
    if (message.amends !== undefined) fields.push(message.amends.kind, message.amends.target);
    digest = sha256(encoder.encode(JSON.stringify(fields))).subarray(0, VERSION_DIGEST_BYTES);
    digests.set(message, digest);
  }
  return digest;
}

/**
 * Whether `a` and `b` (the same author and sequence number) are the same
 * version: a message and its redacted form are.
 */
export function sameVersion(a: ChatMessage, b: ChatMessage): boolean {
  return a.nick === b.nick && a.ts === b.ts && sameBytes(chatTextHash(a), chatTextHash(b)) &&
    a.amends?.kind === b.amends?.kind && a.amends?.target === b.amends?.target;
}

/** Whether two digests are equal. */
export function sameDigest(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One author found equivocating: where, and the two versions that prove it. */
export interface EquivocationRecord {
  readonly author: PeerId;
  readonly seq: number;
  readonly versions: readonly [ChatMessage, ChatMessage];
}

/** What {@linkcode Equivocations} works with. */
export interface EquivocationPort {
  readonly links: Links;
  /** The copy of `author#seq` this peer holds, if any. */
  readonly copyOf: (author: PeerId, seq: number) => ChatMessage | undefined;
  /** What this peer passes on of a message (without its text when its author is blocked). Default: all of it. */
  readonly relayForm?: (message: ChatMessage) => ChatMessage;
  readonly emit: EmitEvent;
  readonly options: Pick<ResolvedPeerNodeOptions, keyof EquivocationOptions>;
}

/** The equivocating authors one peer knows of, with their proofs. */
export class Equivocations {
  readonly #port: EquivocationPort;
  readonly #known = new Map<PeerId, EquivocationRecord>();
  /** `author#seq` our version was pushed for, per link: each at most once. */
  readonly #pushed = new WeakMap<Link, Set<string>>();

  /** None known yet. */
  constructor(port: EquivocationPort) {
    this.#port = port;
  }

  /** Authors marked as equivocating. */
  get size(): number {
    return this.#known.size;
  }

  /** The record of `author`, if it is marked. */
  get(author: PeerId): EquivocationRecord | undefined {
    return this.#known.get(author);
  }

  /**
   * `mine` and `theirs` are two versions of one `author#seq`, both checked
   * (signed, where chat is signed). Marks the author from that sequence
   * number on, tells the user, and sends both versions to every neighbour.
   */
  onConflict(mine: ChatMessage, theirs: ChatMessage, nowMs: number): void {
    if (sameVersion(mine, theirs)) return;
    const known = this.#known.get(mine.author);
    if (known !== undefined && known.seq <= mine.seq) return;
    if (known === undefined && this.#known.size >= this.#port.options.equivocatorsMax) {
      this.#port.emit(logEvent(
        "debug",
        `Equivocation by ${shortId(mine.author)} not recorded: equivocatorsMax reached`,
      ));
      return;
    }
    const record: EquivocationRecord = {
      author: mine.author,
      seq: mine.seq,
      versions: [mine, theirs],
    };
    this.#known.set(mine.author, record);
    this.#port.emit({
      type: "equivocation",
      author: record.author,
      seq: record.seq,
      versions: [mine, theirs],
    });
    // The proof travels as the two chats themselves: a neighbour with one
    // version finds the other a conflicting duplicate, one with neither
    // delivers the first and finds the second one.
    // Two redacted versions prove it as well: their signed text hashes differ.
    const relayForm = this.#port.relayForm ?? ((m: ChatMessage) => m);
    for (const link of this.#port.links.accepted()) {
      for (const version of record.versions) {
        const message = relayForm(version);
        this.#port.links.send(link, { type: "chat", message, repair: true }, nowMs);
      }
    }
  }

  /**
   * A neighbour's `have`: where it names a version digest for a message we
   * hold in another version, it holds the other version; send it ours.
   */
  onHave(link: Link, have: Have, nowMs: number): void {
    if (have.digests === undefined) return;
    for (const [author, digest] of have.digests) {
      const seq = have.clock.get(author);
      const mine = seq === undefined ? undefined : this.#port.copyOf(author, seq);
      if (mine !== undefined && !sameDigest(versionDigest(mine), digest)) {
        this.#pushOwnVersion(link, mine, nowMs);
      }
    }
  }

  /** Sends `mine` to a neighbour that holds another version (once per link), so it holds both. */
  #pushOwnVersion(link: Link, mine: ChatMessage, nowMs: number): void {
    let pushed = this.#pushed.get(link);
    if (pushed === undefined) {
      pushed = new Set();
      this.#pushed.set(link, pushed);
    }
    const key = `${mine.author}#${mine.seq}`;
    if (pushed.has(key) || pushed.size >= this.#port.options.equivocatorsMax) return;
    pushed.add(key);
    const message = this.#port.relayForm?.(mine) ?? mine;
    this.#port.links.send(link, { type: "chat", message, repair: true }, nowMs);
  }
}
