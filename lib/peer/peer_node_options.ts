/**
 * Every knob of a peer, each with its default and unit in the name.
 *
 * @module
 */

import type { Random } from "../random/random.ts";
import type { ChatMessage, PeerId } from "../wire/message.ts";
import { DEFAULT_WIRE_LIMITS } from "../wire/wire_limits.ts";

/** What a peer brings back from its disk when it restarts. */
export interface PeerRestore {
  /** The incarnation to start with: higher than any used before. */
  readonly incarnation: number;
  /** Delivered messages, in delivery order (own included); each author's run is contiguous. */
  readonly messages: readonly ChatMessage[];
  /** Per author, history skipped (never to be delivered) up to this sequence number. */
  readonly skipped?: ReadonlyMap<string, number>;
}

/** Options of the bootstrap client: where to register and join, and how often. */
export interface BootstrapClientOptions {
  /** Bootstrap addresses to register with. Default none. */
  bootstraps?: readonly string[];
  /** Peers (or bootstraps) to join through at start, as well as the bootstraps. Default none. */
  joins?: readonly string[];
  /**
   * Addresses remembered from earlier runs, tried while this peer has no
   * neighbour: two every `registerRetryMs`, the next in this order (proven
   * addresses first) and one at random. Default none.
   */
  addressBook?: readonly string[];
  /** Pause between registrations with each bootstrap. Default 20 000 ms. */
  registerIntervalMs?: number;
  /** Retry pause while no bootstrap has answered and no neighbour exists. Default 2 000 ms. */
  registerRetryMs?: number;
  /**
   * Keep trying the address book (two addresses every `registerRetryMs`) even
   * with neighbours, until a peer at one of its addresses answers: a peer
   * that founded a new network because no bootstrap answered finds the
   * existing one, and the two merge. Default false (only while alone).
   */
  addressBookUntilReached?: boolean;
}

/** Options of the active view: how many neighbours, and how they are found and changed. */
export interface ActiveViewOptions {
  /** Neighbours this peer dials for (the active view it aims at). Default 8. */
  connectionsTarget?: number;
  /**
   * Most neighbour connections, both directions together. The room between
   * target and maximum lets newcomers in without evictions, which keeps the
   * overlay from splitting into full cliques. Default 12.
   */
  connectionsMax?: number;
  /**
   * Forced joins (a `register`, which may evict a neighbour to make room)
   * one identity may make here per minute; past it its `register` is an
   * ordinary join, taken only if there is room. Default 2.
   */
  forcedJoinsPerMinuteMax?: number;
  /**
   * A neighbour is active while it sent a `chat` or a `have` within this
   * window (a black hole never is). Forced joins never displace the
   * neighbours this peer dialed, nor the oldest active inbound ones, up to
   * `connectionsTarget` protected in all; the rest of the view stays open
   * to newcomers. Default 60 000 ms.
   */
  usefulLinkWindowMs?: number;
  /**
   * A link this peer dialed counts towards `outboundLinksMin` this long
   * before it has sent a `chat` or `have` (an honest peer sends its `have`
   * as soon as it takes the link). Default 5 000 ms.
   */
  newLinkGraceMs?: number;
  /**
   * Forced joins all identities on one source host may make here per minute
   * (the host is the address the connection came from, as the runtime saw
   * it): minting identities is free, addresses are not. Default 6.
   */
  forcedJoinsPerHostPerMinuteMax?: number;
  /** Identities (and hosts) whose recent forced joins are remembered (the oldest is forgotten). Default 1 024. */
  forcedJoinSourcesMax?: number;
  /**
   * Neighbour slots kept for links this peer dials itself: inbound links may
   * take at most `connectionsMax` minus this many, and the peer dials out
   * while it has fewer outbound links than this, so that whoever connects to
   * it cannot fill its whole view. Capped at `connectionsMax −
   * connectionsTarget` (no reservation when they are equal). Default 4.
   */
  outboundLinksMin?: number;
  /** Most outbound dials in flight at once. Default 4. */
  dialsInFlightMax?: number;
  /** How long a peer that refused us as full is not dialed again. Default 30 000 ms. */
  fullBackoffMs?: number;
  /** Pause between peer-list pulls from a random neighbour. Default 500 ms. */
  gossipIntervalMs?: number;
  /**
   * Pause between rewirings: a peer at its target swaps one neighbour for a
   * random non-neighbour, so that an overlay split at join time heals. Default 60 000 ms.
   */
  mixIntervalMs?: number;
  /**
   * Pause between attempts to reach a random recently dead member: after a
   * partition heals, the first successful dial lets it refute its death and
   * the two sides find each other again. Default 10 000 ms.
   */
  reconnectIntervalMs?: number;
}

