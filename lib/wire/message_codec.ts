/**
 * The message codec: MessagePack encoding and validated decoding of every
 * protocol message (PROTOCOL.md documents each layout). The work is in
 * `message_decode.ts` (general path and chat fast path) and
 * `message_encode.ts`, over the one reader and writer of this folder; this
 * module is the import path the rest of the node uses.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeMessage, encodeMessage } from "./message_codec.ts";
 *
 * const message = decodeMessage(encodeMessage({ type: "ping", nonce: 7 }));
 * assert.ok(message.type === "ping" && message.nonce === 7);
 * ```
 *
 * @module
 */

export { decodeChatFast, decodeMessage } from "./message_decode.ts";
export { encodeChatBody, encodeMessage } from "./message_encode.ts";
export { type ChatBodyFields, MESSAGE_TYPE_CODES, PROTOCOL_MAGIC } from "./message_layout.ts";
export { isPeerId } from "./fields.ts";
export { SIGNATURE_BYTES } from "./message.ts";
export { ARRAY_DEPTH_MAX } from "./msgpack_reader.ts";
