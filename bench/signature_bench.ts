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
