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
export const PROTOCOL_VERSION = 2;

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
  readonly type: "hello";
  readonly version: number;
  readonly id: PeerId;
  readonly addr: string;
  readonly nick: string;
  readonly role: Role;
  /** The sender's current incarnation (see `MemberInfo`); 0 for a bootstrap. */
  readonly incarnation: number;
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
  /** The text, at most `textBytesMax` UTF-8 bytes. */
  readonly text: string;
  /** Author's wall clock at send time, in ms since the epoch; display only. */
  readonly ts: number;
  /** Author's signature over the encoded body; empty until signing exists. */
  readonly signature: Uint8Array;
  /**
   * The encoded body exactly as received or first encoded, so relays forward
   * it byte for byte. Absent in simulations, which pass objects.
   */
  readonly body?: Uint8Array;
}

/** Peer → bootstrap (or any peer): add me; answered with `peers`. */
export interface Register {
  readonly type: "register";
}

/** Ask for the sender's peer list; answered with `peers`. */
export interface GetPeers {
  readonly type: "get-peers";
  /** Ask for the whole table, in as many `peers` messages as it takes, rather than a sample. */
  readonly all?: boolean;
}

/** A peer list: an answer to `register` or `get-peers`. */
export interface Peers {
  readonly type: "peers";
  readonly peers: readonly MemberInfo[];
  /** How many live members the sender knows, so a receiver can tell it is missing some. */
  readonly total?: number;
}

/** A membership rumor: one member changed state. Also reports a dead peer to the bootstrap. */
export interface Member {
  readonly type: "member";
  readonly member: MemberInfo;
}

/** Liveness probe; answered with a `pong` carrying the same nonce. */
export interface Ping {
  readonly type: "ping";
  readonly nonce: number;
}

/** Answer to `ping`. */
export interface Pong {
  readonly type: "pong";
  readonly nonce: number;
}

/** A chat message travelling through the overlay. */
export interface Chat {
  readonly type: "chat";
  readonly message: ChatMessage;
  /**
   * Sent to repair a gap (an answer to `want` or `have`), not pushed along a
   * broadcast tree: a duplicate of it says nothing about the tree.
   */
  readonly repair?: boolean;
}

/** The sender is closing this connection on purpose (it is not dead). */
export interface Bye {
  readonly type: "bye";
  readonly reason: string;
}

/**
 * Broadcast trees: the sender got a duplicate of these authors' messages over
 * this connection; stop eager-pushing their messages here (announce them instead).
 */
export interface Prune {
  readonly type: "prune";
  readonly authors: readonly PeerId[];
}

/**
 * What the sender has delivered: the entries that grew since its last `have`
 * on this connection (a lazy announcement), or its whole delivered clock
 * (`full`: an anti-entropy round).
 */
export interface Have {
  readonly type: "have";
  readonly full: boolean;
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
  readonly author: PeerId;
  readonly from: number;
  readonly to: number;
}

/** Send me these messages; with `graft`, also eager-push these authors' messages to me again. */
export interface Want {
  readonly type: "want";
  readonly graft: boolean;
  readonly ranges: readonly SeqRange[];
}

/** The sender's history no longer holds these authors' messages up to these sequence numbers. */
export interface Skip {
  readonly type: "skip";
  readonly clock: VectorClock;
}

/** Indirect probe: ping `target` for me and tell me if it answers. */
export interface Probe {
  readonly type: "probe";
  readonly target: PeerId;
  readonly nonce: number;
}

/** Answer to `probe`: `target` answered a ping. */
export interface ProbeAck {
  readonly type: "probe-ack";
  readonly target: PeerId;
  readonly nonce: number;
}

/**
 * A direct message on its way to one peer through the overlay: `box` is
 * end-to-end encrypted to `to` (see lib/secure/direct_message.ts), so relays
 * learn only the addressee. `id` (16 random bytes, hex) lets each node pass
 * it on once; `hops` bounds how far it may still travel.
 */
export interface Direct {
  readonly type: "direct";
  readonly to: PeerId;
  readonly id: string;
  readonly hops: number;
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
