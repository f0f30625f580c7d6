/**
 * Noise's CipherState for the `AESGCM` cipher: a key, a 64-bit nonce counter, and
 * authenticated encryption with associated data.
 *
 * @module
 */

import { asArrayBufferView } from "../../wire/bytes.ts";
import { NoiseDecryptError } from "./noise_decrypt_error.ts";

/** Largest Noise message in bytes, handshake or transport, including the AEAD tag. */
export const NOISE_MESSAGE_BYTES_MAX = 65535;

/** Length in bytes of the AES-GCM authentication tag appended to every ciphertext. */
export const AEAD_TAG_BYTES = 16;

/** Length in bytes of a cipher key. */
export const CIPHER_KEY_BYTES = 32;

/** The reserved nonce 2^64 − 1: never used to encrypt or decrypt (Noise §5.1). */
export const NONCE_RESERVED = 0xffff_ffff_ffff_ffffn;

const AES_GCM = "AES-GCM";
const TAG_BITS = AEAD_TAG_BYTES * 8;

/**
 * A Noise CipherState for AES-256-GCM. The nonce is 4 zero bytes followed by the 64-bit
 * big-endian counter, which advances once per successful call; a nonce is never reused.
 * Without a key (Noise's empty `k`) encryption and decryption pass the bytes through.
 *
 * The counter is taken synchronously when `encryptWithAd`/`decryptWithAd` is called, so
 * concurrent calls get distinct nonces in call order; send and receive in that order.
 */
export class CipherState {
  #key: CryptoKey | undefined;
  #nonce = 0n;
  readonly #iv = new Uint8Array(12);
  readonly #ivView = new DataView(this.#iv.buffer);

  /**
   * Creates a cipher state around an imported AES-GCM `CryptoKey` (usages `encrypt` and
   * `decrypt`), or an empty one when `key` is omitted. Use {@linkcode CipherState.fromKey}
   * for raw key bytes.
   */
  constructor(key?: CryptoKey) {
    this.#key = key;
  }

  /** Creates a cipher state from a raw 32-byte key, importing it once (nonce 0). */
  static async fromKey(key: Uint8Array): Promise<CipherState> {
    return new CipherState(await importCipherKey(key));
  }

  /** Whether a key is set (otherwise encryption is the identity). */
  get hasKey(): boolean {
    return this.#key !== undefined;
  }

  /** The next nonce to use. */
  get nonce(): bigint {
    return this.#nonce;
  }

  /** Sets the next nonce (Noise's SetNonce), e.g. for out-of-order transports or tests. */
  setNonce(nonce: bigint): void {
    if (nonce < 0n || nonce > NONCE_RESERVED) {
      throw new RangeError(`Cannot set nonce: ${nonce} is outside 0..2^64-1`);
    }
    this.#nonce = nonce;
  }

  /** Encrypts `plaintext` with associated data `ad`; returns ciphertext followed by the tag. */
  async encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    const key = this.#key;
    if (key === undefined) return asArrayBufferView(plaintext);
    const nonce = this.#nonce;
    if (nonce === NONCE_RESERVED) {
      throw new RangeError(`Cannot encrypt: nonce ${nonce} is reserved; rekey or start over`);
    }
    this.#nonce = nonce + 1n;
    // WebCrypto copies the IV and data synchronously, so the IV buffer can be reused.
    this.#ivView.setBigUint64(4, nonce);
    const ciphertext = await crypto.subtle.encrypt(
      {
        name: AES_GCM,
        iv: this.#iv,
        additionalData: asArrayBufferView(ad),
        tagLength: TAG_BITS,
      },
      key,
      asArrayBufferView(plaintext),
    );
    return new Uint8Array(ciphertext);
  }

  /**
   * Decrypts and authenticates `ciphertext` (ciphertext followed by the tag) with associated
   * data `ad`. Throws {@linkcode NoiseDecryptError} on failure, leaving the nonce unchanged
   * unless another call has taken a nonce in the meantime.
   */
  async decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    const key = this.#key;
    if (key === undefined) return asArrayBufferView(ciphertext);
    if (ciphertext.byteLength < AEAD_TAG_BYTES) {
      throw new NoiseDecryptError(
        `Cannot decrypt: ciphertext of ${ciphertext.byteLength} bytes is shorter than the ${AEAD_TAG_BYTES}-byte tag`,
      );
    }
    const nonce = this.#nonce;
    if (nonce === NONCE_RESERVED) {
      throw new RangeError(`Cannot decrypt: nonce ${nonce} is reserved; rekey or start over`);
    }
    this.#nonce = nonce + 1n;
    this.#ivView.setBigUint64(4, nonce);
    try {
      const plaintext = await crypto.subtle.decrypt(
        {
          name: AES_GCM,
          iv: this.#iv,
          additionalData: asArrayBufferView(ad),
          tagLength: TAG_BITS,
        },
        key,
        asArrayBufferView(ciphertext),
      );
      return new Uint8Array(plaintext);
    } catch (cause) {
      if (this.#nonce === nonce + 1n) this.#nonce = nonce;
      throw new NoiseDecryptError(`Cannot decrypt: authentication failed at nonce ${nonce}`, {
        cause,
      });
    }
  }

  /**
   * Replaces the key with the first 32 bytes of ENCRYPT(k, 2^64 − 1, empty, 32 zero bytes)
   * (Noise §4.2 REKEY); the nonce is unchanged. Do not call it while other calls are pending.
   */
  async rekey(): Promise<void> {
    const key = this.#key;
    if (key === undefined) throw new TypeError("Cannot rekey: cipher state has no key");
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setBigUint64(4, NONCE_RESERVED);
    const block = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: AES_GCM, iv, tagLength: TAG_BITS },
        key,
        new Uint8Array(CIPHER_KEY_BYTES),
      ),
    );
    this.#key = await importCipherKey(block.subarray(0, CIPHER_KEY_BYTES));
    block.fill(0);
  }
}

function importCipherKey(key: Uint8Array): Promise<CryptoKey> {
  if (key.byteLength !== CIPHER_KEY_BYTES) {
    throw new RangeError(
      `Cannot import cipher key: length ${key.byteLength} is not ${CIPHER_KEY_BYTES}`,
    );
  }
  return crypto.subtle.importKey("raw", asArrayBufferView(key), AES_GCM, false, [
    "encrypt",
    "decrypt",
  ]);
}
