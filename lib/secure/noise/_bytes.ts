/**
 * Byte helpers shared by the Noise files. Private to `lib/secure/noise/`.
 *
 * @module
 */

/** A zero-length byte array (never written to). */
export const EMPTY_BYTES: Uint8Array<ArrayBuffer> = new Uint8Array(0);

/**
 * Returns `bytes` typed as backed by an `ArrayBuffer`, as WebCrypto requires; copies only
 * when the view is backed by a `SharedArrayBuffer`.
 */
export function asArrayBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
}

/** Concatenates byte arrays into one new array. */
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
