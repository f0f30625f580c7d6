/**
 * A ready-to-run peer: a listening socket, a {@linkcode PeerNode}, its
 * runtime, store and direct-message inbox wired together, behind the
 * {@linkcode PeerService} facade that `main.ts`, `mod.ts`, the demo and the
 * tests use. Every command a front end gives a peer enters here, and so the
 * text, nick and address rules of the wire (`lib/wire/fields.ts`,
 * `lib/wire/address.ts`) are enforced here: what the peer could never send is
 * refused with a clear error before it is stamped, stored or delivered.
 *
 * @module
 */

import type { MessageCounts } from "./message_counts.ts";
import type { RefusalCounts } from "./refusal_counts.ts";
import type { VectorClock } from "../causal/vector_clock.ts";
import { generateIdentity, type Identity } from "../identity/identity.ts";
import { PeerNode, type PeerSummary } from "../peer/peer_node.ts";
import type { PeerNodeOptions } from "../peer/peer_node_options.ts";
import { systemRandom } from "../random/random.ts";
import { sealDirect } from "../secure/direct_message.ts";
import type { PeerStore } from "../store/peer_store.ts";
import { LOCAL_POLICY_IDS_MAX, type LocalPolicyKind } from "../store/local_policy.ts";
import { addressProblem, parseAddress } from "../wire/address.ts";
import type { Reachability } from "../nat/reachability.ts";
import type { ReachabilityMode, RelayStats } from "./nat_traversal.ts";
import { isPeerId, nickProblem, textProblem } from "../wire/fields.ts";
import type { Amendment, ChatMessage, Message } from "../wire/message.ts";
import type { MessageRef } from "../causal/missing_cause.ts";
import type { OverlayView, OverlayViewOptions } from "../peer/overlay_view.ts";
import { ActorRuntime, type RuntimeStats } from "./actor_runtime.ts";
import type { LinkPath } from "./live_connection.ts";
import { DirectInbox } from "./direct_inbox.ts";
import { listenTcp } from "./listen.ts";
import { nextTurn } from "./next_turn.ts";
import type { RuntimeEvent } from "./peer_event.ts";
import {
  closingOnError,
  natTraversalFor,
  securedRuntimeOptions,
  type ServiceOptions,
  serviceRoomTag,
} from "./service_options.ts";
import { sameRoomTag } from "../secure/room_tag.ts";
import { StoreRecorder } from "./store_recorder.ts";
import { WrongSecretWatch } from "./wrong_secret_watch.ts";
import { DEFAULT_ROOM } from "../secure/room_key.ts";
import type { PunchOpener } from "./hole_punch.ts";

/** How long a leaving peer waits for its goodbyes to be delivered. */
const LEAVE_GRACE_MS = 1_000;

/** How often a first send waiting for the own-sequence sync looks again. */
const OWN_SEQ_POLL_MS = 20;

/** Options of {@linkcode startPeer}. */
export interface StartPeerOptions extends ServiceOptions {
  /** Display name. */
  nick: string;
  /** Bootstrap addresses. Default none. */
  bootstraps?: readonly string[];
  /** Peers (or bootstraps) to join through as well. Default none. */
  joins?: readonly string[];
  /**
   * Where the room's state lives (history, clock, incarnation, address book,
   * own messages); it must be the store of this peer's room (its tag, see
   * `room_tag.ts`), and it is closed when the peer stops. Default: nothing is
   * kept.
   */
  store?: PeerStore;
  /**
   * Refusals for a wrong room secret, with no handshake ever accepted, after
   * which the peer reports a `fatal` event. Default `WRONG_SECRET_REJECTIONS_MAX` (5).
   */
  wrongSecretRejectionsMax?: number;
  /**
   * The id of a bootstrap this process runs itself (a peer that founded a
   * network): its accepting our handshake proves nothing about the room
   * secret. Default none.
   */
  selfHostedBootstrapId?: string;
  /**
   * Sees the chat and repair traffic (`chat`, `have`, `want`, `skip`) in
   * and out, with the neighbour's id: for the web page's message provenance
   * and repair log. Default: nothing (and no cost).
   */
  onTraffic?: (traffic: PeerTraffic) => void;
  /**
   * Whether others can dial this peer: `auto` (the default) asks the
   * bootstraps to dial it back; `public` or `private` take that as the answer.
   * A private peer reserves at a relay and advertises its relayed address.
   */
  reachability?: ReachabilityMode;
  /**
   * Relays to reserve at when this peer cannot be dialled, tried in order
   * before the bootstraps (which relay when started with `--relay`). Default none.
   */
  relays?: readonly string[];
  /**
   * Try to punch through NATs on relayed links (a simultaneous TCP open),
   * moving the link off the relay when it works (the relayed stream kept as
   * its fallback). Default true.
   */
  punch?: boolean;
  /** How punched connections are opened (tests on one host replace it). Default: a TCP simultaneous open. */
  punchOpener?: PunchOpener;
  /** Protocol tuning of the peer actor. */
  node?: Omit<
    PeerNodeOptions,
    "id" | "addr" | "nick" | "random" | "bootstraps" | "joins" | "addressBook" | "restore"
  >;
}

