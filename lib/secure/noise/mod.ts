/**
 * The Noise Protocol Framework (revision 34) as far as p2pchat needs it:
 * handshake patterns with PSK modifiers, the symmetric and cipher states
 * (AES-256-GCM, SHA-256, HKDF), the handshake state machine and the
 * transport state, on X25519 — WebCrypto, except AES-GCM, which is
 * `node:crypto`'s so that it is synchronous; checked against published
 * test vectors. `noise_handshake.ts` one folder up runs the chat's
 * `Noise_XXpsk3_25519_AESGCM_SHA256` handshake on top of it.
 *
 * @module
 */

export {
  AEAD_TAG_BYTES,
  CIPHER_KEY_BYTES,
  CipherState,
  NOISE_MESSAGE_BYTES_MAX,
  NONCE_RESERVED,
} from "./cipher_state.ts";
export {
  countPskTokens,
  HANDSHAKE_PATTERN_NAMES,
  type HandshakePattern,
  type MessageToken,
  parseHandshakePattern,
  type PreMessageToken,
} from "./handshake_pattern.ts";
export {
  type HandshakeOptions,
  type HandshakeRole,
  HandshakeState,
  PSK_BYTES,
} from "./handshake_state.ts";
export { HASH_BYTES, hkdf } from "./hkdf.ts";
export { NoiseDecryptError } from "./noise_decrypt_error.ts";
export { type NoiseProtocol, parseProtocolName } from "./protocol_name.ts";
export { SymmetricState } from "./symmetric_state.ts";
export { TRANSPORT_PLAINTEXT_BYTES_MAX, TransportState } from "./transport_state.ts";
export { exportX25519PrivateKey, importX25519PrivateKey, x25519SharedSecret } from "./x25519.ts";