/** Options of peer scoring: penalties for misbehaviour, and the back-off past a threshold. */
export interface PeerScoreNodeOptions {
  /** Penalty at which a neighbour is disconnected and backed off. Default 1 000. */
  penaltyThreshold?: number;
  /** Time in which a penalty halves. Default 60 000 ms. */
  penaltyHalfLifeMs?: number;
  /** How long a backed-off identity is neither dialled nor let in. Default 300 000 ms. */
  misbehaviourBackoffMs?: number;
  /** Identities scored at once (the least penalised is forgotten past it). Default 1 024. */
  scoredPeersMax?: number;
  /**
   * How long a neighbour asked (`want`) for messages it announced may take
   * to send anything back (a `chat` or a `skip`) before it counts as a
   * broken promise. Default 5 000 ms.
   */
  promiseTimeoutMs?: number;
}

/** Options of membership: the table, peer lists and suspicion. */
export interface MembershipOptions {
  /**
   * Most members remembered, tombstones included. Past it the table becomes
   * a random partial view (the passive view). Default 1 000.
   */
  membersMax?: number;
  /**
   * How long a dead member's tombstone is kept (so stale rumors cannot revive
   * it), counted from the death: copies of the verdict do not refresh it, and
   * a newer signed record from the member revives it at any time. Default 60 000 ms.
   */
  deadRetentionMs?: number;
  /**
   * Neighbours' verdicts that must confirm our own failed check of a suspect
   * before we declare it dead (fewer when we have fewer other neighbours);
   * without them, indirect probes through `indirectProbes` neighbours must
   * fail too. A rumor alone never kills: it only starts our own check. Default 2.
   */
  deathConfirmationsMin?: number;
  /**
   * How long after we send `register` or `get-peers` on a link its peer
   * lists are welcome; a peer list nobody asked for is dropped. Default 10 000 ms.
   */
  peersAnswerMs?: number;
  /**
   * Members one neighbour may teach us that we have not met ourselves (by a
   * hello) — live or tombstoned: one source fills at most this share of the
   * table. Default 64.
   */
  unprovenPerSourceMax?: number;
  /**
   * Proof dials per gossip round while new members are being refused
   * because the neighbours that taught them are at `unprovenPerSourceMax`
   * (otherwise one a round): each proof frees one place of its teacher, so a
   * newcomer to a large room learns it in seconds rather than minutes. Each
   * is a handshake, hence the bound. Default 4.
   */
  proofDialsPerRoundMax?: number;
  /**
   * Membership dials in flight at once: a proof dial, a quiet check or a
   * rumor's check (each a handshake at both ends) does not start while this
   * many liveness dials have not finished their hello (or failed); it waits
   * for a later round. Only the re-dial of a neighbour whose link dropped is
   * never held back (one per neighbour), but it counts towards the limit.
   * So a slow or saturated machine, whose handshakes finish more slowly than
   * rounds start them, does not pile them up. Default 4.
   */
  livenessDialsInFlightMax?: number;
  /**
   * Pause between checks of a random member that is not a neighbour (a
   * liveness dial): a member nobody is linked to when it crashes — one every
   * peer backed off, or one past the neighbours' reach — would otherwise stay
   * alive in every view, since only links and rumors reveal a death. A failed
   * dial is this peer's own evidence against it. Default 10 000 ms.
   */
  memberCheckIntervalMs?: number;
  /** Most entries in a peer list this peer sends. Default 64. */
  peersPerMessageMax?: number;
  /** Least pause between pulls of a neighbour's whole table, when it knows more members. Default 5 000 ms. */
  fullPullIntervalMs?: number;
  /**
   * How long a suspect may refute before it is declared dead, in a network of
   * up to 10 peers; it grows with log10 of the size (10 s at 100, 15 s at
   * 1 000). Default 5 000 ms.
   */
  suspicionTimeoutMs?: number;
}

