/**
 * The secure layer: channels between peers and what is signed or sealed.
 *
 * - `noise_handshake.ts` — `noiseHandshake`, the Noise XXpsk3 handshake with
 *   identity binding, its payload and rejection frames; `noise_transport.ts`
 *   — the `NoiseChannel` it returns. `noise/` holds the Noise primitives.
 * - `plain_channel.ts` — the unencrypted channel; `channel.ts` the contract.
 * - `chat_signature.ts`, `chat_authenticator.ts` — signed chats, alone or
 *   in batches (`merkle_tree.ts`, with `verified_roots.ts` on the way in).
 * - `direct_message.ts` — sealed direct messages (decoded with the wire's
 *   reader), with `direct_key_cache.ts` and `ed25519_to_x25519.ts`.
 * - `identity_binding.ts`, `room_key.ts`, `room_tag.ts` (what signatures and
 *   stores are bound to).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRejection, encodeRejection } from "./mod.ts";
 *
 * assert.equal(decodeRejection(encodeRejection("wrong-secret")), "wrong-secret");
 * ```
 *
 * @module
 */

export * from "./channel.ts";
export * from "./chat_authenticator.ts";
export * from "./chat_signature.ts";
export * from "./direct_message.ts";
export * from "./ed25519_to_x25519.ts";
export * from "./identity_binding.ts";
export * from "./merkle_tree.ts";
export * from "./member_signature.ts";
export * from "./noise_handshake.ts";
export * from "./noise_transport.ts";
export * from "./plain_channel.ts";
export * from "./room_key.ts";
export * from "./room_tag.ts";
export * from "./verified_roots.ts";
