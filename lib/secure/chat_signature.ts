/**
 * Chat signatures: every chat message is signed by its author for one room,
 * so relays can neither forge nor alter it, and nobody can replay it in
 * another room.
 *
 * Signed bytes: `UTF-8("p2pchat-room-chat:") ‖ roomTag ‖ body`, where
 * `roomTag` is the 32-byte tag of the room (`room_tag.ts`) and `body` is the
 * encoded chat body `[author, seq, clock, nick, text, ts]` exactly as it
 * travels (see `encodeChatBody`); relays forward the body byte for byte, so
 * the signature stays valid however many hops it takes. The domain prefix
 * keeps a chat signature from ever verifying as an identity binding, and the
 * reverse; the tag keeps a member of two rooms from carrying one room's chat
 * into the other.
 *
 * Several messages of one author can share one signature instead
 * (`batch_signature.ts`): the author signs
 * `UTF-8("p2pchat-room-chat-batch:") ‖ roomTag ‖ root`, the root of the
 * Merkle tree over their bodies (`merkle_tree.ts`), and each message carries
 * that signature with its audit path. A batch of one is a plain signature,
 * byte for byte.
 *
 * @module
 */

import {
  ED25519_SIGNATURE_BYTES,
  type Identity,
  signWithIdentity,
  verifyPeerSignature,
} from "../identity/identity.ts";
import {
  BATCH_HEADER_BYTES,
  batchPosition,
  encodeBatchSignature,
} from "../wire/batch_signature.ts";
import type { ChatMessage } from "../wire/message.ts";
import { encodeChatBody } from "../wire/message_encode.ts";
import { merkleLeafHash, merkleRootOfLeafInto, merkleTree } from "./merkle_tree.ts";
import { ROOM_TAG_BYTES } from "./room_tag.ts";
import type { VerifiedRoots } from "./verified_roots.ts";

/** Domain string that precedes the room tag and the chat body in the signed bytes. */
export const CHAT_SIGNATURE_DOMAIN = "p2pchat-room-chat:";

/** Length in bytes of a chat signature (Ed25519). */
export const CHAT_SIGNATURE_BYTES = ED25519_SIGNATURE_BYTES;

/** Domain string that precedes the room tag and a batch's Merkle root in the signed bytes. */
export const CHAT_BATCH_SIGNATURE_DOMAIN = "p2pchat-room-chat-batch:";

const DOMAIN_BYTES = new TextEncoder().encode(CHAT_SIGNATURE_DOMAIN);
const BATCH_DOMAIN_BYTES = new TextEncoder().encode(CHAT_BATCH_SIGNATURE_DOMAIN);

/** What a chat signature covers: the room and the encoded body. */
export interface SignedChat {
  /** The room's 32-byte tag (`roomTag` or `plainRoomTag`). */
  readonly roomTag: Uint8Array;
  /** The encoded chat body, from `encodeChatBody`. */
  readonly body: Uint8Array;
}

/**
 * The bytes a chat signature covers: `"p2pchat-room-chat:" ‖ roomTag ‖ body`.
 *
 * @throws {RangeError} if the tag is not 32 bytes.
 */
export function chatSignedBytes({ roomTag, body }: SignedChat): Uint8Array<ArrayBuffer> {
  if (roomTag.byteLength !== ROOM_TAG_BYTES) {
    throw new RangeError(
      `Invalid room tag: ${roomTag.byteLength} bytes, expected ${ROOM_TAG_BYTES}`,
    );
  }
  const bytes = new Uint8Array(DOMAIN_BYTES.byteLength + ROOM_TAG_BYTES + body.byteLength);
  bytes.set(DOMAIN_BYTES);
  bytes.set(roomTag, DOMAIN_BYTES.byteLength);
  bytes.set(body, DOMAIN_BYTES.byteLength + ROOM_TAG_BYTES);
  return bytes;
}

/**
 * The bytes a batch signature covers: `"p2pchat-room-chat-batch:" ‖ roomTag ‖ root`.
 *
 * @throws {RangeError} if the tag or the root is not 32 bytes.
 */
export function batchRootSignedBytes(
  roomTag: Uint8Array,
  root: Uint8Array,
): Uint8Array<ArrayBuffer> {
  if (roomTag.byteLength !== ROOM_TAG_BYTES || root.byteLength !== 32) {
    throw new RangeError(
      `Invalid batch root: tag ${roomTag.byteLength} and root ${root.byteLength} bytes, expected 32`,
    );
  }
  const bytes = new Uint8Array(BATCH_DOMAIN_BYTES.byteLength + ROOM_TAG_BYTES + 32);
  bytes.set(BATCH_DOMAIN_BYTES);
  bytes.set(roomTag, BATCH_DOMAIN_BYTES.byteLength);
  bytes.set(root, BATCH_DOMAIN_BYTES.byteLength + ROOM_TAG_BYTES);
  return bytes;
}

