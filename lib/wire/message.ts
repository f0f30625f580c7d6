/**
 * The decoded form of every protocol message. The byte layout of each lives in
 * `message_layout.ts` (written by `message_encode.ts`, read by
 * `message_decode.ts`) and is documented in PROTOCOL.md; this file is only the
 * vocabulary that the codec, the actors and the runtime share.
 *
 * @module
 */

import type { VectorClock } from "../causal/vector_clock.ts";

/** Protocol version carried in every hello; a peer refuses another major version. */
export const PROTOCOL_VERSION = 5;

/** Length in bytes of a peer id on the wire (an Ed25519 public key). */
export const PEER_ID_BYTES = 32;

/** Length in bytes of an Ed25519 signature, as a signed chat carries it. */
export const SIGNATURE_BYTES = 64;

/** A peer id: lowercase hex of its 32 bytes, as shown in JSON output and used as map key. */
export type PeerId = string;

/** What a node is: a chatting peer or a bootstrap registry. */
export type Role = "peer" | "bootstrap";

/** Liveness of a member as one node believes it (SWIM-style states). */
export type MemberStatus = "alive" | "suspect" | "dead";

/** One entry of a peer list or a membership rumor. */
export interface MemberInfo {
  /** The member's id. */
  readonly id: PeerId;
  /** The `host:port` others dial to reach it. */
  readonly addr: string;
  /** Bumped by the member itself to refute a suspicion; higher wins. */
  readonly incarnation: number;
  /** Liveness at that incarnation. */
  readonly status: MemberStatus;
  /**
   * The member's own Ed25519 signature over this record (see
   * `member_signature.ts`): present only on a record the member itself made —
   * `alive`, or `dead` when it left — and relayed unchanged. A record without
   * one is a rumor: it can never raise the member's incarnation.
   */
  readonly signature?: Uint8Array;
  /**
   * The member's nick, as it chose it (checked like a hello's nick). Only a
   * signed record carries one, and the signature covers it: nobody else can
   * rename a member. A nick change is a new record at the next incarnation.
   */
  readonly nick?: string;
}

/** First frame each side sends on a connection; lives below the actor, in the channel. */
export interface Hello {
  /** The kind of message. */
  readonly type: "hello";
  /** The protocol version the sender speaks. */
  readonly version: number;
  /** The sender's id (proven by the handshake in secure mode). */
  readonly id: PeerId;
  /** The address the sender advertises (where it can be dialled). */
  readonly addr: string;
  /** The sender's nick. */
  readonly nick: string;
  /** Whether the sender is a peer or a bootstrap. */
  readonly role: Role;
  /** The sender's current incarnation (see `MemberInfo`); 0 for a bootstrap. */
  readonly incarnation: number;
  /**
   * The address the sender sees this connection come from (`host:port` of
   * the TCP peer): an acceptor tells a dialer how others see it, behind a
   * NAT its router's address. Absent when not told.
   */
  readonly seen?: string;
}

/** A chat message as authored; `clock[author] === seq`. */
export interface ChatMessage {
  /** Author's peer id. */
  readonly author: PeerId;
  /** Per-author sequence number, starting at 1. */
  readonly seq: number;
  /** What the author had delivered when sending, including this message itself. */
  readonly clock: VectorClock;
  /** Author's nick at send time. */
  readonly nick: string;
  /** The text, at most `textBytesMax` UTF-8 bytes; empty in the redacted form. */
  readonly text: string;
  /** Author's wall clock at send time, in ms since the epoch; display only. */
  readonly ts: number;
  /**
   * SHA-256 of the text's UTF-8 bytes (`TEXT_HASH_BYTES`): what the body
   * carries and the signature covers in place of the text, so that the
   * redacted form (no text) still verifies. Set on decoded messages; derived
   * from `text` by `chatTextHash` otherwise.
   */
  readonly textHash?: Uint8Array;
  /**
   * The redacted form: the text was removed (by an edit or a delete of its
   * author, or by a relay's local policy) and only `textHash` is left. The
   * body and signature are unchanged.
   */
  readonly redacted?: boolean;
  /** Set when this message edits or deletes an earlier message of its own author. */
  readonly amends?: Amendment;
  /** Author's signature over the encoded body; empty until signing exists. */
  readonly signature: Uint8Array;
  /**
   * The encoded body exactly as received or first encoded, so relays forward
   * it byte for byte. Absent in simulations, which pass objects.
   */
  readonly body?: Uint8Array;
}

/** Length in bytes of the text hash a chat body carries (SHA-256). */
export const TEXT_HASH_BYTES = 32;

/** What an amending chat does to its target: replace its text, or remove it for good. */
export type AmendmentKind = "edit" | "delete";

/**
 * An edit or delete: the chat carrying it replaces (`edit`: its own text is
 * the new one) or removes (`delete`: its own text is empty) the text of
 * `target`, an earlier sequence number of the same author.
 */
export interface Amendment {
  /** Whether the target's text is replaced or removed. */
  readonly kind: AmendmentKind;
  /** The amended message's sequence number: `1 ≤ target < seq`. */
  readonly target: number;
}

/** Peer → bootstrap (or any peer): add me; answered with `peers`. */
export interface Register {
  /** The kind of message. */
  readonly type: "register";
}

/** Ask for the sender's peer list; answered with `peers`. */
export interface GetPeers {
  /** The kind of message. */
  readonly type: "get-peers";
  /** Ask for the whole table, in as many `peers` messages as it takes, rather than a sample. */
  readonly all?: boolean;
}

