/**
 * An established Noise channel: the transport phase of the p2pchat Noise
 * protocol (the handshake that makes one is `noise_handshake.ts`).
 *
 * After the handshake every frame is one Noise transport message (at most
 * 65535 bytes, AES-GCM tag included) whose plaintext is one or more message
 * payloads, each preceded by its length as a 4-byte big-endian integer (at
 * least 1). A message payload is therefore at most 65519 − 4 = 65515 bytes.
 * The sender packs as many payloads into one transport message as fit, which
 * makes encryption cheap per message. Nonces count up from 0 in each
 * direction; a frame that fails authentication (tampered, replayed, reordered)
 * or whose inner lengths do not add up is a protocol error.
 *
 * The inner length prefix is the frame prefix of `frame_codec.ts`: sealing
 * lays the payloads out with `encodeFrames`, opening reads each length with
 * the same 4-byte big-endian coding.
 *
 * @module
 */

import { readU32BE, U32_BYTES } from "../wire/bytes.ts";
import { encodeFrames } from "../wire/frame_codec.ts";
import type { Hello } from "../wire/message.ts";
import { ProtocolError } from "../wire/protocol_error.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "../wire/wire_limits.ts";
import type { Channel } from "./channel.ts";
import { AEAD_TAG_BYTES } from "./noise/cipher_state.ts";
import { NoiseDecryptError } from "./noise/noise_decrypt_error.ts";
import { TRANSPORT_PLAINTEXT_BYTES_MAX, type TransportState } from "./noise/transport_state.ts";

/** Bytes of the length prefix in front of each payload inside a transport message. */
export const INNER_LENGTH_BYTES = U32_BYTES;

/** Largest message payload one transport message can carry: 65519 − 4 = 65515 bytes. */
export const SEALED_PAYLOAD_BYTES_MAX = TRANSPORT_PLAINTEXT_BYTES_MAX - INNER_LENGTH_BYTES;

/** Options of {@linkcode NoiseChannel}. */
export interface NoiseChannelOptions {
  /** Limits; `frameBytesMax` caps each transport message. Default `DEFAULT_WIRE_LIMITS`. */
  limits?: WireLimits | undefined;
}

/**
 * An established Noise channel: seals message payloads into transport
 * messages (packing as many as fit into each) and opens them again. Both are
 * synchronous; calls must be in wire order per direction: each takes the
 * next nonce.
 */
export class NoiseChannel implements Channel {
  /** The remote's hello, proven by its identity binding. */
  readonly remote: Hello;
  /** Always `true`. */
  readonly encrypted = true;
  readonly #transport: TransportState;
  readonly #frameBytesMax: number;
  readonly #plaintextBytesMax: number;

  /** Wraps a transport state (from a completed handshake) and the remote's verified hello. */
  constructor(transport: TransportState, remote: Hello, options: NoiseChannelOptions = {}) {
    const limits = options.limits ?? DEFAULT_WIRE_LIMITS;
    this.#transport = transport;
    this.remote = remote;
    this.#frameBytesMax = limits.frameBytesMax;
    this.#plaintextBytesMax = Math.min(
      TRANSPORT_PLAINTEXT_BYTES_MAX,
      limits.frameBytesMax - AEAD_TAG_BYTES,
    );
    if (this.#plaintextBytesMax <= INNER_LENGTH_BYTES) {
      throw new RangeError(
        `Cannot create Noise channel: frameBytesMax ${limits.frameBytesMax} is too small`,
      );
    }
  }

  /** The Noise handshake hash, a value unique to this session (for channel binding). */
  get handshakeHash(): Uint8Array<ArrayBuffer> {
    return this.#transport.handshakeHash;
  }

  /** Largest payload {@linkcode seal} accepts, in bytes (65515 by default). */
  get payloadBytesMax(): number {
    return this.#plaintextBytesMax - INNER_LENGTH_BYTES;
  }

  /**
   * Encrypts `payloads`, in order, into as few transport messages as they fit
   * in, and returns them framed (length prefixes included).
   *
   * @throws {RangeError} for an empty payload or one over {@linkcode payloadBytesMax}.
   */
  seal(payloads: readonly Uint8Array[]): Uint8Array {
    const payloadMax = this.payloadBytesMax;
    const plaintexts: Uint8Array[] = [];
    let start = 0;
    let size = 0;
    for (let i = 0; i < payloads.length; i++) {
      const length = payloads[i]!.byteLength;
      if (length === 0 || length > payloadMax) {
        throw new RangeError(
          `Cannot seal payload ${i}: ${length} bytes, expected 1..${payloadMax}`,
        );
      }
      if (size + INNER_LENGTH_BYTES + length > this.#plaintextBytesMax) {
        plaintexts.push(pack(payloads, start, i));
        start = i;
        size = 0;
      }
      size += INNER_LENGTH_BYTES + length;
    }
    if (size > 0) plaintexts.push(pack(payloads, start, payloads.length));
    const messages = plaintexts.map((p) => this.#transport.encrypt(p));
    return encodeFrames(messages, { frameBytesMax: this.#frameBytesMax });
  }

  /**
   * Decrypts one frame (a transport message) and returns the payloads it
   * carries, in order (views into one buffer).
   *
   * @throws {ProtocolError} if the frame does not authenticate at the next
   * nonce (tampered, replayed, reordered, or under another key) or its inner
   * lengths do not add up.
   */
  open(frame: Uint8Array): readonly Uint8Array[] {
    let plaintext: Uint8Array;
    try {
      plaintext = this.#transport.decrypt(frame);
    } catch (error) {
      if (!(error instanceof NoiseDecryptError || error instanceof RangeError)) throw error;
      throw new ProtocolError(`Cannot open frame: ${error.message}`, { cause: error });
    }
    return unpack(plaintext);
  }
}

/** Length-prefixes `payloads[start, end)` into one buffer: frames of the frame codec. */
function pack(payloads: readonly Uint8Array[], start: number, end: number): Uint8Array {
  return encodeFrames(payloads.slice(start, end), { frameBytesMax: SEALED_PAYLOAD_BYTES_MAX });
}

function unpack(plaintext: Uint8Array): Uint8Array[] {
  const end = plaintext.byteLength;
  if (end === 0) throw new ProtocolError("Cannot open frame: it carries no payload");
  const payloads: Uint8Array[] = [];
  let pos = 0;
  while (pos < end) {
    if (end - pos < INNER_LENGTH_BYTES) {
      throw new ProtocolError(
        `Cannot open frame: ${end - pos} bytes at offset ${pos} are too few for a length prefix`,
      );
    }
    const length = readU32BE(plaintext, pos);
    pos += INNER_LENGTH_BYTES;
    if (length === 0) {
      throw new ProtocolError(`Cannot open frame: inner length 0 at offset ${pos - 4}`);
    }
    if (length > end - pos) {
      throw new ProtocolError(
        `Cannot open frame: inner length ${length} at offset ${pos - 4} exceeds the ${
          end - pos
        } bytes left`,
      );
    }
    payloads.push(plaintext.subarray(pos, pos + length));
    pos += length;
  }
  return payloads;
}
