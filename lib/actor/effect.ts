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

/**
 * The text of `message` was removed here (an edit or delete of its author
 * took effect, or its author is blocked): what the peer keeps and serves of
 * it from now on is this redacted form. A store rewrites its copy.
 */
export interface RedactEffect {
  readonly type: "redact";
  readonly message: ChatMessage;
}

/**
 * `message` had been delivered here without its text (a relay withheld it:
 * no edit, delete or block of this peer's explains it) and a copy with the
 * text, the same version, came later: the text is kept and served from now
 * on. A store rewrites its copy; a front end may show the text now.
 */
export interface TextArrivedEffect {
  readonly type: "text-arrived";
  readonly message: ChatMessage;
}

/** A peer joined the set this node believes alive. */
export interface PeerUpEffect {
  readonly type: "peer-up";
  readonly id: PeerId;
  readonly addr: string;
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
  readonly reason: string;
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
  | RedactEffect
  | TextArrivedEffect
  | PeerUpEffect
  | AddressProvenEffect
  | PeerDownEffect
  | SkipEffect
  | EquivocationEffect
  | DirectEffect
  | LogEffect;

/** Everything an actor can ask for: I/O effects and node events, in one ordered stream. */
export type Effect = IoEffect | NodeEvent;
