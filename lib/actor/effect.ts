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
  /** The kind of effect. */
  readonly type: "dial";
  /** The connection this dial will be, named now. */
  readonly conn: ConnId;
  /** `host:port` to dial. */
  readonly addr: string;
}

/** Send one message on an established connection, in order. */
export interface SendEffect {
  /** The kind of effect. */
  readonly type: "send";
  /** The connection to send on. */
  readonly conn: ConnId;
  /** What to send. */
  readonly message: Message;
}

/** Close a connection after flushing what was sent on it. */
export interface CloseEffect {
  /** The kind of effect. */
  readonly type: "close";
  /** The connection to close. */
  readonly conn: ConnId;
  /** Why, for logs and the remote's `bye`. */
  readonly reason: string;
}

/** Hand a chat message to the user, in causal order, exactly once. */
export interface DeliverEffect {
  /** The kind of effect. */
  readonly type: "deliver";
  /** The message, checked and in causal order. Its `clock` is a `Map`: see `eventLine` for a JSON form. */
  readonly message: ChatMessage;
}

/**
 * The text of `message` was removed here (an edit or delete of its author
 * took effect, or its author is blocked): what the peer keeps and serves of
 * it from now on is this redacted form. A store rewrites its copy.
 */
export interface RedactEffect {
  /** Always `"redact"`. */
  readonly type: "redact";
  /** The message as kept from now on, without its text. */
  readonly message: ChatMessage;
}

/**
 * `message` had been delivered here without its text (a relay withheld it:
 * no edit, delete or block of this peer's explains it) and a copy with the
 * text, the same version, came later: the text is kept and served from now
 * on. A store rewrites its copy; a front end may show the text now.
 */
export interface TextArrivedEffect {
  /** Always `"text-arrived"`. */
  readonly type: "text-arrived";
  /** The message, its text included. */
  readonly message: ChatMessage;
}

/** A peer joined the set this node believes alive. */
export interface PeerUpEffect {
  /** The kind of effect. */
  readonly type: "peer-up";
  /** The peer's id. */
  readonly id: PeerId;
  /** The address it advertises. */
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
  /** The kind of effect. */
  readonly type: "address-proven";
  /** The peer that answered. */
  readonly id: PeerId;
  /** Where it answered. */
  readonly addr: string;
}

/** A peer left the set this node believes alive. */
export interface PeerDownEffect {
  /** The kind of effect. */
  readonly type: "peer-down";
  /** The peer's id. */
  readonly id: PeerId;
  /** The address it advertised. */
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
  /** Always `"nick"`. */
  readonly type: "nick";
  /** The member renamed. */
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
  /** Always `"message-state"`. */
  readonly type: "message-state";
  /** The own message's sequence number. */
  readonly seq: number;
  /** The state it reached. */
  readonly state: "queued" | "sent" | "seen";
}

/**
 * This peer lost its last neighbour (`alone`: it keeps dialling the
 * bootstraps and the members it remembers) or has one again (`linked`).
 * Emitted once per change; `alone` only after a first link.
 */
export interface ConnectivityEffect {
  /** Always `"connectivity"`. */
  readonly type: "connectivity";
  /** Whether the last link was lost or one is back. */
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
 * The nodes this peer dialled agree on a new address they see it connect
 * from (their hellos' `seen`): behind a NAT, its router's, not the one it
 * advertises, so others may not be able to dial it.
 */
export interface ObservedAddressEffect {
  /** Always `"observed-address"`. */
  readonly type: "observed-address";
  /** The host (IP address) others see. */
  readonly host: string;
  /** How many of the nodes that told it agree. */
  readonly observers: number;
  /** The address this peer advertises, for comparison. */
  readonly advertised: string;
}

/**
 * The history of `author` up to `seq` is gone everywhere this peer could ask
 * (pruned from the windows of its neighbours): those messages will never be
 * delivered here, and later ones no longer wait for them.
 */
export interface SkipEffect {
  /** The kind of effect. */
  readonly type: "skip";
  /** Whose messages are skipped. */
  readonly author: PeerId;
  /** The last skipped sequence number. */
  readonly seq: number;
}

/**
 * `author` signed two different messages with sequence number `seq` (both
 * versions, checked, are the proof): it is marked as equivocating from `seq`
 * on, and both versions are shown with a warning.
 */
export interface EquivocationEffect {
  /** The kind of effect. */
  readonly type: "equivocation";
  /** The author that signed two versions. */
  readonly author: PeerId;
  /** The sequence number it used twice. */
  readonly seq: number;
  /** Both signed versions: the proof. */
  readonly versions: readonly [ChatMessage, ChatMessage];
}

/** A direct message for this peer arrived: the sealed box, for the runtime to open. */
export interface DirectEffect {
  /** The kind of effect. */
  readonly type: "direct";
  /** The sealed box (see `lib/secure/direct_message.ts`). */
  readonly box: Uint8Array;
}

/** A diagnostic for stderr; never part of the JSON output. */
export interface LogEffect {
  /** The kind of effect. */
  readonly type: "log";
  /** How much it matters. */
  readonly level: "debug" | "info" | "warn";
  /** One line for a person. */
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
  | NickEffect
  | MessageStateEffect
  | ConnectivityEffect
  | ObservedAddressEffect
  | SkipEffect
  | EquivocationEffect
  | DirectEffect
  | LogEffect;

/** Everything an actor can ask for: I/O effects and node events, in one ordered stream. */
export type Effect = IoEffect | NodeEvent;