/** Options of the failure detector: heartbeats and SWIM probes. */
export interface FailureDetectorOptions {
  /** A connection silent on our side this long gets a ping. Default 1 000 ms. */
  heartbeatIntervalMs?: number;
  /** A connection silent on their side this long is closed and its peer suspected. Default 5 000 ms. */
  heartbeatTimeoutMs?: number;
  /** SWIM protocol period: one neighbour is probed per period. Default 1 000 ms. */
  probeIntervalMs?: number;
  /** How long a direct probe waits for an answer before asking others to probe. Default 400 ms. */
  probeTimeoutMs?: number;
  /** Neighbours asked to probe indirectly. Default 3. */
  indirectProbes?: number;
}

/** Options of dissemination (Plumtree). */
export interface DisseminationOptions {
  /** Pause between lazy announcements (`have`) to non-tree neighbours. Default 100 ms. */
  lazyIntervalMs?: number;
  /**
   * New messages a second one author may bring into this peer, whichever
   * neighbours relay them (bursts up to twice as many); past it they are
   * refused, not relayed, and repair brings them later. Well above what one
   * honest sender reaches (the cluster benchmark's single sender: about 4 000
   * a second here), so it bounds floods, not chat. Default 20 000.
   */
  authorMessagesPerSecondMax?: number;
  /** Bytes a second of one author's new messages (estimated sizes), the same way. Default 8 MiB. */
  authorBytesPerSecondMax?: number;
}

/** Options of repair: pulls and anti-entropy. */
export interface RepairOptions {
  /**
   * How long an announced message may take to arrive before it is pulled:
   * long enough for a loaded network's queues, since over TCP a message is
   * late far more often than lost. Default 500 ms.
   */
  graftTimeoutMs?: number;
  /** Pause between anti-entropy rounds (a full `have` to a random neighbour). Default 1 000 ms. */
  syncIntervalMs?: number;
  /** Most messages sent in answer to one `want` or `have`. Default 256. */
  syncMessagesMax?: number;
  /**
   * A message served to a neighbour is not served to it again within this
   * time, however often it is asked for: a repeated `want` costs its asker,
   * not us. About one anti-entropy round, so a repair lost in transit is sent
   * again at the next round's ask. Default 1 000 ms.
   */
  wantRepeatIntervalMs?: number;
  /**
   * Each time one neighbour asks for the same message again, the wait before
   * it is served again doubles (from `wantRepeatIntervalMs`) up to this, so
   * a `want` repeated to amplify traffic gets each message a few times, not
   * once a second. Default 30 000 ms.
   */
  wantRepeatIntervalMaxMs?: number;
  /**
   * Bytes of repairs one neighbour may be served a second (an estimate of
   * each message's encoded size), with bursts up to the same; past it the
   * rest of a `want` waits for a later one. Default 1 MiB.
   */
  wantBytesPerSecondMax?: number;
  /** Messages remembered as served, per neighbour, with when and how often. Default 4 096. */
  wantServedTrackedMax?: number;
}

