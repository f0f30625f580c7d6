/**
 * The runtime's view of chat signatures: it signs this node's own messages
 * on their way out and checks everyone else's on their way in, so that the
 * actor only ever sees authentic chat.
 *
 * @module
 */

import type { Identity } from "../identity/identity.ts";
import type { ChatMessage } from "../wire/message.ts";
import { encodeChatBody } from "../wire/message_encode.ts";
import { signChat, verifyChat } from "./chat_signature.ts";

/** Signs own chat messages and verifies others'. */
export interface ChatAuthenticator {
  /** The author whose messages this node signs: itself. */
  readonly selfId: string;
  /** Returns `message` with its body encoded and signed. */
  sign(message: ChatMessage): Promise<ChatMessage>;
  /** Whether a received message carries its author's valid signature over its body. */
  verify(message: ChatMessage): Promise<boolean>;
}

/**
 * An authenticator for `identity`. Ed25519 signatures are deterministic, so
 * signing a stored message again (after a restart) gives the same bytes.
 */
export function chatAuthenticator(identity: Identity): ChatAuthenticator {
  return {
    selfId: identity.id,
    async sign(message: ChatMessage): Promise<ChatMessage> {
      const body = message.body ?? encodeChatBody(message);
      return { ...message, body, signature: await signChat(identity, body) };
    },
    verify: verifyChat,
  };
}
