/**
 * What the message encoder and decoder share: the type codes, the hello's
 * magic, the value tables of roles and statuses, the nonce range, the size
 * bound and the error tables ("Cannot decode chat: …"). PROTOCOL.md documents
 * every layout.
 *
 * @module
 */

import { checkUint, type FieldFail as Fail } from "./fields.ts";
import type { AnyMessage, ChatMessage, MemberStatus, Role } from "./message.ts";
import { MESSAGE_OVERHEAD_BYTES, type WireLimits } from "./wire_limits.ts";

/** Second element of every hello: tells a p2pchat peer from anything else. */
export const PROTOCOL_MAGIC = "p2pchat";

/** The type code, first element of every message array. */
export const MESSAGE_TYPE_CODES: Readonly<Record<AnyMessage["type"], number>> = Object.freeze({
  "hello": 1,
  "register": 2,
  "get-peers": 3,
  "peers": 4,
  "member": 5,
  "ping": 6,
  "pong": 7,
  "chat": 8,
  "bye": 9,
  "prune": 10,
  "have": 11,
  "want": 12,
  "skip": 13,
  "probe": 14,
  "probe-ack": 15,
  "direct": 16,
});

/** The fields of a chat message that its encoded body carries (and its signature covers). */
export type ChatBodyFields = Omit<ChatMessage, "signature" | "body">;

/** Roles by their wire value. */
export const ROLES: readonly Role[] = ["peer", "bootstrap"];

/** Member statuses by their wire value. */
export const STATUSES: readonly MemberStatus[] = ["alive", "suspect", "dead"];

const NONCE_LIMIT = 2 ** 32;

/** What an error is about: a message type, or "message" before the type is known. */
export type Subject = AnyMessage["type"] | "message";

/** One failure function per subject: "Cannot `verb` `subject`: `detail`". */
export function failures(
  verb: string,
  make: (message: string, cause: unknown) => Error,
): Record<Subject, Fail> {
  const table = {} as Record<Subject, Fail>;
  for (const subject of [...Object.keys(MESSAGE_TYPE_CODES), "message"] as Subject[]) {
    table[subject] = (detail, cause) => {
      throw make(`Cannot ${verb} ${subject}: ${detail}`, cause);
    };
  }
  return table;
}

/** Checks a ping/probe nonce: an unsigned 32-bit integer. */
export function checkNonce(value: unknown, fail: Fail): number {
  const nonce = checkUint(value, "nonce", fail);
  if (nonce >= NONCE_LIMIT) fail(`nonce ${nonce} does not fit 32 bits`);
  return nonce;
}

/** Largest encoded message: what still fits one frame once encrypted. */
export function messageBytesMax(limits: WireLimits): number {
  return limits.frameBytesMax - MESSAGE_OVERHEAD_BYTES;
}