/** One chat or repair message a peer received or sent (see {@linkcode StartPeerOptions.onTraffic}). */
export interface PeerTraffic {
  /** Received (`in`) or sent (`out`). */
  readonly direction: "in" | "out";
  /** The neighbour it came from or went to, when its hello is known. */
  readonly peer: string | undefined;
  /** The message. */
  readonly message: Extract<Message, { type: "chat" | "have" | "want" | "skip" }>;
}

/** The message types {@linkcode StartPeerOptions.onTraffic} sees. */
const OBSERVED_TYPES: ReadonlySet<string> = new Set(["chat", "have", "want", "skip"]);

/** A running peer. */
export interface PeerService {
  /** Its id. */
  readonly id: string;
  /** The address it advertises (relayed once it learnt it cannot be dialled). */
  readonly addr: string;
  /** Whether others can dial it, as far as it knows. */
  readonly reachability: Reachability;
  /**
   * Asks again whether others can dial it (done by itself when others start
   * seeing it at another host) and acts on a changed verdict.
   */
  recheckReachability(reason: string): void;
  /** Its nick for the next message. */
  readonly nick: string;
  /**
   * Sends a chat message; resolves to it as delivered locally. Sends are
   * serialized, each one stamped, signed, committed to the data directory
   * and only then published; the first one may wait (up to
   * `ownSeqSyncTimeoutMs`, 5 s) for neighbours to say how far they have this
   * peer's own messages, so that no sequence number is reused.
   *
   * @throws {RangeError} at once if the text breaks the wire's rule (at most
   * 4 096 UTF-8 bytes of well-formed Unicode): nothing is stamped, stored or sent.
   * @throws {Error} (the promise rejects) when writing to the data directory
   * failed, now or before, with SQLite's reason (e.g. "database or disk is
   * full"): nothing of the message was sent, and its sequence number is
   * free for the next start.
   */
  send(text: string): Promise<ChatMessage>;
  /**
   * Edits this peer's own message `seq`: sends a chat (next seq) whose text
   * replaces it everywhere (PROTOCOL.md § Peer: edits and deletes). Serialized
   * with sends.
   *
   * @throws {RangeError} (the promise rejects) if the text breaks the wire's
   * rule or `seq` is not an earlier own message that may be edited
   * ("Cannot edit: message 3 is deleted already").
   */
  edit(seq: number, text: string): Promise<ChatMessage>;
  /**
   * Deletes this peer's own message `seq` for good: every peer drops its
   * text (and its edits'). Serialized with sends.
   *
   * @throws {RangeError} (the promise rejects) as {@linkcode PeerService.edit}.
   */
  delete(seq: number): Promise<ChatMessage>;
  /**
   * Mutes or blocks member `id` (local policy, kept in the room store when
   * there is one): a mute only hides it (the front end's business); a block
   * also keeps, serves and relays its messages without their text from now
   * on (PROTOCOL.md § Peer: blocking).
   *
   * @throws {TypeError} if `id` is not a peer id, or is this peer's own.
   * @throws {RangeError} past `LOCAL_POLICY_IDS_MAX` members.
   */
  setPolicy(kind: LocalPolicyKind, id: string, on: boolean): void;
  /** The members muted and blocked here. */
  policy(): { readonly muted: readonly string[]; readonly blocked: readonly string[] };
  /**
   * Sends `text` to peer `to` alone, end-to-end encrypted, through the
   * overlay when it is not a neighbour.
   *
   * @throws {TypeError} if `to` is not a peer id.
   * @throws {RangeError} if the text breaks the wire's rule.
   */
  sendDirect(to: string, text: string): Promise<void>;
  /** The peers it believes alive; for a neighbour, how the link's bytes travel. */
  peers(): PeerLinkSummary[];
  /** What it has delivered, per author. */
  clock(): VectorClock;
  /** The overlay as it knows it now: members, its own links, what is held back. */
  overlay(options?: OverlayViewOptions): OverlayView;
  /** What `author#seq` waits for while it is held back here; `undefined` when it is not held. */
  heldCause(author: string, seq: number): MessageRef | undefined;
  /**
   * Messages neighbours announced that it has not delivered yet, and from
   * how many authors: how far a catch-up has to go (an estimate).
   */
  backlog(): { messages: number; authors: number };
  /**
   * Changes its nick.
   *
   * @throws {RangeError} if the nick breaks the wire's rule (1–32 UTF-8 bytes, no control characters).
   */
  setNick(nick: string): void;
  /** Counters for benchmarks and diagnostics. */
  stats(): PeerStats;
  /** Messages in and out by type (for `/metrics`; kept out of `stats` and its JSON line). */
  messageCounts(): MessageCounts;
  /** Failed handshakes by reason and limit refusals by limiter (for `/metrics`). */
  refusalCounts(): RefusalCounts;
  /** New chat dropped by the peer's own limits: over its author's rate, or a full hold-back queue. */
  limitDrops(): { readonly authorRate: number; readonly holdBack: number };
  /** What it relayed for others; undefined unless started with `relay`. */
  relayStats(): RelayStats | undefined;
  /** Leaves the network gracefully and closes everything. */
  stop(): Promise<void>;
}

