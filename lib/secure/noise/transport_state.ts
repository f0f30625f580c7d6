/**
 * The transport phase of a Noise session: the pair of CipherStates that Split() returns,
 * one per direction.
 *
 * @module
 */

import { EMPTY_BYTES } from "../../wire/bytes.ts";
import { AEAD_TAG_BYTES, type CipherState, NOISE_MESSAGE_BYTES_MAX } from "./cipher_state.ts";

/** Largest transport plaintext in bytes: the Noise message limit minus the AEAD tag. */
export const TRANSPORT_PLAINTEXT_BYTES_MAX = NOISE_MESSAGE_BYTES_MAX - AEAD_TAG_BYTES;

/**
 * Encrypts outgoing and decrypts incoming transport messages of one Noise session, with
 * empty associated data. Both are synchronous; each direction's nonce is the count of
 * messages before, so messages must go on the wire, and be decrypted, in call order.
 */
export class TransportState {
  readonly #send: CipherState;
  readonly #receive: CipherState;
  readonly #handshakeHash: Uint8Array<ArrayBuffer>;

  /**
   * Wraps the sending and receiving cipher states; normally obtained from
   * `HandshakeState.split()`.
   */
  constructor(send: CipherState, receive: CipherState, handshakeHash: Uint8Array) {
    if (!send.hasKey || !receive.hasKey) {
      throw new TypeError("Cannot create transport state: both cipher states need a key");
    }
    this.#send = send;
    this.#receive = receive;
    this.#handshakeHash = new Uint8Array(handshakeHash);
  }

  /** A copy of the handshake hash, for channel binding. */
  get handshakeHash(): Uint8Array<ArrayBuffer> {
    return this.#handshakeHash.slice();
  }

  /** The nonce of the next outgoing message. */
  get sendNonce(): bigint {
    return this.#send.nonce;
  }

  /** The nonce of the next incoming message. */
  get receiveNonce(): bigint {
    return this.#receive.nonce;
  }

  /**
   * Encrypts one transport message. Throws a `RangeError` when the plaintext exceeds
   * {@linkcode TRANSPORT_PLAINTEXT_BYTES_MAX} (65519) bytes.
   */
  encrypt(plaintext: Uint8Array): Uint8Array<ArrayBuffer> {
    if (plaintext.byteLength > TRANSPORT_PLAINTEXT_BYTES_MAX) {
      throw new RangeError(
        `Cannot encrypt transport message: plaintext length ${plaintext.byteLength} exceeds ${TRANSPORT_PLAINTEXT_BYTES_MAX}`,
      );
    }
    return this.#send.encryptWithAd(EMPTY_BYTES, plaintext);
  }

  /**
   * Decrypts one transport message. Throws `NoiseDecryptError` when it fails authentication
   * or is shorter than the tag, and a `RangeError` when it exceeds
   * {@linkcode NOISE_MESSAGE_BYTES_MAX} (65535) bytes.
   */
  decrypt(message: Uint8Array): Uint8Array<ArrayBuffer> {
    if (message.byteLength > NOISE_MESSAGE_BYTES_MAX) {
      throw new RangeError(
        `Cannot decrypt transport message: length ${message.byteLength} exceeds ${NOISE_MESSAGE_BYTES_MAX}`,
      );
    }
    return this.#receive.decryptWithAd(EMPTY_BYTES, message);
  }

  /** Rekeys the sending direction (Noise §11.3); the peer must rekey its receiving side. */
  rekeySend(): void {
    this.#send.rekey();
  }

  /** Rekeys the receiving direction, matching the peer's {@linkcode rekeySend}. */
  rekeyReceive(): void {
    this.#receive.rekey();
  }
}
