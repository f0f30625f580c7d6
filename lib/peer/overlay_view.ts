/**
 * The overlay as one peer knows it, as plain data for a front end to draw:
 * its member table (tombstones included), its own links with their kind,
 * and what its hold-back queue waits for. Built on request from the node's
 * state; it changes nothing and emits nothing.
 *
 * @module
 */

import { type MessageRef, missingCause } from "../causal/missing_cause.ts";
import type { CausalStamp, VectorClock } from "../causal/vector_clock.ts";
import type { Hello, MemberStatus, PeerId } from "../wire/message.ts";

/** Members listed in one overlay view; past it the rest are counted in `omittedMembers`. */
export const OVERLAY_MEMBERS_MAX = 300;

/** Held messages listed in one overlay view; past it the rest are counted in `omittedHeld`. */
export const OVERLAY_HELD_MAX = 100;

/**
 * How a node is drawn: this peer, a member by its status — `left` is a dead
 * member whose own signed record says so (it said goodbye), `dead` one
 * declared dead by others (it stopped answering) — or a bootstrap (reached
 * over a bootstrap link; never a member).
 */
export type OverlayNodeState = "self" | MemberStatus | "left" | "bootstrap";

/**
 * How one of this peer's links is drawn. A neighbour link is `eager` when it
 * is on the broadcast tree of at least one author this peer knows (itself
 * included: it pushes their messages at once) and `lazy` when it only
 * announces for every one of them; `pending` is a neighbour link not yet
 * accepted by the active view. `liveness` and `bootstrap` are their purpose.
 */
export type OverlayLinkKind = "eager" | "lazy" | "pending" | "liveness" | "bootstrap";

/** One node of the overlay view. */
export interface OverlayMember {
  /** Its id. */
  readonly id: PeerId;
  /** Its nick, when known. */
  readonly nick?: string;
  /** The address it advertises. */
  readonly addr: string;
  /** How it is drawn. */
  readonly state: OverlayNodeState;
  /** Its incarnation as known here (0 for a bootstrap). */
  readonly incarnation: number;
  /** How many of its messages this peer has delivered (its clock entry). */
  readonly seq: number;
  /** For a member: ms since its status or incarnation last changed here. */
  readonly changedAgoMs?: number;
}

/** One of this peer's own links. */
export interface OverlayLink {
  /** The remote's id. */
  readonly id: PeerId;
  /** How it is drawn. */
  readonly kind: OverlayLinkKind;
  /** Whether this peer dialled it. */
  readonly outbound: boolean;
  /** Ms since the link was opened. */
  readonly ageMs: number;
  /** Ms since anything last arrived on it. */
  readonly quietMs: number;
  /** For a neighbour link: the authors whose messages are only announced on it. */
  readonly lazyAuthors?: number;
  /**
   * For a neighbour link, how its bytes travel: `direct`, `relayed` or
   * `punched` (PROTOCOL.md § Relays). The core cannot tell; a runtime fills
   * it in (`PeerService.overlay`).
   */
  readonly path?: "direct" | "relayed" | "punched";
}

/** One held-back message and what it waits for. */
export interface OverlayHeld extends MessageRef {
  /** The first missing message it waits for. */
  readonly waitsFor: MessageRef;
}

/** The overlay as one peer knows it. */
export interface OverlayView {
  /** Members (this peer first, then neighbours, the live, the dead), at most `membersMax`. */
  readonly members: readonly OverlayMember[];
  /** Members left out past the limit. */
  readonly omittedMembers: number;
  /** This peer's established links (one per remote). */
  readonly links: readonly OverlayLink[];
  /** Held-back messages, at most `heldMax`. */
  readonly held: readonly OverlayHeld[];
  /** Held messages left out past the limit. */
  readonly omittedHeld: number;
}

/** What {@linkcode overlayView} reads of a member entry (`member_table.ts`). */
export interface OverlayMemberInput {
  /** Its id. */
  readonly id: PeerId;
  /** Its address. */
  readonly addr: string;
  /** Its status. */
  readonly status: MemberStatus;
  /** Its incarnation. */
  readonly incarnation: number;
  /** Its nick, when known. */
  readonly nick?: string | undefined;
  /** Local time of its last change. */
  readonly changedAtMs: number;
  /** The member's own latest signed record, if one came: a `dead` one means it left. */
  readonly record?: { readonly status: MemberStatus } | undefined;
}

/** What {@linkcode overlayView} reads of a link (`links.ts`). */
export interface OverlayLinkInput {
  /** What the link is for. */
  readonly purpose: "peer" | "bootstrap" | "liveness";
  /** The remote's hello, once established. */
  readonly remote: Pick<Hello, "id" | "addr" | "nick" | "role"> | undefined;
  /** Counted as a neighbour. */
  readonly accepted: boolean;
  /** Whether this peer dialled it. */
  readonly outbound: boolean;
  /** When it was opened. */
  readonly openedAtMs: number;
  /** When anything last arrived on it. */
  readonly lastReceivedMs: number;
  /** The authors whose messages are only announced on it. */
  readonly tree: { readonly lazyFor: ReadonlySet<PeerId> };
}

