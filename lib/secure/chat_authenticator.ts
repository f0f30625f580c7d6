/**
 * The runtime's view of chat signatures, bound to one room: it signs this
 * node's own messages before they are stored and sent, and checks everyone
 * else's on their way in, so that the actor only ever sees authentic chat of
 * its own room.
 *
 * @module
 */

import type { Identity } from "../identity/identity.ts";
import type { ChatMessage } from "../wire/message.ts";
import { encodeChatBody } from "../wire/message_encode.ts";
import { signChats, verifyChat } from "./chat_signature.ts";
import { VerifiedRoots } from "./verified_roots.ts";

/** Signs own chat messages and verifies others', for one room. */
export interface ChatAuthenticator {
  /** The author whose messages this node signs: itself. */
  readonly selfId: string;
  /** Returns `message` with its body encoded and signed for the room. */
  sign(message: ChatMessage): Promise<ChatMessage>;
  /**
   * Returns `messages` with their bodies encoded and signed for the room as
   * one batch (one signature over their Merkle root; a batch of one is signed
   * as `sign` signs it).
   */
  signBatch(messages: readonly ChatMessage[]): Promise<ChatMessage[]>;
  /** Whether a received message carries its author's valid signature over its body, for the room. */
  verify(message: ChatMessage): Promise<boolean>;
}

/** An authenticator for `identity` in the room whose tag is `roomTag` (`room_tag.ts`). */
export function chatAuthenticator(identity: Identity, roomTag: Uint8Array): ChatAuthenticator {
  const tag = roomTag.slice();
  const roots = new VerifiedRoots();
  const signBatch = async (messages: readonly ChatMessage[]): Promise<ChatMessage[]> => {
    const bodies = messages.map((message) => message.body ?? encodeChatBody(message));
    const signatures = await signChats(identity, tag, bodies);
    return messages.map((message, i) => ({
      ...message,
      body: bodies[i]!,
      signature: signatures[i]!,
    }));
  };
  return {
    selfId: identity.id,
    sign: async (message) => (await signBatch([message]))[0]!,
    signBatch,
    verify: (message) => verifyChat(message, tag, roots),
  };
}
