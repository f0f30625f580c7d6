import assert from "node:assert/strict";
import { generateIdentity, verifyPeerSignature } from "../../lib/identity/identity.ts";
import { signChat } from "../../lib/secure/chat_signature.ts";
import { BINDING_DOMAIN, signBinding, verifyBinding } from "../../lib/secure/identity_binding.ts";
import { generateX25519KeyPair } from "../../lib/identity/x25519_key_pair.ts";

Deno.test("verifyBinding() accepts the identity's binding of its static key", async () => {
  const ann = await generateIdentity();
  const { publicKey } = await generateX25519KeyPair();
  const signature = await signBinding(ann, publicKey);
  assert.equal(signature.byteLength, 64);
  assert.equal(await verifyBinding(ann.id, publicKey, signature), true);
});

Deno.test("signBinding() signs the documented bytes: domain ‖ static key", async () => {
  const ann = await generateIdentity();
  const { publicKey } = await generateX25519KeyPair();
  const signature = await signBinding(ann, publicKey);
  const signed = new Uint8Array([...new TextEncoder().encode(BINDING_DOMAIN), ...publicKey]);
  assert.equal(BINDING_DOMAIN, "p2pchat-noise-static-key:");
  assert.equal(await verifyPeerSignature(ann.id, signed, signature), true);
});

Deno.test("verifyBinding() rejects another key, another id and a chat signature", async () => {
  const ann = await generateIdentity();
  const bob = await generateIdentity();
  const annKey = (await generateX25519KeyPair()).publicKey;
  const bobKey = (await generateX25519KeyPair()).publicKey;
  const annBinding = await signBinding(ann, annKey);
  assert.equal(await verifyBinding(ann.id, bobKey, annBinding), false);
  assert.equal(await verifyBinding(bob.id, annKey, annBinding), false);
  // Domain separation: a chat signature over the same 32 bytes is not a binding.
  assert.equal(
    await verifyBinding(
      ann.id,
      annKey,
      await signChat(ann, { roomTag: new Uint8Array(32), body: annKey }),
    ),
    false,
  );
  assert.equal(await verifyBinding(ann.id, annKey.subarray(1), annBinding), false);
  assert.equal(await verifyBinding("not hex", annKey, annBinding), false);
  await assert.rejects(signBinding(ann, annKey.subarray(1)), RangeError);
});