/** A peer list: an answer to `register` or `get-peers`. */
export interface Peers {
  /** The kind of message. */
  readonly type: "peers";
  /** The members sampled. */
  readonly peers: readonly MemberInfo[];
  /** How many live members the sender knows, so a receiver can tell it is missing some. */
  readonly total?: number;
}

/** A membership rumor: one member changed state. Also reports a dead peer to the bootstrap. */
export interface Member {
  /** The kind of message. */
  readonly type: "member";
  /** The member's record. */
  readonly member: MemberInfo;
}

/** Liveness probe; answered with a `pong` carrying the same nonce. */
export interface Ping {
  /** The kind of message. */
  readonly type: "ping";
  /** Echoed by the `pong`. */
  readonly nonce: number;
}

/** Answer to `ping`. */
export interface Pong {
  /** The kind of message. */
  readonly type: "pong";
  /** The `ping`'s nonce. */
  readonly nonce: number;
}

/** A chat message travelling through the overlay. */
export interface Chat {
  /** The kind of message. */
  readonly type: "chat";
  /** The signed message. */
  readonly message: ChatMessage;
  /**
   * Sent to repair a gap (an answer to `want` or `have`), not pushed along a
   * broadcast tree: a duplicate of it says nothing about the tree.
   */
  readonly repair?: boolean;
}

/** The sender is closing this connection on purpose (it is not dead). */
export interface Bye {
  /** The kind of message. */
  readonly type: "bye";
  /** Why, in a few words. */
  readonly reason: string;
}

/**
 * Broadcast trees: the sender got a duplicate of these authors' messages over
 * this connection; stop eager-pushing their messages here (announce them instead).
 */
export interface Prune {
  /** The kind of message. */
  readonly type: "prune";
  /** The authors whose messages to stop pushing here. */
  readonly authors: readonly PeerId[];
  /**
   * The link also leaves the shared tree, which carries the messages of
   * authors without a tree of their own (absent: it stays on it).
   */
  readonly sharedTree?: boolean;
}

/**
 * What the sender has delivered: the entries that grew since its last `have`
 * on this connection (a lazy announcement), or its whole delivered clock
 * (`full`: an anti-entropy round).
 */
export interface Have {
  /** The kind of message. */
  readonly type: "have";
  /** Whether `clock` is the whole delivered clock (anti-entropy), not just what grew. */
  readonly full: boolean;
  /** Delivered sequence number per author. */
  readonly clock: VectorClock;
  /**
   * Per author, a digest of the version of its message `clock[author]` the
   * sender holds (`VERSION_DIGEST_BYTES`): a receiver holding another
   * version learns that the author equivocated. Entries without one carry none.
   */
  readonly digests?: ReadonlyMap<PeerId, Uint8Array>;
}

/** Bytes of a version digest in a `have` entry. */
export const VERSION_DIGEST_BYTES = 16;

/** Per author, the messages wanted: sequence numbers in (`from`, `to`]. */
export interface SeqRange {
  /** Whose messages. */
  readonly author: PeerId;
  /** The last sequence number not wanted (exclusive). */
  readonly from: number;
  /** The last sequence number wanted (inclusive). */
  readonly to: number;
}

/** Send me these messages; with `graft`, also eager-push these authors' messages to me again. */
export interface Want {
  /** The kind of message. */
  readonly type: "want";
  /** Also eager-push these authors' messages here again. */
  readonly graft: boolean;
  /** The messages wanted. */
  readonly ranges: readonly SeqRange[];
}

/** The sender's history no longer holds these authors' messages up to these sequence numbers. */
export interface Skip {
  /** The kind of message. */
  readonly type: "skip";
  /** Per author, the last sequence number no longer held. */
  readonly clock: VectorClock;
}

/** Indirect probe: ping `target` for me and tell me if it answers. */
export interface Probe {
  /** The kind of message. */
  readonly type: "probe";
  /** The peer to ping. */
  readonly target: PeerId;
  /** Echoed by the `probe-ack`. */
  readonly nonce: number;
}

/** Answer to `probe`: `target` answered a ping. */
export interface ProbeAck {
  /** The kind of message. */
  readonly type: "probe-ack";
  /** The peer that answered. */
  readonly target: PeerId;
  /** The `probe`'s nonce. */
  readonly nonce: number;
}

/**
 * A direct message on its way to one peer through the overlay: `box` is
 * end-to-end encrypted to `to` (see lib/secure/direct_message.ts), so relays
 * learn only the addressee. `id` (16 random bytes, hex) lets each node pass
 * it on once; `hops` bounds how far it may still travel.
 */
export interface Direct {
  /** The kind of message. */
  readonly type: "direct";
  /** The addressee. */
  readonly to: PeerId;
  /** 16 random bytes, hex: each node passes it on once. */
  readonly id: string;
  /** How many more hops it may travel. */
  readonly hops: number;
  /** The sealed box, end-to-end encrypted to `to`. */
  readonly box: Uint8Array;
}

/** Length in bytes of a direct message's id. */
export const DIRECT_ID_BYTES = 16;

/** Largest sealed direct message box, in bytes. */
export const DIRECT_BOX_BYTES_MAX = 8192;

/** Most hops a direct message may travel. */
export const DIRECT_HOPS_MAX = 16;

/** Every message the actors exchange after the hello. */
export type Message =
  | Register
  | GetPeers
  | Peers
  | Member
  | Ping
  | Pong
  | Chat
  | Bye
  | Prune
  | Have
  | Want
  | Skip
  | Probe
  | ProbeAck
  | Direct;

/** Every frame payload, hello included. */
export type AnyMessage = Hello | Message;
