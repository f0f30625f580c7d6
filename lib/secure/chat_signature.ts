/**
 * Chat signatures: every chat message is signed by its author, so relays can
 * neither forge nor alter it.
 *
 * Signed bytes: `UTF-8("p2pchat-chat:") ‖ body`, where `body` is the encoded
 * chat body `[author, seq, clock, nick, text, ts]` exactly as it travels (see
 * `encodeChatBody`); relays forward the body byte for byte, so the signature
 * stays valid however many hops it takes. The domain prefix keeps a chat
 * signature from ever verifying as an identity binding, and the reverse.
 *
 * @module
 */

import {
  ED25519_SIGNATURE_BYTES,
  type Identity,
  signWithIdentity,
  verifyPeerSignature,
} from "../identity/identity.ts";
import type { ChatMessage } from "../wire/message.ts";
import { encodeChatBody } from "../wire/message_encode.ts";

/** Domain string that precedes the chat body in the signed bytes. */
export const CHAT_SIGNATURE_DOMAIN = "p2pchat-chat:";

/** Length in bytes of a chat signature (Ed25519). */
export const CHAT_SIGNATURE_BYTES = ED25519_SIGNATURE_BYTES;

const DOMAIN_BYTES = new TextEncoder().encode(CHAT_SIGNATURE_DOMAIN);

function signedBytes(body: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(DOMAIN_BYTES.byteLength + body.byteLength);
  bytes.set(DOMAIN_BYTES);
  bytes.set(body, DOMAIN_BYTES.byteLength);
  return bytes;
}

/**
 * Signs an encoded chat body (from `encodeChatBody`) as its author; returns
 * the 64-byte signature to send with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateIdentity } from "../identity/identity.ts";
 * import { encodeChatBody } from "../wire/message_encode.ts";
 * import { signChat, verifyChat } from "./chat_signature.ts";
 *
 * const me = await generateIdentity();
 * const fields = {
 *   author: me.id, seq: 1, clock: new Map([[me.id, 1]]), nick: "ann", text: "hi", ts: 0,
 * };
 * const body = encodeChatBody(fields);
 * const signature = await signChat(me, body);
 * assert.ok(await verifyChat({ ...fields, body, signature }));
 * ```
 */
export function signChat(identity: Identity, body: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  return signWithIdentity(identity, signedBytes(body));
}

/**
 * Whether `message.signature` is its author's signature over its body. The
 * key is the author's id; the body is `message.body` as received (the codec
 * keeps it byte for byte and derives `author` from it), or, for a message
 * built in memory without one, `encodeChatBody(message)`. Never throws: a
 * missing or malformed signature, or fields that cannot be encoded, give
 * `false`.
 */
export async function verifyChat(message: ChatMessage): Promise<boolean> {
  if (message.signature.byteLength !== CHAT_SIGNATURE_BYTES) return false;
  let body = message.body;
  if (body === undefined) {
    try {
      body = encodeChatBody(message);
    } catch {
      return false;
    }
  }
  return await verifyPeerSignature(message.author, signedBytes(body), message.signature);
}
