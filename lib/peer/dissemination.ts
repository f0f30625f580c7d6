/**
 * Plumtree dissemination: new chat messages are pushed at once along each
 * author's self-pruning tree; the other neighbours hear of them in lazy
 * `have` announcements, and pull with a graft what the tree failed to bring.
 *
 * @module
 */

import type { ConnId } from "../actor/effect.ts";
import type { TimerTable } from "../actor/timer_table.ts";
import type { ChatMessage, Message, PeerId, Prune } from "../wire/message.ts";
import { type EmitEvent, logEvent, shortId } from "./_support.ts";
import { AuthorRates } from "./author_rate.ts";
import { chatBytesEstimate } from "./chat_bytes_estimate.ts";
import type { Delivery } from "./delivery.ts";
import { type Equivocations, sameVersion, versionDigest } from "./equivocation.ts";
import type { Link, Links } from "./links.ts";
import type { DisseminationOptions, ResolvedPeerNodeOptions } from "./peer_node_options.ts";
import type { PeerTimer } from "./peer_timer.ts";
import type { Repair } from "./repair.ts";
import type { RejectReason } from "../causal/hold_back_queue.ts";

/** Refusals of the hold-back queue for want of room (counted as a limit's drops). */
const HOLD_BACK_FULL: ReadonlySet<RejectReason> = new Set([
  "author-full",
  "queue-full",
  "author-bytes-full",
  "queue-bytes-full",
  "authors-full",
]);

/** What {@linkcode Dissemination} works with. */
export interface DisseminationPort {
  readonly id: PeerId;
  readonly links: Links;
  readonly delivery: Delivery;
  readonly repair: Repair;
  readonly equivocations: Equivocations;
  readonly timers: TimerTable<PeerTimer>;
  readonly emit: EmitEvent;
  readonly options: Pick<ResolvedPeerNodeOptions, keyof DisseminationOptions | "authorsMax">;
}

/** Eager push, prune and lazy announcement of chat messages. */
export class Dissemination {
  readonly #port: DisseminationPort;
  readonly #links: Links;
  readonly #delivery: Delivery;
  /** Deliveries at the last announcement: lazy announcements go out only when it moved. */
  #announcedDeliveries: number;
  readonly #authorRates: AuthorRates;
  /** New chat refused for being over its author's rate (counted for `/metrics`). */
  #overAuthorRate = 0;
  /** New chat refused because the hold-back queue (or its author's share) was full. */
  #holdBackFull = 0;
  /**
   * Per author, the message that was its first here: it came along the
   * shared tree, so a duplicate of it shows a cycle there. At most
   * `authorsMax` entries, the oldest forgotten first.
   */
  readonly #firstSeq = new Map<PeerId, number>();

