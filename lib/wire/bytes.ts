/**
 * Byte helpers the wire and secure layers share: concatenation, WebCrypto's
 * `ArrayBuffer` views, and the 4-byte big-endian unsigned integer of every
 * length prefix (frames, and payloads inside a Noise transport message).
 *
 * @module
 */

/** A zero-length byte array (never written to). */
export const EMPTY_BYTES: Uint8Array<ArrayBuffer> = new Uint8Array(0);

/** Bytes of a length prefix: a 4-byte big-endian unsigned integer. */
export const U32_BYTES = 4;

/**
 * Concatenates byte arrays into one new array.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatBytes } from "./bytes.ts";
 *
 * assert.equal(concatBytes([Uint8Array.of(1), Uint8Array.of(2, 3)]).join(), "1,2,3");
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.byteLength;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/**
 * Returns `bytes` typed as backed by an `ArrayBuffer`, as WebCrypto requires; copies only
 * when the view is backed by a `SharedArrayBuffer`.
 */
export function asArrayBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
}

/**
 * The 4-byte big-endian unsigned integer at `pos` (the caller checks that 4 bytes follow).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readU32BE } from "./bytes.ts";
 *
 * assert.equal(readU32BE(Uint8Array.of(0, 0, 1, 0), 0), 256);
 * ```
 */
export function readU32BE(bytes: Uint8Array, pos: number): number {
  return ((bytes[pos]! << 24) | (bytes[pos + 1]! << 16) | (bytes[pos + 2]! << 8) |
    bytes[pos + 3]!) >>> 0;
}

/**
 * Writes `value` (0..2^32 - 1) as 4 big-endian bytes at `pos`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeU32BE } from "./bytes.ts";
 *
 * const out = new Uint8Array(4);
 * writeU32BE(out, 0, 258);
 * assert.equal(out.join(), "0,0,1,2");
 * ```
 */
export function writeU32BE(target: Uint8Array, pos: number, value: number): void {
  target[pos] = value >>> 24;
  target[pos + 1] = (value >>> 16) & 0xff;
  target[pos + 2] = (value >>> 8) & 0xff;
  target[pos + 3] = value & 0xff;
}