/** A member as {@linkcode PeerService.peers} lists it: for a neighbour, its link's path. */
export interface PeerLinkSummary extends PeerSummary {
  /** How the link's bytes travel (a neighbour only). */
  readonly path?: LinkPath;
}

/** Counters of a running peer. */
export interface PeerStats extends RuntimeStats {
  /** Messages delivered, own included, plus those skipped (the sum of the delivered clock). */
  delivered: number;
  /** Messages waiting for their causes. */
  heldBack: number;
  /** Their estimated bytes (bounded by `holdBackBytesMax`). */
  heldBackBytes: number;
  /** Messages in the history window kept for repairs. */
  historyMessages: number;
  /** Their estimated bytes (bounded by `historyBytesMax`). */
  historyBytes: number;
  /** The JavaScript heap in use, in bytes: what memory the process holds live now. */
  heapUsedBytes: number;
  /** Resident memory, in bytes (the heap may be free but not yet returned to the system). */
  rssBytes: number;
  /** Open neighbour connections. */
  neighbours: number;
}

/**
 * Starts a peer: listens, registers with its bootstraps, and joins the chat.
 *
 * @throws {RangeError} if the nick breaks the wire's rule.
 * @throws {TypeError} if a bootstrap or join address is not `host:port`.
 */
export async function startPeer(options: StartPeerOptions): Promise<PeerService> {
  checkNick(options.nick, "Cannot start");
  const direct = [
    ...(options.bootstraps ?? []),
    ...(options.joins ?? []),
    ...(options.relays ?? []),
  ];
  for (const addr of direct) {
    const problem = addressProblem(addr);
    if (problem !== undefined) {
      throw new TypeError(`Cannot start: address ${JSON.stringify(addr)}: ${problem}`);
    }
  }
  const identity = options.identity ?? (await generateIdentity());
  const { listener, addr } = await listenTcp(options.listen, {
    advertise: options.advertise,
    routeTargets: [...(options.bootstraps ?? []), ...(options.joins ?? [])],
  });
  return await closingOnError(listener, () => servePeer(options, identity, listener, addr));
}