  /** Dissemination with every delivery so far counted as announced. */
  constructor(port: DisseminationPort) {
    this.#port = port;
    this.#links = port.links;
    this.#delivery = port.delivery;
    this.#announcedDeliveries = port.delivery.deliveryCount;
    this.#authorRates = new AuthorRates({
      messagesPerSecond: port.options.authorMessagesPerSecondMax,
      bytesPerSecond: port.options.authorBytesPerSecondMax,
      authorsMax: port.options.authorsMax,
    });
  }

  /** New chat dropped by a limit so far: over its author's rate, or a full hold-back queue. */
  get limitDrops(): { readonly authorRate: number; readonly holdBack: number } {
    return { authorRate: this.#overAuthorRate, holdBack: this.#holdBackFull };
  }

  /** When the lazy timer fires next. */
  nextDeadlineMs(): number {
    return this.#port.timers.nextDeadlineMs(["lazy"]);
  }

  /** A chat message from a neighbour (`repair`: an answer to our `want`). */
  onChat(link: Link, message: ChatMessage, repair: boolean, nowMs: number): void {
    this.#port.repair.onChat(message, nowMs);
    if (this.#delivery.has(message.author, message.seq)) {
      this.#checkVersion(message, nowMs);
      this.#delivery.offerText(message);
      // An unasked-for copy over a link on this author's tree: the tree has a
      // cycle here. Keep the link for announcements only (Plumtree's prune).
      const author = message.author;
      if (repair) return;
      const { tree } = link;
      if (!tree.lazyFor.has(author)) {
        tree.lazyFor.add(author);
        const leaveShared = !tree.offSharedTree &&
          this.#firstSeq.get(author) === message.seq && this.#cyclesSharedTree(link, author);
        if (leaveShared) tree.offSharedTree = true;
        tree.prunedAtMs = nowMs;
        this.#links.send(
          link,
          { type: "prune", authors: [author], ...(leaveShared ? { sharedTree: true } : {}) },
          nowMs,
        );
      } else if (nowMs - tree.prunedAtMs >= this.#port.options.lazyIntervalMs) {
        // Pruned already, yet it still pushes: it grafted the link on its side
        // since, or our prune crossed its graft. Say it again (as Plumtree
        // prunes on every duplicate), at most once a lazy round per link.
        tree.prunedAtMs = nowMs;
        this.#links.send(link, { type: "prune", authors: [author] }, nowMs);
      }
      return;
    }
    if (!this.#authorRates.admit(message.author, chatBytesEstimate(message), nowMs)) {
      this.#overAuthorRate++;
      this.#port.emit(logEvent(
        "debug",
        `Dropped message ${shortId(message.author)}#${message.seq}: over its author's rate`,
      ));
      return;
    }
    const fresh = !this.#delivery.knows(message.author);
    const result = this.#delivery.offer(message);
    if (result.status === "rejected") {
      if (HOLD_BACK_FULL.has(result.reason)) this.#holdBackFull++;
      this.#port.emit(logEvent(
        "debug",
        `Dropped message ${shortId(message.author)}#${message.seq}: ${result.reason}`,
      ));
      return;
    }
    if (result.status === "duplicate") {
      this.#delivery.offerText(message);
      return this.#checkVersion(message, nowMs);
    }
    if (fresh && this.#delivery.knows(message.author)) this.#noteFirst(message);
    // A blocked author's message goes on without its text (local policy).
    this.push(this.#delivery.relayForm(message), link.conn, nowMs, fresh);
    this.#port.repair.deliver(result.delivered);
  }

  /** A copy of a message we hold: another version of it proves its author equivocated. */
  #checkVersion(message: ChatMessage, nowMs: number): void {
    const mine = this.#delivery.copyOf(message.author, message.seq);
    if (mine !== undefined && !sameVersion(mine, message)) {
      this.#port.equivocations.onConflict(mine, message, nowMs);
    }
  }

  /**
   * A neighbour left some authors' trees (and perhaps the shared tree):
   * announce their messages to it lazily.
   */
  onPrune(link: Link, prune: Prune): void {
    // Only authors we track: the set stays within authorsMax.
    for (const author of prune.authors) {
      if (this.#delivery.knows(author)) link.tree.lazyFor.add(author);
    }
    if (prune.sharedTree === true) link.tree.offSharedTree = true;
  }

  /**
   * Whether a duplicate of `author`'s message over `link` shows a cycle in
   * the shared tree. Not when the author is our neighbour: its own push (the
   * first hop of its tree is a star) races the shared tree's copies, which
   * says nothing of the shared tree.
   */
  #cyclesSharedTree(link: Link, author: PeerId): boolean {
    if (author === this.#port.id || link.remote?.id === author) return false;
    return this.#links.peerLink(author)?.accepted !== true;
  }

  #noteFirst(message: ChatMessage): void {
    this.#firstSeq.delete(message.author);
    this.#firstSeq.set(message.author, message.seq);
    if (this.#firstSeq.size > this.#port.options.authorsMax) {
      this.#firstSeq.delete(this.#firstSeq.keys().next().value!);
    }
  }

  /**
   * A new neighbour starts off the trees of the authors we know but us (it
   * hears of them in `have`s and grafts what it lacks), and on the shared
   * tree; our own messages we push to it as to every neighbour. Were
   * it on every tree, each of those authors' next messages would reach it
   * twice, and be pruned one by one: under churn, most of all pushes.
   */
  welcome(link: Link): void {
    for (const author of this.#delivery.delivered.keys()) {
      if (author !== this.#port.id) link.tree.lazyFor.add(author);
    }
  }

  /**
   * Pushes a new message along its author's tree; other links hear of it in
   * the next `have`. The `first` message of an author goes along the shared
   * tree, and the links off it start off the author's tree.
   */
  push(message: ChatMessage, exceptConn: ConnId | undefined, nowMs: number, first = false): void {
    const chat: Message = { type: "chat", message };
    const { author } = message;
    let lazy = false;
    for (const link of this.#links.accepted()) {
      if (link.conn === exceptConn) continue;
      const { lazyFor, offSharedTree } = link.tree;
      if (first && offSharedTree && !lazyFor.has(author)) lazyFor.add(author);
      if (lazyFor.has(author)) lazy = true;
      // Never back to its author: it has its own messages (a graft of the
      // link to the author can put the author on its own tree here).
      else if (link.remote?.id === author) continue;
      // Not to a neighbour that said it has it: a catch-up relayed on.
      else if (this.#port.repair.heldBy(link, author) < message.seq) {
        this.#links.send(link, chat, nowMs);
      }
    }
    if (lazy) this.#port.timers.arm("lazy", nowMs + this.#port.options.lazyIntervalMs);
  }

  /** Announces new deliveries on lazy links, then pulls what was announced but never came. */
  onLazyTimer(nowMs: number): void {
    this.#port.timers.stop("lazy");
    if (this.#delivery.deliveryCount !== this.#announcedDeliveries) {
      this.#announcedDeliveries = this.#delivery.deliveryCount;
      for (const link of this.#links.accepted()) this.#announce(link, nowMs);
    }
    this.#port.repair.pullMissing(nowMs);
  }

  #announce(link: Link, nowMs: number): void {
    const { lazyFor, announced } = link.tree;
    if (lazyFor.size === 0) return;
    // Only the authors whose messages this link does not get pushed.
    const news = new Map<PeerId, number>();
    for (const author of lazyFor) {
      const n = this.#delivery.deliveredSeq(author);
      if (n > (announced.get(author) ?? 0)) news.set(author, n);
    }
    if (news.size === 0) return;
    // Each entry names the version held, so that a neighbour holding another
    // one notices the equivocation.
    const digests = new Map<PeerId, Uint8Array>();
    for (const [author, n] of news) {
      announced.set(author, n);
      const copy = this.#delivery.copyOf(author, n);
      if (copy !== undefined) digests.set(author, versionDigest(copy));
    }
    this.#links.send(link, { type: "have", full: false, clock: news, digests }, nowMs);
  }
}
