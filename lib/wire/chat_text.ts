/**
 * A chat's text and its redacted form. The body of a chat carries
 * SHA-256(text) in place of the text, and the text travels next to the body
 * (PROTOCOL.md § 8 chat), so a message whose text was removed — edited or
 * deleted by its author, or kept without text by a local policy — still has
 * the exact body and signature its author made: it verifies, keeps its place
 * in causal order, and can be served to peers that lack it.
 *
 * @module
 */

import { sha256 } from "../secure/sha256.ts";
import { type Amendment, type ChatMessage, TEXT_HASH_BYTES } from "./message.ts";

const encoder = new TextEncoder();
const hashes = new WeakMap<object, Uint8Array>();

/** SHA-256 of the UTF-8 bytes of `text`. */
export function textHash(text: string): Uint8Array {
  return sha256(encoder.encode(text));
}

/** The hash of the empty text: what a delete carries. */
export const EMPTY_TEXT_HASH: Uint8Array = textHash("");

/** The fields {@linkcode chatTextHash} reads. */
export interface ChatTextFields {
  /** The text (empty in the redacted form). */
  readonly text: string;
  /** SHA-256 of the text, when carried (decoded or redacted messages). */
  readonly textHash?: Uint8Array;
  /** Whether the text was removed. */
  readonly redacted?: boolean;
}

/**
 * The text hash of a chat: the one it carries, else SHA-256 of its text
 * (computed once per object). A redacted message must carry one.
 *
 * @throws {RangeError} if a redacted message carries no `textHash` of 32 bytes.
 */
export function chatTextHash(message: ChatTextFields): Uint8Array {
  if (message.textHash !== undefined) return message.textHash;
  if (message.redacted === true) {
    throw new RangeError("Invalid chat: a redacted message must carry its text hash");
  }
  let hash = hashes.get(message);
  if (hash === undefined) {
    hash = textHash(message.text);
    hashes.set(message, hash);
  }
  return hash;
}

/** Whether two byte strings are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `text` is the text whose hash `hash` is. */
export function textMatches(text: string, hash: Uint8Array): boolean {
  return hash.length === TEXT_HASH_BYTES && sameBytes(textHash(text), hash);
}

/**
 * The redacted form of `message`: no text, the same body, signature, clock
 * and text hash. Redacting a redacted message returns it unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatTextHash, redactChat } from "./chat_text.ts";
 *
 * const author = "ab".repeat(32);
 * const message = {
 *   author, seq: 1, clock: new Map([[author, 1]]), nick: "ann", text: "hi", ts: 0,
 *   signature: new Uint8Array(0),
 * };
 * const redacted = redactChat(message);
 * assert.equal(redacted.text, "");
 * assert.deepEqual(chatTextHash(redacted), chatTextHash(message));
 * ```
 */
export function redactChat(message: ChatMessage): ChatMessage {
  if (message.redacted === true) return message;
  return { ...message, text: "", textHash: chatTextHash(message), redacted: true };
}

/** Wire value of each amendment kind (PROTOCOL.md § 8 chat). */
export const AMENDMENT_CODES: Readonly<Record<Amendment["kind"], number>> = Object.freeze({
  edit: 1,
  delete: 2,
});

/**
 * Why `amends` cannot be carried by message `seq` whose text hash is `hash`,
 * or `undefined` when it can: the target must be an earlier sequence number,
 * and a delete's text must be empty.
 */
export function amendmentProblem(
  amends: Amendment,
  seq: number,
  hash: Uint8Array,
): string | undefined {
  if (amends.kind !== "edit" && amends.kind !== "delete") {
    return `amends kind must be edit or delete, got ${String(amends.kind)}`;
  }
  if (!Number.isSafeInteger(amends.target) || amends.target < 1 || amends.target >= seq) {
    return `amends target must be an earlier seq (1 to ${seq - 1}), got ${amends.target}`;
  }
  if (amends.kind === "delete" && !sameBytes(hash, EMPTY_TEXT_HASH)) {
    return "a delete must have an empty text";
  }
  return undefined;
}