async function servePeer(
  options: StartPeerOptions,
  identity: Identity,
  listener: Deno.Listener,
  addr: string,
): Promise<PeerService> {
  const store = options.store;
  if (store !== undefined && !sameRoomTag(store.roomTag, await serviceRoomTag(options))) {
    // Never show or serve one room's history in another.
    throw new TypeError("Cannot start: the store belongs to another room");
  }
  const restored = store?.restore();
  const policy = {
    muted: new Set(store?.localPolicy("muted") ?? []),
    blocked: new Set(store?.localPolicy("blocked") ?? []),
  };
  const node = new PeerNode({
    // An identity made for this run has sent nothing: no sync before its first send.
    ...(options.identity === undefined ? { newIdentity: true } : {}),
    ...options.node,
    id: identity.id,
    addr,
    nick: options.nick,
    random: options.random ?? systemRandom(),
    bootstraps: options.bootstraps ?? [],
    joins: options.joins ?? [],
    addressBook: restored?.addresses ?? [],
    blocked: [...policy.blocked],
    ...(restored === undefined ? {} : { restore: restored }),
  });
  const emit = options.onEvent ?? (() => {});
  const inbox = new DirectInbox(identity, {
    onMessage: emit,
    onDropped: (reason) =>
      emit({ type: "log", level: "warn", text: `Dropped a direct message: ${reason}` }),
  });
  /** The host others last agreed they see this peer at. */
  let observedHost: string | undefined;
  const onEvent = (event: RuntimeEvent): void => {
    if (event.type === "direct") inbox.receive(event.box);
    else emit(event);
    if (event.type === "observed-address") {
      // Another host than before: the network under the peer changed (a laptop moved).
      if (observedHost !== undefined && observedHost !== event.host) {
        nat.recheck(`others now see it at ${event.host}, not ${observedHost}`);
      }
      observedHost = event.host;
      // Not the host it advertises: behind a NAT, most likely.
      const advertised = addressProblem(event.advertised) === undefined
        ? parseAddress(event.advertised).hostname
        : undefined;
      if (advertised !== undefined && advertised !== event.host) {
        nat.suspectPrivate(`others see it at ${event.host}, not at ${advertised}`);
      }
    }
  };
  const recorder = store === undefined ? undefined : new StoreRecorder(store, (error) =>
    emit({
      type: "log",
      level: "warn",
      text: `Cannot write to the data directory (${error.message}): ` +
        "sending is off until a restart; receiving goes on",
    }));
  const secured = await securedRuntimeOptions(options, identity, "peer");
  const watch = new WrongSecretWatch({
    ...(options.wrongSecretRejectionsMax === undefined
      ? {}
      : { rejectionsMax: options.wrongSecretRejectionsMax }),
    ...(options.selfHostedBootstrapId === undefined
      ? {}
      : { selfHostedIds: [options.selfHostedBootstrapId] }),
    onGiveUp: (rejections) =>
      emit({
        type: "fatal",
        reason: "wrong-secret",
        text:
          `No peer of room ${
            JSON.stringify(options.room?.room ?? DEFAULT_ROOM)
          } accepts your secret ` +
          `(${rejections} refused it, none accepted): check --secret/--key-file`,
      }),
  });
  const runtimeOptions = { ...secured, handshake: watch.wrap(secured.handshake) };
  const authenticator = runtimeOptions.authenticator;
  const onTraffic = options.onTraffic;
  const nat = natTraversalFor(options, runtimeOptions, () => node.localHello());
  const runtime = new ActorRuntime(node, {
    ...runtimeOptions,
    ...nat.runtimeOptions(),
    punch: options.punch ?? true,
    ...(options.punchOpener === undefined ? {} : { punchOpener: options.punchOpener }),
    onEvent,
    ...(onTraffic === undefined ? {} : {
      onTraffic: (direction: "in" | "out", conn: number, message: Message) => {
        if (!OBSERVED_TYPES.has(message.type)) return;
        onTraffic({
          direction,
          peer: node.remoteIdOf(conn),
          message: message as PeerTraffic["message"],
        });
      },
    }),
    ...(recorder === undefined
      ? {}
      : { onEvents: (events) => recorder.record(events, node.incarnation) }),
  });
  runtime.serve(listener);
  runtime.run((now) => node.start(now));
  nat.startPeer(runtime, {
    id: identity.id,
    addr,
    port: parseAddress(addr).port,
    mode: options.reachability ?? "auto",
    helpers: options.bootstraps ?? [],
    // Only addresses one can dial: a relayed neighbour is private itself.
    neighbours: () =>
      node.peers().filter((p) => p.connected && addressProblem(p.addr) === undefined)
        .map((p) => p.addr),
    relays: [...(options.relays ?? []), ...(options.bootstraps ?? [])],
    advertise: (relayed) => runtime.run((now) => node.setAddr(relayed, now)),
    onEvent: emit,
  });
  /** Sends not stamped yet, oldest first. */
  const pending: PendingSend[] = [];
  /** Settles when the sends queued so far are out (or failed): they go one batch at a time. */
  let sending: Promise<void> = Promise.resolve();
  let draining = false;
  /**
   * Stamp, sign, commit, and only then publish (disk before network): a batch
   * of messages stamped one after another and signed with one signature.
   */
  const sendNow = async (batch: readonly PendingSend[]): Promise<ChatMessage[]> => {
    // After a failed write, say so at once rather than after the sync.
    recorder?.throwIfFailed();
    while (!runtime.run((now) => node.ownSeqSynced(now))) {
      const waitMs = runtime.run((now) => node.ownSeqSyncDeadlineMs - now);
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(1, Math.min(OWN_SEQ_POLL_MS, waitMs)))
      );
    }
    for (;;) {
      const stamped = runtime.run(() => {
        const messages: ChatMessage[] = [];
        for (const { text, amends } of batch) {
          const after = messages.at(-1);
          messages.push(node.stampChat(text, Date.now(), {
            ...(amends === undefined ? {} : { amends }),
            ...(after === undefined ? {} : { after }),
          }));
        }
        return messages;
      });
      const messages = authenticator === undefined
        ? stamped
        : await authenticator.signBatch(stamped);
      // Nothing runs between here and the publish: if the stamp went stale
      // while it was signed (own history came back, or was announced), stamp again.
      if (!node.stampIsCurrent(messages[0]!)) continue;
      for (const message of messages) recorder?.commitOwn(message);
      return runtime.run((now) => messages.map((message) => node.publishChat(message, now)));
    }
  };
  /**
   * Sends what is pending, in batches: every send queued in one turn of the
   * event loop (a chunk of stdin commands, a paste) is signed at once, up to
   * `SEND_BATCH_MESSAGES_MAX`; an edit or delete goes alone.
   */
  const drain = async (): Promise<void> => {
    try {
      await nextTurn();
      while (pending.length > 0) {
        const batch = takeSendBatch(pending);
        try {
          const messages = await sendNow(batch);
          batch.forEach((send, i) => send.resolve(messages[i]!));
        } catch (error) {
          for (const send of batch) send.reject(error);
        }
      }
    } finally {
      // In the same job as the last check: a send queued after it starts a new drain.
      draining = false;
    }
  };
  const enqueue = (text: string, amends?: Amendment): Promise<ChatMessage> =>
    new Promise<ChatMessage>((resolve, reject) => {
      pending.push({ text, ...(amends === undefined ? {} : { amends }), resolve, reject });
      if (draining) return;
      draining = true;
      sending = drain();
    });
  return {
    id: identity.id,
    get addr() {
      return node.addr;
    },
    get reachability() {
      return nat.reachability;
    },
    relayStats: () => nat.relayStats(),
    recheckReachability: (reason) => nat.recheck(reason),
    get nick() {
      return node.nick;
    },
    send(text) {
      checkText(text, "Cannot send");
      return enqueue(text);
    },
    edit(seq, text) {
      checkText(text, "Cannot edit");
      return enqueue(text, { kind: "edit", target: seq });
    },
    delete(seq) {
      return enqueue("", { kind: "delete", target: seq });
    },
    setPolicy(kind, id, on) {
      const verb = `${on ? "" : "un"}${kind === "muted" ? "mute" : "block"}`;
      if (!isPeerId(id)) {
        throw new TypeError(`Cannot ${verb}: ${JSON.stringify(id)} is not a peer id`);
      }
      if (id === identity.id) throw new TypeError(`Cannot ${verb} yourself`);
      const ids = new Set(policy[kind]);
      if (on) ids.add(id);
      else ids.delete(id);
      if (ids.size > LOCAL_POLICY_IDS_MAX) {
        throw new RangeError(`Cannot ${verb}: ${ids.size} members, limit ${LOCAL_POLICY_IDS_MAX}`);
      }
      // Disk first: a block that is not kept would silently end at the next start.
      store?.setLocalPolicy(kind, [...ids]);
      policy[kind] = ids;
      if (kind === "blocked") runtime.run(() => on ? node.block(id) : node.unblock(id));
    },
    policy: () => ({ muted: [...policy.muted], blocked: [...policy.blocked] }),
    async sendDirect(to, text) {
      if (!isPeerId(to)) {
        throw new TypeError(`Cannot send a direct message: ${JSON.stringify(to)} is not a peer id`);
      }
      checkText(text, "Cannot send a direct message");
      const box = await sealDirect(identity, to, { nick: node.nick, text, ts: Date.now() });
      runtime.run((now) => node.sendDirect(to, box, now));
    },
    peers: () =>
      node.peers().map((summary) => {
        const conn = summary.connected ? node.linkConnOf(summary.id) : undefined;
        const path = conn === undefined ? undefined : runtime.pathOf(conn);
        return path === undefined ? summary : { ...summary, path };
      }),
    clock: () => node.deliveredClock,
    overlay: (viewOptions) => {
      const view = runtime.run((now) => node.overlay(now, viewOptions));
      const links = view.links.map((link) => {
        const conn = node.linkConnOf(link.id);
        const path = conn === undefined ? undefined : runtime.pathOf(conn);
        return path === undefined ? link : { ...link, path };
      });
      return { ...view, links };
    },
    heldCause: (author, seq) => node.heldCause(author, seq),
    backlog: () => node.backlog(),
    setNick(nick) {
      checkNick(nick, "Cannot change nick");
      runtime.run((now) => node.setNick(nick, now));
    },
    messageCounts: () => runtime.messageCounts,
    refusalCounts: () => runtime.refusalCounts,
    limitDrops: () => node.limitDrops,
    stats: () => ({
      ...runtime.stats,
      delivered: [...node.deliveredClock.values()].reduce((a, b) => a + b, 0),
      heldBack: node.heldBackCount,
      heldBackBytes: node.heldBackBytes,
      historyMessages: node.historySize,
      historyBytes: node.historyBytes,
      ...memoryFigures(),
      neighbours: node.neighbourIds().length,
    }),
    async stop() {
      // Sends under way are finished (or fail) first: what was sent is on disk and out.
      await sending;
      runtime.run((now) => node.leave(now));
      await nat.stop();
      // Give the goodbyes (to neighbours and bootstraps) a moment to go out.
      const deadline = performance.now() + LEAVE_GRACE_MS;
      while (node.linkCount > 0 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await runtime.stop();
      // Every delivery went to the front end: the next session's unread start after them.
      store?.markSeen();
      store?.close();
    },
  };
}

