import assert from "node:assert/strict";
import { generateIdentity, verifyPeerSignature } from "../../lib/identity/identity.ts";
import {
  CHAT_SIGNATURE_DOMAIN,
  signChat,
  signChats,
  verifyChat,
} from "../../lib/secure/chat_signature.ts";
import { VerifiedRoots } from "../../lib/secure/verified_roots.ts";
import { bytesToHex } from "../../lib/wire/hex.ts";
import { signBinding } from "../../lib/secure/identity_binding.ts";
import { publicRoomKey, type RoomKey } from "../../lib/secure/room_key.ts";
import { plainRoomTag, roomTag } from "../../lib/secure/room_tag.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { encodeChatBody, encodeMessage } from "../../lib/wire/message_encode.ts";
import { type ChatBodyFields } from "../../lib/wire/message_layout.ts";

const LOBBY = await roomTag(await publicRoomKey("lobby"));

/** Encodes, signs, and decodes again: the chat as a receiving peer sees it. */
async function received(
  fields: ChatBodyFields,
  sign: (body: Uint8Array) => Promise<Uint8Array>,
): Promise<ChatMessage> {
  const body = encodeChatBody(fields);
  const wire = encodeMessage({
    type: "chat",
    message: { ...fields, body, signature: await sign(body) },
  });
  const message = decodeMessage(wire);
  assert.ok(message.type === "chat");
  return message.message;
}

Deno.test("verifyChat() accepts a chat signed by its author, as received from the wire", async () => {
  const ann = await generateIdentity();
  const fields = {
    author: ann.id,
    seq: 1,
    clock: new Map([[ann.id, 1]]),
    nick: "ann",
    text: "hi",
    ts: 5,
  };
  const message = await received(fields, (body) => signChat(ann, { roomTag: LOBBY, body }));
  assert.equal(message.signature.byteLength, 64);
  assert.equal(await verifyChat(message, LOBBY), true);
});

Deno.test("signChat() signs the documented bytes: domain ‖ room tag ‖ body", async () => {
  const ann = await generateIdentity();
  const body = encodeChatBody({
    author: ann.id,
    seq: 1,
    clock: new Map([[ann.id, 1]]),
    nick: "ann",
    text: "hi",
    ts: 5,
  });
  const signature = await signChat(ann, { roomTag: LOBBY, body });
  const signed = new Uint8Array([
    ...new TextEncoder().encode(CHAT_SIGNATURE_DOMAIN),
    ...LOBBY,
    ...body,
  ]);
  assert.equal(CHAT_SIGNATURE_DOMAIN, "p2pchat-room-chat:");
  assert.equal(await verifyPeerSignature(ann.id, signed, signature), true);
});

Deno.test("verifyChat() rejects an altered body, another signer and a missing signature", async () => {
  const ann = await generateIdentity();
  const bob = await generateIdentity();
  const fields = {
    author: ann.id,
    seq: 1,
    clock: new Map([[ann.id, 1]]),
    nick: "ann",
    text: "hi",
    ts: 5,
  };
  const genuine = await received(fields, (body) => signChat(ann, { roomTag: LOBBY, body }));
  // A relay changes the text but keeps the signature.
  const altered = await received(
    { ...fields, text: "ho" },
    () => Promise.resolve(genuine.signature),
  );
  assert.equal(await verifyChat(altered, LOBBY), false);
  // Bob signs a message claiming to be Ann's.
  assert.equal(
    await verifyChat(
      await received(fields, (body) => signChat(bob, { roomTag: LOBBY, body })),
      LOBBY,
    ),
    false,
  );
  // Unsigned.
  assert.equal(
    await verifyChat(await received(fields, () => Promise.resolve(new Uint8Array(0))), LOBBY),
    false,
  );
  // A binding signature over the body's bytes is not a chat signature.
  const body = encodeChatBody(fields);
  assert.equal(
    await verifyChat(
      { ...fields, body, signature: await signBinding(ann, body.subarray(0, 32)) },
      LOBBY,
    ),
    false,
  );
});

Deno.test("verifyChat() encodes the body itself for a message built in memory", async () => {
  const ann = await generateIdentity();
  const fields = {
    author: ann.id,
    seq: 2,
    clock: new Map([[ann.id, 2]]),
    nick: "ann",
    text: "x",
    ts: 0,
  };
  const signature = await signChat(ann, { roomTag: LOBBY, body: encodeChatBody(fields) });
  assert.equal(await verifyChat({ ...fields, signature }, LOBBY), true);
  assert.equal(await verifyChat({ ...fields, text: "y", signature }, LOBBY), false);
  // Fields that cannot be encoded give false, not an exception.
  assert.equal(await verifyChat({ ...fields, seq: 0, signature }, LOBBY), false);
});