/** Options of causal delivery: the hold-back queue and the history window. */
export interface DeliveryOptions {
  /** State recovered from disk. Default: a fresh peer. */
  restore?: PeerRestore;
  /**
   * Delivered messages kept to repair others (the history window). When it
   * is full the author holding the most gives up its oldest, so a flood of
   * one author pushes out its own history, not other authors'. Default 10 000.
   */
  historyMessagesMax?: number;
  /**
   * Bytes of the history window (each message estimated as for the hold-back
   * queue), pruned the same fair way by bytes held. Default 16 MiB.
   */
  historyBytesMax?: number;
  /** Most chat messages held back waiting for their causes. Default 10 000. */
  holdBackMessagesMax?: number;
  /** Most held-back messages of one author. Default 1 000. */
  holdBackPerAuthorMax?: number;
  /**
   * Most bytes held back, over all authors (each message counted as its
   * estimated size: body plus 72 bytes per clock entry). A count alone let
   * large undeliverable messages hold about 1 GB per peer. Default 32 MiB.
   */
  holdBackBytesMax?: number;
  /** Most bytes held back for one author, counted the same way. Default 4 MiB. */
  holdBackPerAuthorBytesMax?: number;
  /**
   * Most authors in the clock that are not members of the room as this peer
   * knows it (identities are free: a member could otherwise fill every author
   * slot with throwaway identities and leave no room for real newcomers).
   * Past it, a new one takes the turn of the one idle longest (in a room
   * larger than the member table most authors are strangers); when none is
   * idle its messages are refused and what depends on it gives up its
   * history. When all slots are taken, a member takes the slot of the
   * non-member idle longest. Default 64.
   */
  strangerAuthorsMax?: number;
  /**
   * Authors without a slot remembered with how far their history was given
   * up, so their old messages are never delivered after what depended on
   * them. Default 4 096.
   */
  retiredAuthorsMax?: number;
  /** How far an author's sequence number may run ahead of what was delivered. Default 1 000. */
  seqAheadMax?: number;
  /**
   * Messages whose edits and delete this peer remembers (`redaction.ts`):
   * which were deleted and which edit is the latest. Past it the oldest is
   * forgotten (a later edit of it is then applied as if it were the first).
   * Default 10 000, the history window.
   */
  amendedTargetsMax?: number;
  /**
   * Authors this peer blocks (local policy, PROTOCOL.md § Peer: blocking):
   * their messages are still verified, counted in the clock and delivered
   * (so what depends on them is delivered too) but kept, served and relayed
   * only in the redacted form, without their text. Default none.
   */
  blocked?: readonly PeerId[];
  /**
   * Most distinct authors this node tracks, itself included: the size of its
   * vector clock. Messages (and skips) of authors past it are refused, so that
   * every clock it sends fits the wire's `clockEntriesMax`. Default 1 024.
   */
  authorsMax?: number;
}

/** Options of the own-sequence sync (`own_seq_sync.ts`) before a peer's first send. */
export interface OwnSeqSyncOptions {
  /**
   * Longest wait, from the start, before the first send for neighbours to
   * say how far they delivered this peer's own messages (a peer that lost
   * its database must not reuse a sequence number). Sending waits less when
   * a neighbour's full `have` came and the own messages it announced are
   * back. Default 5 000 ms.
   */
  ownSeqSyncTimeoutMs?: number;
  /**
   * The identity was made for this run: no message of it can exist, so it
   * sends at once. Default false.
   */
  newIdentity?: boolean;
}

/** Options of direct-message routing. */
export interface DirectRoutingOptions {
  /** Hops a direct message may travel through the overlay. Default 8. */
  directHopsMax?: number;
  /** Direct message ids remembered, so each is passed on once. Default 4 096. */
  directSeenMax?: number;
}

/** Options of equivocation handling. */
export interface EquivocationOptions {
  /**
   * Authors remembered as equivocating, with their proofs (two messages
   * each); past it a further one is noticed but not recorded or spread.
   * The same bound caps the versions pushed to one neighbour on a digest
   * mismatch. Default 1 024.
   */
  equivocatorsMax?: number;
}

/**
 * Options of {@linkcode PeerNode}; only identity, address and randomness are
 * required. Flat, for callers; each sub-machine reads its own group.
 */
export interface PeerNodeOptions
  extends
    BootstrapClientOptions,
    ActiveViewOptions,
    PeerScoreNodeOptions,
    MembershipOptions,
    FailureDetectorOptions,
    DisseminationOptions,
    RepairOptions,
    DeliveryOptions,
    OwnSeqSyncOptions,
    DirectRoutingOptions,
    EquivocationOptions {
  /** This peer's id (hex of its public key). */
  id: string;
  /** The `host:port` other peers dial to reach this one. */
  addr: string;
  /** Display name sent with each message. */
  nick: string;
  /** The source of every random choice; seeded in simulations. */
  random: Random;
}

/** {@linkcode PeerNodeOptions} with every default filled in. */
export type ResolvedPeerNodeOptions = Required<Omit<PeerNodeOptions, "restore">> & {
  restore: PeerRestore | undefined;
};