/** Throws a `RangeError` saying why, when `text` could never go on the wire. */
function checkText(text: string, context: string): void {
  const problem = textProblem(text);
  if (problem !== undefined) throw new RangeError(`${context}: ${problem}`);
}

/** Throws a `RangeError` saying why, when `nick` could never go on the wire. */
function checkNick(nick: string, context: string): void {
  const problem = nickProblem(nick);
  if (problem !== undefined) throw new RangeError(`${context}: ${problem}`);
}

/** Heap in use and resident memory, in bytes. */
function memoryFigures(): { heapUsedBytes: number; rssBytes: number } {
  const memory = Deno.memoryUsage();
  return { heapUsedBytes: memory.heapUsed, rssBytes: memory.rss };
}

/** Most own messages signed as one batch (`signChats`); PROTOCOL.md § Limits. */
export const SEND_BATCH_MESSAGES_MAX = 32;

/** A send waiting for its batch. */
interface PendingSend {
  readonly text: string;
  readonly amends?: Amendment;
  readonly resolve: (message: ChatMessage) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Takes the next batch off `pending`: the plain sends at its head, up to
 * {@linkcode SEND_BATCH_MESSAGES_MAX}, or one edit or delete (an amendment
 * must name a message already published, so it never rides in a batch).
 */
function takeSendBatch(pending: PendingSend[]): PendingSend[] {
  if (pending[0]!.amends !== undefined) return pending.splice(0, 1);
  let count = 1;
  while (
    count < pending.length && count < SEND_BATCH_MESSAGES_MAX &&
    pending[count]!.amends === undefined
  ) count++;
  return pending.splice(0, count);
}
