/**
 * Benchmarks of chat signatures: p2pchat's Ed25519 sign and verify (through
 * `node:crypto`) against WebCrypto's, the reference they replace on the hot
 * path. Every peer verifies every chat, so verify is what an encrypted room
 * costs per delivery.
 *
 * Run: `deno bench bench/signature_bench.ts`
 *
 * @module
 */

import {
  generateIdentity,
  signWithIdentity,
  verifyPeerSignature,
} from "../lib/identity/identity.ts";
import { SEND_BATCH_MESSAGES_MAX } from "../lib/runtime/peer_service.ts";
import { signChat, signChats, verifyChat } from "../lib/secure/chat_signature.ts";
import { VerifiedRoots } from "../lib/secure/verified_roots.ts";
import { encodeChatBody } from "../lib/wire/message_encode.ts";

const ann = await generateIdentity();
const body = crypto.getRandomValues(new Uint8Array(200));
const signature = await signWithIdentity(ann, body);
const webKey = await crypto.subtle.importKey(
  "raw",
  new Uint8Array(ann.publicKey),
  "Ed25519",
  false,
  ["verify"],
);
// Warm the key caches, as on a running node.
await verifyPeerSignature(ann.id, body, signature);

Deno.bench("WebCrypto sign, 200 B", { group: "sign", baseline: true }, async () => {
  await crypto.subtle.sign("Ed25519", ann.privateKey, body);
});

Deno.bench("signWithIdentity(), 200 B", { group: "sign" }, async () => {
  await signWithIdentity(ann, body);
});

Deno.bench("WebCrypto verify, 200 B", { group: "verify", baseline: true }, async () => {
  await crypto.subtle.verify("Ed25519", webKey, signature, body);
});

Deno.bench("verifyPeerSignature(), 200 B", { group: "verify" }, async () => {
  await verifyPeerSignature(ann.id, body, signature);
});

// Batch signatures (PROTOCOL.md § 8 chat): what one chat costs a receiver and
// an author when 32 are signed together, against one signature each.
const tag = crypto.getRandomValues(new Uint8Array(32));
const chats = Array.from({ length: SEND_BATCH_MESSAGES_MAX }, (_, i) => {
  const fields = {
    author: ann.id,
    seq: i + 1,
    clock: new Map([[ann.id, i + 1]]),
    nick: "ann",
    text: "x".repeat(100),
    ts: 0,
  };
  return { ...fields, body: encodeChatBody(fields) };
});
const plainSigned = await Promise.all(
  chats.map(async (c) => ({
    ...c,
    signature: await signChat(ann, { roomTag: tag, body: c.body }),
  })),
);
const batchSignatures = await signChats(ann, tag, chats.map((c) => c.body));
const batchSigned = chats.map((c, i) => ({ ...c, signature: batchSignatures[i]! }));
const roots = new VerifiedRoots();
await verifyChat(batchSigned[0]!, tag, roots);

Deno.bench("verifyChat(), plain signature", { group: "chat verify", baseline: true }, async () => {
  await verifyChat(plainSigned[7]!, tag, roots);
});

Deno.bench(
  "verifyChat(), leaf 7 of a batch of 32, root verified",
  { group: "chat verify" },
  async () => {
    await verifyChat(batchSigned[7]!, tag, roots);
  },
);

Deno.bench("signChat() × 32", { group: "chat sign 32", baseline: true }, async () => {
  for (const c of chats) await signChat(ann, { roomTag: tag, body: c.body });
});

Deno.bench("signChats(), a batch of 32", { group: "chat sign 32" }, async () => {
  await signChats(ann, tag, chats.map((c) => c.body));
});
