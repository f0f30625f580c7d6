/**
 * What a chat message costs, in bytes, estimated cheaply: the repair budget
 * counts it on the wire, the hold-back queue in memory.
 *
 * @module
 */

import type { ChatMessage } from "../wire/message.ts";

/**
 * The bytes a message costs, estimated from what dominates it: the signed
 * body and the text next to it (none in the redacted form) when it has a
 * body, else its text and nick, plus its clock entries.
 */
export function chatBytesEstimate(message: ChatMessage): number {
  const body = message.body === undefined
    ? message.text.length + message.nick.length
    : message.body.byteLength + message.text.length;
  return 96 + body + 72 * message.clock.size;
}