/** What {@linkcode overlayView} reads of a node. */
export interface OverlayInput {
  /** This peer. */
  readonly self: { readonly id: PeerId; readonly addr: string; readonly nick: string };
  /** Its incarnation. */
  readonly incarnation: number;
  /** Every member entry, tombstones included. */
  readonly members: Iterable<OverlayMemberInput>;
  /** Every link. */
  readonly links: Iterable<OverlayLinkInput>;
  /** What this peer has delivered, per author (the authors it tracks). */
  readonly delivered: VectorClock;
  /** How many of `id`'s messages count as delivered, history given up included. */
  readonly deliveredSeq: (id: PeerId) => number;
  /** The messages in its hold-back queue. */
  readonly held: Iterable<CausalStamp>;
}

/** Options of {@linkcode overlayView}. */
export interface OverlayViewOptions {
  /** Members listed at most. Default {@linkcode OVERLAY_MEMBERS_MAX}. */
  membersMax?: number;
  /** Held messages listed at most. Default {@linkcode OVERLAY_HELD_MAX}. */
  heldMax?: number;
}

/** Builds the overlay view of a node's state at `nowMs`. */
export function overlayView(
  input: OverlayInput,
  nowMs: number,
  options: OverlayViewOptions = {},
): OverlayView {
  const membersMax = options.membersMax ?? OVERLAY_MEMBERS_MAX;
  const heldMax = options.heldMax ?? OVERLAY_HELD_MAX;
  const { self, delivered, deliveredSeq: seqOf } = input;
  const links: OverlayLink[] = [];
  const linked = new Set<PeerId>();
  const unlisted: OverlayMember[] = [];
  // Authors this peer knows: a neighbour link is eager if it pushes for any of them.
  const authors = [self.id, ...delivered.keys()];
  for (const link of input.links) {
    const remote = link.remote;
    if (remote === undefined || remote.id === self.id || linked.has(remote.id)) continue;
    linked.add(remote.id);
    const kind: OverlayLinkKind = link.purpose !== "peer"
      ? link.purpose
      : !link.accepted
      ? "pending"
      : authors.some((a) => !link.tree.lazyFor.has(a))
      ? "eager"
      : "lazy";
    links.push({
      id: remote.id,
      kind,
      outbound: link.outbound,
      ageMs: Math.max(0, nowMs - link.openedAtMs),
      quietMs: Number.isFinite(link.lastReceivedMs) ? Math.max(0, nowMs - link.lastReceivedMs) : 0,
      ...(link.purpose === "peer" ? { lazyAuthors: link.tree.lazyFor.size } : {}),
    });
    // A remote on a link but not in the member table (a bootstrap, a peer
    // whose record has not come yet) is still drawn: it answered its hello.
    unlisted.push({
      id: remote.id,
      addr: remote.addr,
      state: remote.role === "bootstrap" ? "bootstrap" : "alive",
      incarnation: 0,
      seq: seqOf(remote.id),
      ...(remote.nick === "" ? {} : { nick: remote.nick }),
    });
  }
  const rank = (m: OverlayMember) =>
    linked.has(m.id) ? 0 : m.state === "dead" || m.state === "left" ? 2 : 1;
  const others: OverlayMember[] = [];
  for (const m of input.members) {
    if (m.id === self.id) continue;
    others.push({
      id: m.id,
      addr: m.addr,
      state: m.status === "dead" && m.record?.status === "dead" ? "left" : m.status,
      incarnation: m.incarnation,
      seq: seqOf(m.id),
      changedAgoMs: Math.max(0, nowMs - m.changedAtMs),
      ...(m.nick === undefined ? {} : { nick: m.nick }),
    });
  }
  const known = new Set(others.map((m) => m.id));
  for (const m of unlisted) if (!known.has(m.id)) others.push(m);
  // Stable: neighbours first, then the live, then the dead; each in table order.
  others.sort((a, b) => rank(a) - rank(b));
  const selfMember: OverlayMember = {
    id: self.id,
    addr: self.addr,
    nick: self.nick,
    state: "self",
    incarnation: input.incarnation,
    seq: seqOf(self.id),
  };
  const room = Math.max(0, membersMax - 1);
  const members = [selfMember, ...others.slice(0, room)];
  const shown = new Set(members.map((m) => m.id));
  const held: OverlayHeld[] = [];
  let heldCount = 0;
  for (const message of input.held) {
    heldCount++;
    if (held.length >= heldMax) continue;
    const waitsFor = missingCause(message, seqOf) ??
      { author: message.author, seq: message.seq - 1 };
    held.push({ author: message.author, seq: message.seq, waitsFor });
  }
  held.sort((a, b) => a.author < b.author ? -1 : a.author > b.author ? 1 : a.seq - b.seq);
  return {
    members,
    omittedMembers: Math.max(0, others.length - room),
    links: links.filter((l) => shown.has(l.id)),
    held,
    omittedHeld: heldCount - held.length,
  };
}
