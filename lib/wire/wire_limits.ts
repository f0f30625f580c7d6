/**
 * Size limits of the wire protocol. Every length a peer can choose has one;
 * PROTOCOL.md ("Limits") lists them with their defaults.
 *
 * @module
 */

/** Limits a node enforces on what it receives (and checks on what it sends). */
export interface WireLimits {
  /**
   * Largest frame payload, in bytes; a frame length prefix over it (or 0)
   * closes the connection before any of the body is buffered. Default 65535,
   * the largest Noise transport message.
   */
  readonly frameBytesMax: number;
  /** Largest chat text, in UTF-8 bytes. Default 4096. */
  readonly textBytesMax: number;
  /** Largest nick, in UTF-8 bytes; a nick has at least 1. Default 32. */
  readonly nickBytesMax: number;
  /**
   * Largest address, in bytes. Default 336, above the longest valid one: a
   * relayed address (`RELAY/relay/ID`) whose relay has a 253-character
   * hostname, a colon and a 5-digit port (259), then `/relay/` and a
   * 64-digit id: 330.
   */
  readonly addrBytesMax: number;
  /** Most entries in a chat message's vector clock, i.e. distinct authors it depends on. Default 1024. */
  readonly clockEntriesMax: number;
  /** Most members in one `peers` message. Default 256. */
  readonly peersPerMessageMax: number;
  /** Largest `bye` reason, in UTF-8 bytes. Default 256. */
  readonly reasonBytesMax: number;
}

/**
 * The limits every node uses unless configured otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_WIRE_LIMITS } from "./wire_limits.ts";
 *
 * const strict = { ...DEFAULT_WIRE_LIMITS, textBytesMax: 1024 };
 * assert.equal(strict.frameBytesMax, 65535);
 * ```
 */
export const DEFAULT_WIRE_LIMITS: WireLimits = Object.freeze({
  frameBytesMax: 65535,
  textBytesMax: 4096,
  nickBytesMax: 32,
  addrBytesMax: 336,
  clockEntriesMax: 1024,
  peersPerMessageMax: 256,
  reasonBytesMax: 256,
});

/** Bytes a Noise transport message adds to its plaintext (the AES-GCM tag). */
export const AEAD_TAG_BYTES = 16;

/**
 * Bytes an encrypted frame adds around one message: the AEAD tag, and the
 * 4-byte length that lets one Noise message carry several messages. An
 * encoded message may be at most `frameBytesMax - MESSAGE_OVERHEAD_BYTES`
 * (65515) long so that it still fits one frame once encrypted.
 */
export const MESSAGE_OVERHEAD_BYTES = AEAD_TAG_BYTES + 4;
