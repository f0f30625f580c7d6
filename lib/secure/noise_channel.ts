/**
 * The encrypted channel, as the rest of the node imports it: the handshake
 * (`noise_handshake.ts`: driver, handshake payload, rejection frames) and the
 * channel it returns (`noise_transport.ts`). PROTOCOL.md and those modules
 * document the protocol.
 *
 * @module
 */

export {
  decodeHandshakePayload,
  decodeRejection,
  encodeHandshakePayload,
  encodeRejection,
  HandshakeError,
  type HandshakeFailure,
  type HandshakePayload,
  NOISE_FRAME_BYTES_MIN,
  NOISE_PROLOGUE_PREFIX,
  NOISE_PROTOCOL_NAME,
  noiseHandshake,
  type NoiseHandshakeOptions,
  noisePrologue,
  REJECTION_BYTES_MAX,
  REJECTION_REASONS,
  type RejectionReason,
} from "./noise_handshake.ts";
export {
  INNER_LENGTH_BYTES,
  NoiseChannel,
  type NoiseChannelOptions,
  SEALED_PAYLOAD_BYTES_MAX,
} from "./noise_transport.ts";
