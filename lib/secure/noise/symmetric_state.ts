/**
 * Noise's SymmetricState for `SHA256`: the chaining key `ck`, the handshake hash `h`, and the
 * CipherState they key.
 *
 * @module
 */

import { concatBytes, EMPTY_BYTES } from "../../wire/bytes.ts";
import { CipherState } from "./cipher_state.ts";
import { HASH_BYTES, hkdf } from "./hkdf.ts";

/**
 * A Noise SymmetricState (§5.2) with SHA-256 and AES-GCM. `h` and `ck` are replaced, never
 * mutated in place. Operations are sequential: await each before starting the next.
 */
export class SymmetricState {
  #chainingKey: Uint8Array<ArrayBuffer>;
  #hash: Uint8Array<ArrayBuffer>;
  #cipher = new CipherState();

  private constructor(hash: Uint8Array<ArrayBuffer>) {
    this.#hash = hash;
    this.#chainingKey = hash;
  }

  /**
   * InitializeSymmetric: `h` is the protocol name zero-padded to 32 bytes, or its SHA-256
   * when longer than 32 bytes; `ck = h`; no cipher key.
   */
  static async initialize(protocolName: string): Promise<SymmetricState> {
    const name = new TextEncoder().encode(protocolName);
    let hash: Uint8Array<ArrayBuffer>;
    if (name.byteLength <= HASH_BYTES) {
      hash = new Uint8Array(HASH_BYTES);
      hash.set(name);
    } else {
      hash = new Uint8Array(await crypto.subtle.digest("SHA-256", name));
    }
    return new SymmetricState(hash);
  }

  /** A copy of the handshake hash `h` (the channel binding once the handshake is done). */
  get handshakeHash(): Uint8Array<ArrayBuffer> {
    return this.#hash.slice();
  }

  /** Whether the cipher state has a key, i.e. whether payloads are encrypted. */
  get hasKey(): boolean {
    return this.#cipher.hasKey;
  }

  /** MixHash: `h = SHA-256(h ‖ data)`. */
  async mixHash(data: Uint8Array): Promise<void> {
    this.#hash = new Uint8Array(
      await crypto.subtle.digest("SHA-256", concatBytes([this.#hash, data])),
    );
  }

  /** MixKey: `ck, k = HKDF(ck, inputKeyMaterial, 2)`, then a fresh cipher key with nonce 0. */
  async mixKey(inputKeyMaterial: Uint8Array): Promise<void> {
    const [chainingKey, key] = await hkdf(this.#chainingKey, inputKeyMaterial, 2);
    this.#chainingKey = chainingKey;
    this.#cipher = await CipherState.fromKey(key);
  }

  /** MixKeyAndHash: `ck, t, k = HKDF(ck, inputKeyMaterial, 3)`; MixHash(t); new key `k`. */
  async mixKeyAndHash(inputKeyMaterial: Uint8Array): Promise<void> {
    const [chainingKey, tempHash, key] = await hkdf(this.#chainingKey, inputKeyMaterial, 3);
    this.#chainingKey = chainingKey;
    await this.mixHash(tempHash);
    this.#cipher = await CipherState.fromKey(key);
  }

  /** EncryptAndHash: encrypts with `h` as associated data, then mixes the ciphertext into `h`. */
  async encryptAndHash(plaintext: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    const ciphertext = this.#cipher.encryptWithAd(this.#hash, plaintext);
    await this.mixHash(ciphertext);
    return ciphertext;
  }

  /**
   * DecryptAndHash: decrypts with `h` as associated data, then mixes the ciphertext into `h`.
   * Throws `NoiseDecryptError` when authentication fails. Without a key the result is
   * `ciphertext` itself (not a copy).
   */
  async decryptAndHash(ciphertext: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    const plaintext = this.#cipher.decryptWithAd(this.#hash, ciphertext);
    await this.mixHash(ciphertext);
    return plaintext;
  }

  /**
   * Split: `k1, k2 = HKDF(ck, empty, 2)`; returns the initiator-to-responder and the
   * responder-to-initiator cipher states, each at nonce 0.
   */
  async split(): Promise<[CipherState, CipherState]> {
    const [key1, key2] = await hkdf(this.#chainingKey, EMPTY_BYTES, 2);
    const ciphers = await Promise.all([CipherState.fromKey(key1), CipherState.fromKey(key2)]);
    key1.fill(0);
    key2.fill(0);
    return ciphers;
  }
}