/**
 * Signs an encoded chat body (from `encodeChatBody`) as its author, for the
 * room `roomTag`; returns the 64-byte signature to send with it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateIdentity } from "../identity/identity.ts";
 * import { encodeChatBody } from "../wire/message_encode.ts";
 * import { signChat, verifyChat } from "./chat_signature.ts";
 * import { publicRoomKey } from "./room_key.ts";
 * import { roomTag } from "./room_tag.ts";
 *
 * const me = await generateIdentity();
 * const lobby = await roomTag(await publicRoomKey("lobby"));
 * const other = await roomTag(await publicRoomKey("other"));
 * const fields = {
 *   author: me.id, seq: 1, clock: new Map([[me.id, 1]]), nick: "ann", text: "hi", ts: 0,
 * };
 * const body = encodeChatBody(fields);
 * const signature = await signChat(me, { roomTag: lobby, body });
 * assert.ok(await verifyChat({ ...fields, body, signature }, lobby));
 * assert.ok(!(await verifyChat({ ...fields, body, signature }, other)));
 * ```
 */
export async function signChat(
  identity: Identity,
  signed: SignedChat,
): Promise<Uint8Array<ArrayBuffer>> {
  return await signWithIdentity(identity, chatSignedBytes(signed));
}

/**
 * Signs several encoded chat bodies of one author at once, for the room
 * `roomTag`: one Ed25519 signature over their Merkle root, and for each body
 * the batch signature that carries it with the body's audit path (in the
 * order given). One body gets a plain signature, exactly as
 * {@linkcode signChat} makes it.
 *
 * @throws {RangeError} if there are no bodies, or more than a batch holds
 * (`CHAT_BATCH_MESSAGES_MAX`).
 */
export async function signChats(
  identity: Identity,
  roomTag: Uint8Array,
  bodies: readonly Uint8Array[],
): Promise<Uint8Array<ArrayBuffer>[]> {
  if (bodies.length === 1) return [await signChat(identity, { roomTag, body: bodies[0]! })];
  const { root, paths } = merkleTree(bodies.map(merkleLeafHash));
  const rootSignature = await signWithIdentity(identity, batchRootSignedBytes(roomTag, root));
  return paths.map((path, index) =>
    encodeBatchSignature({ rootSignature, index, count: bodies.length, path })
  );
}

/**
 * Whether `message.signature` is its author's signature over its body in
 * the room `roomTag`: a plain one, or a batch signature whose audit path
 * leads from the body to a root the author signed. The key is the author's
 * id; the body is `message.body` as received (the codec keeps it byte for
 * byte and derives `author` from it), or, for a message built in memory
 * without one, `encodeChatBody(message)`. With `roots`, a batch root is
 * verified once and its verdict reused. Never throws: a missing or malformed
 * signature, or fields that cannot be encoded, give `false`.
 */
export async function verifyChat(
  message: ChatMessage,
  roomTag: Uint8Array,
  roots?: VerifiedRoots,
): Promise<boolean> {
  if (roomTag.byteLength !== ROOM_TAG_BYTES) return false;
  let body = message.body;
  if (body === undefined) {
    try {
      body = encodeChatBody(message);
    } catch {
      return false;
    }
  }
  if (message.signature.byteLength === CHAT_SIGNATURE_BYTES) {
    return await verifyPeerSignature(
      message.author,
      chatSignedBytes({ roomTag, body }),
      message.signature,
    );
  }
  const signature = message.signature;
  const position = batchPosition(signature);
  if (position === undefined) return false;
  // Most batch-signed chats are settled by the cache: reach the root in a
  // scratch buffer and copy nothing unless the root must be verified.
  if (!merkleRootOfLeafInto(body, position, signature, BATCH_HEADER_BYTES, ROOT_SCRATCH)) {
    return false;
  }
  const rootSignature = signature.subarray(0, ED25519_SIGNATURE_BYTES);
  if (roots === undefined) return await verifyRoot(message.author, roomTag, rootSignature);
  // Everything the verdict depends on is in the key: a forged signature for
  // a real root, or a real one in another room, must not borrow its verdict.
  const key = `${message.author}:${roomTag.toHex()}:${ROOT_SCRATCH.toHex()}:` +
    rootSignature.toHex();
  // verdict() calls this at once on a miss, before the scratch is reused.
  return await roots.verdict(key, () => verifyRoot(message.author, roomTag, rootSignature));
}

/** Where {@linkcode verifyChat} reaches a batch's root (overwritten by the next call). */
const ROOT_SCRATCH = new Uint8Array(32);

/** Verifies the root in {@linkcode ROOT_SCRATCH}, copying it and the signature first. */
function verifyRoot(
  author: string,
  roomTag: Uint8Array,
  rootSignature: Uint8Array,
): Promise<boolean> {
  return verifyPeerSignature(
    author,
    batchRootSignedBytes(roomTag, ROOT_SCRATCH),
    rootSignature.slice(),
  );
}
