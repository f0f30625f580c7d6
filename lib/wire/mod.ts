/**
 * The wire layer: how p2pchat messages become bytes and back. One codec path:
 *
 * - `frame_codec.ts` — length-prefixed frames (`encodeFrame`, `FrameDecoder`);
 *   the 4-byte big-endian length is coded once, in `bytes.ts`.
 * - `msgpack_reader.ts` / `msgpack_writer.ts` — the one strict MessagePack
 *   reader (types, depth, UTF-8 and safe-int rules) and the one writer.
 * - `fields.ts` — the field rules (nick, text, ids, ints, the one
 *   control-character pattern), shared with secure/, cli/ and ui/.
 * - `message_decode.ts` / `message_encode.ts` — every message, with the chat
 *   fast path as a branch over the same reader; `message_layout.ts` holds the
 *   type codes and the chat body's layout they share.
 * - `batch_signature.ts` — the layout of a chat's batch signature;
 * - `message.ts`, `wire_limits.ts`, `address.ts`, `hex.ts`,
 *   `peer_id_interner.ts`, `protocol_error.ts`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeMessage, encodeFrame, encodeMessage, FrameDecoder } from "./mod.ts";
 *
 * const frame = encodeFrame(encodeMessage({ type: "ping", nonce: 1 }));
 * const [payload] = new FrameDecoder().push(frame);
 * assert.deepEqual(decodeMessage(payload!), { type: "ping", nonce: 1 });
 * ```
 *
 * @module
 */

export * from "./address.ts";
export * from "./batch_signature.ts";
export * from "./bytes.ts";
export * from "./chat_text.ts";
export * from "./fields.ts";
export * from "./frame_codec.ts";
export * from "./hex.ts";
export * from "./message.ts";
export { decodeChatFast, decodeMessage } from "./message_decode.ts";
export { encodeChatBody, encodeMessage } from "./message_encode.ts";
export { type ChatBodyFields, MESSAGE_TYPE_CODES, PROTOCOL_MAGIC } from "./message_layout.ts";
export * from "./msgpack_reader.ts";
export * from "./msgpack_writer.ts";
export * from "./peer_id_interner.ts";
export * from "./protocol_error.ts";
export * from "./wire_limits.ts";
