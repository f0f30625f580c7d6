/**
 * Noise's CipherState for the `AESGCM` cipher: a key, a 64-bit nonce counter, and
 * authenticated encryption with associated data.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import { asArrayBufferView, EMPTY_BYTES } from "../../wire/bytes.ts";
import { NoiseDecryptError } from "./noise_decrypt_error.ts";

/** Largest Noise message in bytes, handshake or transport, including the AEAD tag. */
export const NOISE_MESSAGE_BYTES_MAX = 65535;

/** Length in bytes of the AES-GCM authentication tag appended to every ciphertext. */
export const AEAD_TAG_BYTES = 16;

/** Length in bytes of a cipher key. */
export const CIPHER_KEY_BYTES = 32;

/** The reserved nonce 2^64 − 1: never used to encrypt or decrypt (Noise §5.1). */
export const NONCE_RESERVED = 0xffff_ffff_ffff_ffffn;

/** The `node:crypto` name of the cipher. */
const AES_256_GCM = "aes-256-gcm";

type NodeCrypto = typeof import("node:crypto");

/** `node:crypto`, once {@linkcode CipherState.fromKey} has loaded it. */
let nodeCrypto: NodeCrypto | undefined;

/**
 * Loads `node:crypto` on first use, so that a peer that never keys a cipher
 * (a plaintext room) never loads it.
 */
async function loadNodeCrypto(): Promise<NodeCrypto> {
  return nodeCrypto ??= await import("node:crypto");
}

/**
 * A Noise CipherState for AES-256-GCM. The nonce is 4 zero bytes followed by the 64-bit
 * big-endian counter, which advances once per successful call; a nonce is never reused.
 * Without a key (Noise's empty `k`) encryption and decryption pass the bytes through.
 *
 * Encryption and decryption are synchronous (`node:crypto`, the key imported once per
 * cipher state): no promise and no thread-pool hop per message, and call order is nonce
 * order. The bytes are AES-GCM's, the same as WebCrypto's for the same key and nonce.
 */
export class CipherState {
  #key: KeyObject | undefined;
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
   * Creates a cipher state from a raw 32-byte key (nonce 0), loading `node:crypto` on
   * first use; the key is imported once.
   */
  static async fromKey(key: Uint8Array): Promise<CipherState> {
    const { createSecretKey } = nodeCrypto ?? await loadNodeCrypto();
    const cipher = new CipherState();
    cipher.#key = importCipherKey(createSecretKey, key);
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
    return seal(key, this.#nextIv(nonce), ad, plaintext);
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
    const bodyBytes = ciphertext.byteLength - AEAD_TAG_BYTES;
    const decipher = nodeCrypto!.createDecipheriv(AES_256_GCM, key, this.#nextIv(nonce), {
      authTagLength: AEAD_TAG_BYTES,
    });
    decipher.setAuthTag(ciphertext.subarray(bodyBytes));
    if (ad.byteLength > 0) decipher.setAAD(ad);
    let plaintext: Uint8Array<ArrayBuffer>;
    try {
      const head = decipher.update(ciphertext.subarray(0, bodyBytes));
      // final() checks the tag: nothing of a forgery is returned.
      const tail = decipher.final();
      // GCM is a stream cipher: update() gives every byte and final() none, so the
      // plaintext is used where it is (no second copy of up to 64 KiB), as a plain
      // Uint8Array: a Buffer's slice() would not copy.
      plaintext = tail.byteLength === 0
        ? asArrayBufferView(new Uint8Array(head.buffer, head.byteOffset, head.byteLength))
        : joinBytes(head, tail, bodyBytes);
    } catch (cause) {
      throw new NoiseDecryptError(`Cannot decrypt: authentication failed at nonce ${nonce}`, {
        cause,
      });
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
    const block = seal(
      key,
      this.#nextIv(NONCE_RESERVED),
      EMPTY_BYTES,
      new Uint8Array(CIPHER_KEY_BYTES),
    );
    this.#key = importCipherKey(nodeCrypto!.createSecretKey, block.subarray(0, CIPHER_KEY_BYTES));
    block.fill(0);
  }

  /** The IV for `nonce`, in the reused buffer (`node:crypto` copies it when a cipher is made). */
  #nextIv(nonce: bigint): Uint8Array {
    this.#ivView.setBigUint64(4, nonce);
    return this.#iv;
  }
}

/** AES-256-GCM of `plaintext` under `key` and `iv`: ciphertext followed by the 16-byte tag. */
function seal(
  key: KeyObject,
  iv: Uint8Array,
  ad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const cipher = nodeCrypto!.createCipheriv(AES_256_GCM, key, iv, {
    authTagLength: AEAD_TAG_BYTES,
  });
  if (ad.byteLength > 0) cipher.setAAD(ad);
  const head = cipher.update(plaintext);
  const tail = cipher.final();
  const out = new Uint8Array(plaintext.byteLength + AEAD_TAG_BYTES);
  out.set(head);
  out.set(tail, head.byteLength);
  out.set(cipher.getAuthTag(), plaintext.byteLength);
  return out;
}

/** `head` then `tail` (together `length` bytes) in one fresh buffer. */
function joinBytes(head: Uint8Array, tail: Uint8Array, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  out.set(head);
  out.set(tail, head.byteLength);
  return out;
}

function importCipherKey(
  createSecretKey: NodeCrypto["createSecretKey"],
  key: Uint8Array,
): KeyObject {
  if (key.byteLength !== CIPHER_KEY_BYTES) {
    throw new RangeError(
      `Cannot import cipher key: length ${key.byteLength} is not ${CIPHER_KEY_BYTES}`,
    );
  }
  // createSecretKey copies the bytes, so the caller may wipe its own.
  return createSecretKey(key);
}
