import assert from "node:assert/strict";
import { generateIdentity } from "../../lib/identity/identity.ts";
import { signChat, verifyChat } from "../../lib/secure/chat_signature.ts";
import { publicRoomKey } from "../../lib/secure/room_key.ts";
import { roomTag } from "../../lib/secure/room_tag.ts";
import {
  amendmentProblem,
  chatTextHash,
  EMPTY_TEXT_HASH,
  redactChat,
  textHash,
} from "../../lib/wire/chat_text.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { encodeChatBody, encodeMessage } from "../../lib/wire/message_encode.ts";

const LOBBY = await roomTag(await publicRoomKey("lobby"));

async function signed(text: string, extra: Partial<ChatMessage> = {}): Promise<ChatMessage> {
  const ann = await generateIdentity();
  const fields = {
    author: ann.id,
    seq: 3,
    clock: new Map([[ann.id, 3]]),
    nick: "ann",
    text,
    ts: 5,
    signature: new Uint8Array(0),
    ...extra,
  };
  const body = encodeChatBody(fields);
  return { ...fields, body, signature: await signChat(ann, { roomTag: LOBBY, body }) };
}

function roundTrip(message: ChatMessage): ChatMessage {
  const decoded = decodeMessage(encodeMessage({ type: "chat", message }));
  assert.ok(decoded.type === "chat");
  return decoded.message;
}

Deno.test("redactChat() keeps body, signature and text hash, and the redacted form still verifies after the wire", async () => {
  const message = roundTrip(await signed("a secret"));
  assert.ok(await verifyChat(message, LOBBY));
  const redacted = redactChat(message);
  assert.equal(redacted.text, "");
  assert.equal(redacted.redacted, true);
  assert.deepEqual(redacted.body, message.body);
  assert.deepEqual(chatTextHash(redacted), textHash("a secret"));
  const wire = encodeMessage({ type: "chat", message: redacted });
  // No byte of the text is left on the wire.
  assert.ok(!new TextDecoder().decode(wire).includes("a secret"));
  const received = roundTrip(redacted);
  assert.equal(received.redacted, true);
  assert.equal(received.text, "");
  assert.deepEqual(received.clock, message.clock);
  assert.ok(await verifyChat(received, LOBBY));
  assert.equal(redactChat(received), received);
});

Deno.test("encodeMessage() writes the redacted form as [8, body, signature, repair] and the full one with the text last", async () => {
  const message = await signed("hi");
  const full = encodeMessage({ type: "chat", message, repair: true });
  const redacted = encodeMessage({ type: "chat", message: redactChat(message), repair: true });
  assert.equal(full[0], 0x95);
  assert.equal(redacted[0], 0x94);
  assert.deepEqual([...full.subarray(full.length - 3)], [0xa2, 0x68, 0x69]);
  assert.equal(redacted[redacted.length - 1], 1);
});

Deno.test("an edit and a delete round-trip with their target and still verify", async () => {
  const edit = roundTrip(await signed("better", { amends: { kind: "edit", target: 2 } }));
  assert.deepEqual(edit.amends, { kind: "edit", target: 2 });
  assert.ok(await verifyChat(edit, LOBBY));
  const del = roundTrip(await signed("", { amends: { kind: "delete", target: 1 } }));
  assert.deepEqual(del.amends, { kind: "delete", target: 1 });
  assert.ok(await verifyChat(redactChat(del), LOBBY));
});

Deno.test("amendmentProblem() names a later target and a delete with text", () => {
  assert.equal(amendmentProblem({ kind: "edit", target: 2 }, 3, textHash("x")), undefined);
  assert.match(amendmentProblem({ kind: "edit", target: 3 }, 3, textHash("x"))!, /earlier seq/);
  assert.match(amendmentProblem({ kind: "edit", target: 0 }, 3, textHash("x"))!, /earlier seq/);
  assert.match(amendmentProblem({ kind: "delete", target: 1 }, 3, textHash("x"))!, /empty text/);
  assert.equal(amendmentProblem({ kind: "delete", target: 1 }, 3, EMPTY_TEXT_HASH), undefined);
});

Deno.test("verifyChat() refuses a message whose text was swapped after signing", async () => {
  const message = await signed("hi");
  // In memory (no body) the body is encoded from the fields: the new hash fails.
  const { body: _body, ...fields } = message;
  assert.ok(!(await verifyChat({ ...fields, text: "ho" }, LOBBY)));
  assert.ok(await verifyChat(fields, LOBBY));
});