/** The defaults, in one place, for documentation and tests. */
export const PEER_NODE_DEFAULTS = Object.freeze({
  bootstraps: [] as readonly string[],
  joins: [] as readonly string[],
  addressBook: [] as readonly string[],
  gossipIntervalMs: 500,
  registerIntervalMs: 20_000,
  registerRetryMs: 2_000,
  addressBookUntilReached: false,
  heartbeatIntervalMs: 1_000,
  heartbeatTimeoutMs: 5_000,
  probeIntervalMs: 1_000,
  probeTimeoutMs: 400,
  indirectProbes: 3,
  suspicionTimeoutMs: 5_000,
  connectionsTarget: 8,
  connectionsMax: 12,
  forcedJoinsPerMinuteMax: 2,
  usefulLinkWindowMs: 60_000,
  newLinkGraceMs: 5_000,
  forcedJoinsPerHostPerMinuteMax: 6,
  forcedJoinSourcesMax: 1_024,
  outboundLinksMin: 4,
  penaltyThreshold: 1_000,
  penaltyHalfLifeMs: 60_000,
  misbehaviourBackoffMs: 300_000,
  scoredPeersMax: 1_024,
  promiseTimeoutMs: 5_000,
  mixIntervalMs: 60_000,
  fullBackoffMs: 30_000,
  reconnectIntervalMs: 10_000,
  dialsInFlightMax: 4,
  membersMax: 1_000,
  deadRetentionMs: 60_000,
  memberCheckIntervalMs: 10_000,
  deathConfirmationsMin: 2,
  peersAnswerMs: 10_000,
  unprovenPerSourceMax: 64,
  proofDialsPerRoundMax: 4,
  livenessDialsInFlightMax: 4,
  peersPerMessageMax: 64,
  fullPullIntervalMs: 5_000,
  lazyIntervalMs: 100,
  authorMessagesPerSecondMax: 20_000,
  authorBytesPerSecondMax: 8_388_608,
  graftTimeoutMs: 500,
  syncIntervalMs: 1_000,
  syncMessagesMax: 256,
  wantRepeatIntervalMs: 1_000,
  wantRepeatIntervalMaxMs: 30_000,
  wantBytesPerSecondMax: 1_048_576,
  wantServedTrackedMax: 4_096,
  historyMessagesMax: 10_000,
  historyBytesMax: 16_777_216,
  directHopsMax: 8,
  directSeenMax: 4_096,
  equivocatorsMax: 1_024,
  holdBackMessagesMax: 10_000,
  holdBackPerAuthorMax: 1_000,
  holdBackBytesMax: 33_554_432,
  holdBackPerAuthorBytesMax: 4_194_304,
  seqAheadMax: 1_000,
  amendedTargetsMax: 10_000,
  blocked: [] as readonly string[],
  strangerAuthorsMax: 64,
  retiredAuthorsMax: 4_096,
  authorsMax: DEFAULT_WIRE_LIMITS.clockEntriesMax,
  ownSeqSyncTimeoutMs: 5_000,
  newIdentity: false,
});

/** Fills in the defaults and checks every value. */
export function resolvePeerNodeOptions(options: PeerNodeOptions): ResolvedPeerNodeOptions {
  const resolved: ResolvedPeerNodeOptions = {
    ...PEER_NODE_DEFAULTS,
    restore: undefined,
    ...(stripUndefined(options) as PeerNodeOptions),
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (typeof value === "number" && !(Number.isSafeInteger(value) && value >= 1)) {
      throw new RangeError(`Invalid peer option: ${name} must be a positive integer, got ${value}`);
    }
  }
  const mustExceed = (
    small: keyof typeof PEER_NODE_DEFAULTS,
    large: keyof typeof PEER_NODE_DEFAULTS,
  ) => {
    if ((resolved[large] as number) <= (resolved[small] as number)) {
      throw new RangeError(
        `Invalid peer option: ${large} (${resolved[large]}) must exceed ${small} (${
          resolved[small]
        })`,
      );
    }
  };
  mustExceed("heartbeatIntervalMs", "heartbeatTimeoutMs");
  mustExceed("probeTimeoutMs", "probeIntervalMs");
  if (resolved.connectionsTarget > resolved.connectionsMax) {
    throw new RangeError(
      `Invalid peer option: connectionsTarget (${resolved.connectionsTarget}) exceeds connectionsMax (${resolved.connectionsMax})`,
    );
  }
  if (resolved.peersPerMessageMax > 200) {
    // 200 entries with maximal addresses still fit one frame (PROTOCOL.md, Limits).
    throw new RangeError(
      `Invalid peer option: peersPerMessageMax ${resolved.peersPerMessageMax} exceeds 200`,
    );
  }
  return resolved;
}

/** Drops keys whose value is `undefined`, so they do not override defaults. */
export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined),
  ) as Partial<T>;
}
