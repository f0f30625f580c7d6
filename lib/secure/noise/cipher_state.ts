/**
 * Noise's CipherState for the `AESGCM` cipher: a key, a 64-bit nonce counter, and
 * authenticated encryption with associated data.
 *
 * @module
 */

import { asArrayBufferView, EMPTY_BYTES } from "../../wire/bytes.ts";
import { type AesGcm, type AesGcmKey, loadAesGcm } from "./aes_gcm.ts";
import { NoiseDecryptError } from "./noise_decrypt_error.ts";

/** Largest Noise message in bytes, handshake or transport, including the AEAD tag. */
export const NOISE_MESSAGE_BYTES_MAX = 65535;

/** Length in bytes of the AES-GCM authentication tag appended to every ciphertext. */
export const AEAD_TAG_BYTES = 16;

/** Length in bytes of a cipher key. */
export const CIPHER_KEY_BYTES = 32;

/** The reserved nonce 2^64 − 1: never used to encrypt or decrypt (Noise §5.1). */
export const NONCE_RESERVED = 0xffff_ffff_ffff_ffffn;

/**
 * A Noise CipherState for AES-256-GCM. The nonce is 4 zero bytes followed by the 64-bit
 * big-endian counter, which advances once per successful call; a nonce is never reused.
 * Without a key (Noise's empty `k`) encryption and decryption pass the bytes through.
 *
 * Encryption and decryption are synchronous (OpenSSL's libcrypto when it loads, else
 * `node:crypto`: `aes_gcm.ts`; the key imported once per cipher state): no promise and
 * no thread-pool hop per message, and call order is nonce order. The bytes are
 * AES-GCM's, the same as WebCrypto's for the same key and nonce.
 */
export class CipherState {
  #aes: AesGcm | undefined;
  #key: AesGcmKey | undefined;
  #nonce = 0n;
  readonly #iv = new Uint8Array(12);
  readonly #ivView = new DataView(this.#iv.buffer);

  /**
   * Creates an empty cipher state (no key: encryption is the identity). Use
   * {@linkcode CipherState.fromKey} for a keyed one.
   */
  constructor() {
    this.#key = undefined;
  }

  /**
   * Creates a cipher state from a raw 32-byte key (nonce 0), loading the AES-GCM
   * implementation on first use; the key is imported once (copied).
   *
   * @throws {RangeError} unless the key is 32 bytes.
   */
  static async fromKey(key: Uint8Array): Promise<CipherState> {
    const aes = await loadAesGcm();
    const cipher = new CipherState();
    cipher.#aes = aes;
    cipher.#key = aes.importKey(key);
    return cipher;
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

  /**
   * Encrypts `plaintext` with associated data `ad`; returns ciphertext followed by the tag.
   *
   * @throws {RangeError} when the nonce has reached the reserved 2^64 − 1.
   */
  encryptWithAd(ad: Uint8Array, plaintext: Uint8Array): Uint8Array<ArrayBuffer> {
    const key = this.#key;
    if (key === undefined) return asArrayBufferView(plaintext);
    const nonce = this.#nonce;
    if (nonce === NONCE_RESERVED) {
      throw new RangeError(`Cannot encrypt: nonce ${nonce} is reserved; rekey or start over`);
    }
    this.#nonce = nonce + 1n;
    return this.#aes!.seal(key, this.#nextIv(nonce), ad, plaintext);
  }

  /**
   * Decrypts and authenticates `ciphertext` (ciphertext followed by the tag) with associated
   * data `ad`. Throws {@linkcode NoiseDecryptError} on failure, leaving the nonce unchanged.
   *
   * @throws {RangeError} when the nonce has reached the reserved 2^64 − 1.
   */
  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array<ArrayBuffer> {
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
    const plaintext = this.#aes!.open(key, this.#nextIv(nonce), ad, ciphertext);
    // Nothing of a forgery is returned.
    if (plaintext === undefined) {
      throw new NoiseDecryptError(`Cannot decrypt: authentication failed at nonce ${nonce}`);
    }
    this.#nonce = nonce + 1n;
    return plaintext;
  }

  /**
   * Replaces the key with the first 32 bytes of ENCRYPT(k, 2^64 − 1, empty, 32 zero bytes)
   * (Noise §4.2 REKEY); the nonce is unchanged.
   *
   * @throws {TypeError} when the cipher state has no key.
   */
  rekey(): void {
    const key = this.#key;
    if (key === undefined) throw new TypeError("Cannot rekey: cipher state has no key");
    const aes = this.#aes!;
    const block = aes.seal(
      key,
      this.#nextIv(NONCE_RESERVED),
      EMPTY_BYTES,
      new Uint8Array(CIPHER_KEY_BYTES),
    );
    this.#key = aes.importKey(block.subarray(0, CIPHER_KEY_BYTES));
    block.fill(0);
  }

  /** The IV for `nonce`, in the reused buffer (each call reads it before returning). */
  #nextIv(nonce: bigint): Uint8Array {
    this.#ivView.setBigUint64(4, nonce);
    return this.#iv;
  }
}
