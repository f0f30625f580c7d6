/**
 * What the sans-I/O actors ask of the world. The runtime applies effects with
 * real sockets; the simulator applies them to a virtual network.
 *
 * @module
 */

import type { ChatMessage, Message, PeerId } from "../wire/message.ts";

/** Names one connection for the lifetime of an actor; never reused. */
export type ConnId = number;

/** Open a connection to `addr`; the answer is `handleConnected` or `handleDialFailed`. */
export interface DialEffect {
  readonly type: "dial";
  readonly conn: ConnId;
  readonly addr: string;
}

/** Send one message on an established connection, in order. */
export interface SendEffect {
  readonly type: "send";
  readonly conn: ConnId;
  readonly message: Message;
}

/** Close a connection after flushing what was sent on it. */
export interface CloseEffect {
  readonly type: "close";
  readonly conn: ConnId;
  readonly reason: string;
}

/** Hand a chat message to the user, in causal order, exactly once. */
export interface DeliverEffect {
  readonly type: "deliver";
  readonly message: ChatMessage;
}

/** A peer joined the set this node believes alive. */
export interface PeerUpEffect {
  readonly type: "peer-up";
  readonly id: PeerId;
  readonly addr: string;
  /** Its nick, when its signed record or its hello named one. */
  readonly nick?: string;
}

/**
 * We dialled `addr` and `id` answered there (its hello, in a handshake that
 * proves the id): an address worth keeping for a later rejoin. Only these
 * enter the stored address book — never an address we merely heard of.
 */
export interface AddressProvenEffect {
  readonly type: "address-proven";
  readonly id: PeerId;
  readonly addr: string;
}

/** A peer left the set this node believes alive. */
export interface PeerDownEffect {
  readonly type: "peer-down";
  readonly id: PeerId;
  readonly addr: string;
  /** What happened, for a log: free text that may name timeouts and addresses. */
  readonly reason: string;
  /** Its nick, when known. */
  readonly nick?: string;
  /** What happened, as a word a front end puts into human words. */
  readonly cause?: PeerDownCause;
}

/**
 * Why a member left the live set: it said goodbye (`left`), its address
 * refused us or another node answers there (`connection-lost`), it stopped
 * answering checks (`not-answering`), or a full table let it go
 * (`forgotten`: it may well be alive).
 */
export type PeerDownCause = "left" | "connection-lost" | "not-answering" | "forgotten";

/** A member's signed record (or its hello) names a new nick; emitted once per change. */
export interface NickEffect {
  readonly type: "nick";
  readonly id: PeerId;
  /** The nick it had. */
  readonly old: string;
  /** The nick it has now. */
  readonly new: string;
}

/**
 * Where one of this peer's own chat messages stands, emitted once per state
 * and message of this session: `queued` (published while no neighbour
 * link was up), `sent` (handed to at least one neighbour link), `seen` (a
 * neighbour announced it holds it: its `have` clock covers the seq).
 */
export interface MessageStateEffect {
  readonly type: "message-state";
  readonly seq: number;
  readonly state: "queued" | "sent" | "seen";
}

/**
 * This peer lost its last neighbour (`alone`: it keeps dialling the
 * bootstraps and the members it remembers) or has one again (`linked`).
 * Emitted once per change; `alone` only after a first link.
 */
export interface ConnectivityEffect {
  readonly type: "connectivity";
  readonly state: "alone" | "linked";
  /** Neighbour links up now. */
  readonly neighbours: number;
  /** While alone: bootstrap addresses it retries. */
  readonly bootstraps: number;
  /** While alone: members and stored addresses it remembers and may dial. */
  readonly remembered: number;
  /** While alone: in how many ms its next reconnect attempt is due. */
  readonly nextAttemptInMs: number;
}

/**
 * The history of `author` up to `seq` is gone everywhere this peer could ask
 * (pruned from the windows of its neighbours): those messages will never be
 * delivered here, and later ones no longer wait for them.
 */
export interface SkipEffect {
  readonly type: "skip";
  readonly author: PeerId;
  readonly seq: number;
}

/**
 * `author` signed two different messages with sequence number `seq` (both
 * versions, checked, are the proof): it is marked as equivocating from `seq`
 * on, and both versions are shown with a warning.
 */
export interface EquivocationEffect {
  readonly type: "equivocation";
  readonly author: PeerId;
  readonly seq: number;
  readonly versions: readonly [ChatMessage, ChatMessage];
}

/** A direct message for this peer arrived: the sealed box, for the runtime to open. */
export interface DirectEffect {
  readonly type: "direct";
  readonly box: Uint8Array;
}

/** A diagnostic for stderr; never part of the JSON output. */
export interface LogEffect {
  readonly type: "log";
  readonly level: "debug" | "info" | "warn";
  readonly text: string;
}

/** What touches the network: only these need a socket (or the simulated network). */
export type IoEffect = DialEffect | SendEffect | CloseEffect;

/** What the node tells its owner: deliveries, membership changes, diagnostics. */
export type NodeEvent =
  | DeliverEffect
  | PeerUpEffect
  | AddressProvenEffect
  | PeerDownEffect
  | NickEffect
  | MessageStateEffect
  | ConnectivityEffect
  | SkipEffect
  | EquivocationEffect
  | DirectEffect
  | LogEffect;

/** Everything an actor can ask for: I/O effects and node events, in one ordered stream. */
export type Effect = IoEffect | NodeEvent;
