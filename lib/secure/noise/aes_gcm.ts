/**
 * AES-256-GCM, one message at a time and synchronously, for Noise's
 * CipherState: 32-byte keys, 12-byte IVs, 16-byte tags. Two implementations
 * give the same bytes: OpenSSL's libcrypto through Deno's FFI, and
 * `node:crypto`. In Deno on this x86-64 machine the first is 7–20× faster
 * (a seal and an open of 600 B: 6 against 39 µs; of 37 000 B: 62 µs against
 * 1.2 ms; PERFORMANCE.md "OpenSSL through FFI"), so it is used when the system
 * has the library and the program may load it (`../libcrypto.ts`); otherwise
 * `node:crypto`.
 *
 * @module
 */

/** Length in bytes of an AES-256 key. */
export const AES_GCM_KEY_BYTES = 32;

/** Length in bytes of the authentication tag. */
export const AES_GCM_TAG_BYTES = 16;

/** An imported key, opaque to callers: each implementation keeps what it needs. */
export interface AesGcmKey {
  /** The implementation that made it (keys are not interchangeable). */
  readonly implementation: AesGcm["name"];
}

/** One AES-256-GCM implementation. Calls are synchronous and independent. */
export interface AesGcm {
  /** Which one: `openssl` (libcrypto through FFI) or `node:crypto`. */
  readonly name: "openssl" | "node:crypto";
  /** Imports a 32-byte key (copied: the caller may wipe its own). */
  importKey(raw: Uint8Array): AesGcmKey;
  /** Ciphertext followed by the 16-byte tag, in a fresh buffer. */
  seal(
    key: AesGcmKey,
    iv: Uint8Array,
    ad: Uint8Array,
    plaintext: Uint8Array,
  ): Uint8Array<ArrayBuffer>;
  /**
   * The plaintext of `sealed` (ciphertext followed by the tag, at least 16
   * bytes) in a fresh buffer, or `undefined` when it does not authenticate;
   * nothing of a forgery is returned.
   */
  open(
    key: AesGcmKey,
    iv: Uint8Array,
    ad: Uint8Array,
    sealed: Uint8Array,
  ): Uint8Array<ArrayBuffer> | undefined;
}

let loaded: Promise<AesGcm> | undefined;

/**
 * The implementation this process uses, loaded on first call (so that a
 * peer that never keys a cipher loads neither): OpenSSL when it loads and
 * passes its known-answer check, else `node:crypto`.
 */
export function loadAesGcm(): Promise<AesGcm> {
  return loaded ??= pick();
}

async function pick(): Promise<AesGcm> {
  const { openSslAesGcm } = await import("./openssl_aes_gcm.ts");
  const openSsl = openSslAesGcm();
  if (!(openSsl instanceof Error)) return openSsl;
  const { nodeAesGcm } = await import("./node_aes_gcm.ts");
  return nodeAesGcm();
}

/**
 * Checks a key's length.
 *
 * @throws {RangeError} unless it is 32 bytes.
 */
export function checkKeyLength(raw: Uint8Array): void {
  if (raw.byteLength !== AES_GCM_KEY_BYTES) {
    throw new RangeError(
      `Cannot import cipher key: length ${raw.byteLength} is not ${AES_GCM_KEY_BYTES}`,
    );
  }
}
