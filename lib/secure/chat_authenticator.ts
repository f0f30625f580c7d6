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
import { signChat, verifyChat } from "./chat_signature.ts";

/** Signs own chat messages and verifies others', for one room. */
export interface ChatAuthenticator {
  /** The author whose messages this node signs: itself. */
  readonly selfId: string;
  /** Returns `message` with its body encoded and signed for the room. */
  sign(message: ChatMessage): Promise<ChatMessage>;
  /** Whether a received message carries its author's valid signature over its body, for the room. */
  verify(message: ChatMessage): Promise<boolean>;
}

/** An authenticator for `identity` in the room whose tag is `roomTag` (`room_tag.ts`). */
export function chatAuthenticator(identity: Identity, roomTag: Uint8Array): ChatAuthenticator {
  const tag = roomTag.slice();
  return {
    selfId: identity.id,
    async sign(message: ChatMessage): Promise<ChatMessage> {
      const body = message.body ?? encodeChatBody(message);
      return { ...message, body, signature: await signChat(identity, { roomTag: tag, body }) };
    },
    verify: (message) => verifyChat(message, tag),
  };
}
