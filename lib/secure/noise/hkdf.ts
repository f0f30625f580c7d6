/**
 * Noise's `HKDF(chaining_key, input_key_material, num_outputs)` with HMAC-SHA256.
 *
 * @module
 */

import { asArrayBufferView, EMPTY_BYTES } from "../../wire/bytes.ts";

/** Length in bytes of a SHA-256 output (Noise's HASHLEN). */
export const HASH_BYTES = 32;

/**
 * Derives two or three 32-byte outputs from the chaining key and input key material
 * (Noise §4.3). Noise's HKDF is RFC 5869 HKDF with salt = chaining key and empty info, so
 * this is one WebCrypto `HKDF` `deriveBits` call. The outputs are views of one buffer.
 */
export async function hkdf(
  chainingKey: Uint8Array,
  inputKeyMaterial: Uint8Array,
  outputs: 2,
): Promise<[Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>]>;
/** Derives three 32-byte outputs; see the two-output overload. */
export async function hkdf(
  chainingKey: Uint8Array,
  inputKeyMaterial: Uint8Array,
  outputs: 3,
): Promise<[Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>]>;
export async function hkdf(
  chainingKey: Uint8Array,
  inputKeyMaterial: Uint8Array,
  outputs: 2 | 3,
): Promise<Uint8Array<ArrayBuffer>[]> {
  if (outputs !== 2 && outputs !== 3) {
    throw new RangeError(`Cannot derive HKDF outputs: count ${outputs} is not 2 or 3`);
  }
  const key = await crypto.subtle.importKey(
    "raw",
    asArrayBufferView(inputKeyMaterial),
    "HKDF",
    false,
    ["deriveBits"],
  );
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: asArrayBufferView(chainingKey), info: EMPTY_BYTES },
      key,
      outputs * HASH_BYTES * 8,
    ),
  );
  const result: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < outputs; i++) {
    result.push(bits.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
  }
  return result;
}