Deno.test("verifyChat() refuses a chat signed for another room: no cross-room replay", async () => {
  const ann = await generateIdentity();
  const fields = {
    author: ann.id,
    seq: 1,
    clock: new Map([[ann.id, 1]]),
    nick: "ann",
    text: "for the private room only",
    ts: 5,
  };
  const secret: RoomKey = {
    room: "lobby",
    psk: new Uint8Array(32).fill(7),
    isPublic: false,
    source: "secret",
  };
  const privateTag = await roomTag(secret);
  const message = await received(fields, (body) => signChat(ann, { roomTag: privateTag, body }));
  assert.equal(await verifyChat(message, privateTag), true);
  // Same name, public key; another name; the plain room of the same name.
  assert.equal(await verifyChat(message, LOBBY), false);
  assert.equal(await verifyChat(message, await roomTag(await publicRoomKey("other"))), false);
  assert.equal(await verifyChat(message, await plainRoomTag("lobby")), false);
  // A tag of the wrong length verifies nothing, and signing with one is misuse.
  assert.equal(await verifyChat(message, privateTag.subarray(1)), false);
  await assert.rejects(
    signChat(ann, { roomTag: new Uint8Array(31), body: new Uint8Array(1) }),
    RangeError,
  );
});

/** The fields of `author`'s message `seq`, alone in its clock. */
const ownChat = (author: string, seq: number, text: string): ChatBodyFields => ({
  author,
  seq,
  clock: new Map([[author, seq]]),
  nick: "ann",
  text,
  ts: seq,
});

Deno.test("signChats() signs a batch once; each message verifies alone, from the wire, with or without a cache", async () => {
  const ann = await generateIdentity();
  const fields = [1, 2, 3, 4, 5].map((seq) => ownChat(ann.id, seq, `m${seq}`));
  const bodies = fields.map((f) => encodeChatBody(f));
  const signatures = await signChats(ann, LOBBY, bodies);
  assert.equal(new Set(signatures.map((s) => bytesToHex(s.subarray(0, 64)))).size, 1);
  const roots = new VerifiedRoots();
  for (const [i, f] of fields.entries()) {
    const message = await received(f, () => Promise.resolve(signatures[i]!));
    assert.ok(message.signature.byteLength > 64);
    assert.ok(await verifyChat(message, LOBBY));
    assert.ok(await verifyChat(message, LOBBY, roots));
    assert.ok(!(await verifyChat(message, await plainRoomTag("lobby"), roots)), "another room");
    const swapped = { ...message, signature: signatures[(i + 1) % 5]! };
    assert.ok(!(await verifyChat(swapped, LOBBY, roots)), "another message's path");
  }
  assert.equal(roots.size, 1);
});

Deno.test("signChats() of one body is signChat() byte for byte", async () => {
  const ann = await generateIdentity();
  const body = encodeChatBody(ownChat(ann.id, 1, "hi"));
  assert.deepEqual(await signChats(ann, LOBBY, [body]), [
    await signChat(ann, { roomTag: LOBBY, body }),
  ]);
});

Deno.test("verifyChat() refuses a batch root signed by someone else, and does not cache the forgery", async () => {
  const [ann, eve] = [await generateIdentity(), await generateIdentity()];
  const fields = [1, 2].map((seq) => ownChat(ann.id, seq, "x"));
  const forged = await signChats(eve, LOBBY, fields.map((f) => encodeChatBody(f)));
  const roots = new VerifiedRoots();
  const message = await received(fields[0]!, () => Promise.resolve(forged[0]!));
  assert.ok(!(await verifyChat(message, LOBBY, roots)));
  assert.equal(roots.size, 0);
  // The real batch over the same bodies still verifies: the forgery took no verdict's place.
  const real = await signChats(ann, LOBBY, fields.map((f) => encodeChatBody(f)));
  assert.ok(
    await verifyChat(await received(fields[0]!, () => Promise.resolve(real[0]!)), LOBBY, roots),
  );
  // A real root with a forged signature is refused, though the real one is cached.
  const mixed = new Uint8Array(real[1]!);
  mixed.set(forged[1]!.subarray(0, 64));
  assert.ok(
    !(await verifyChat(await received(fields[1]!, () => Promise.resolve(mixed)), LOBBY, roots)),
  );
});

Deno.test("verifyChat() refuses a signature neither plain nor a well-formed batch", async () => {
  const ann = await generateIdentity();
  const message = ownChat(ann.id, 1, "x");
  for (const length of [0, 63, 65, 100, 132]) {
    assert.ok(!(await verifyChat({ ...message, signature: new Uint8Array(length) }, LOBBY)));
  }
});
