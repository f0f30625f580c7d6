import assert from "node:assert/strict";
import { SymmetricState } from "../../../lib/secure/noise/symmetric_state.ts";
import { NoiseDecryptError } from "../../../lib/secure/noise/noise_decrypt_error.ts";

async function sha256(...parts: Uint8Array[]): Promise<string> {
  const data = Uint8Array.of(...parts.flatMap((part) => [...part]));
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data)).toHex();
}

Deno.test("SymmetricState.initialize() zero-pads a name of at most 32 bytes", async () => {
  const name = "Noise_XX_25519_AESGCM_SHA256";
  const state = await SymmetricState.initialize(name);
  const expected = new Uint8Array(32);
  expected.set(new TextEncoder().encode(name));
  assert.deepEqual(state.handshakeHash, expected);
  assert.equal(state.hasKey, false);
  const exact = "Noise_XXpsk3_25519_AESGCM_SHA256"; // exactly 32 bytes: used as is
  assert.deepEqual(
    (await SymmetricState.initialize(exact)).handshakeHash,
    new TextEncoder().encode(exact),
  );
});

Deno.test("SymmetricState.initialize() hashes a name longer than 32 bytes", async () => {
  const name = "Noise_NNpsk0+psk2_25519_AESGCM_SHA256";
  const state = await SymmetricState.initialize(name);
  assert.equal(state.handshakeHash.toHex(), await sha256(new TextEncoder().encode(name)));
});

Deno.test("SymmetricState.mixHash() sets h = SHA-256(h ‖ data)", async () => {
  const state = await SymmetricState.initialize("Noise_NN_25519_AESGCM_SHA256");
  const before = state.handshakeHash;
  const data = Uint8Array.of(1, 2, 3);
  await state.mixHash(data);
  assert.equal(state.handshakeHash.toHex(), await sha256(before, data));
});

Deno.test("SymmetricState.encryptAndHash() passes through before MixKey and encrypts after", async () => {
  const a = await SymmetricState.initialize("Noise_NN_25519_AESGCM_SHA256");
  const b = await SymmetricState.initialize("Noise_NN_25519_AESGCM_SHA256");
  const plaintext = new TextEncoder().encode("payload");
  const clear = await a.encryptAndHash(plaintext);
  assert.deepEqual(clear, plaintext);
  assert.deepEqual(await b.decryptAndHash(clear), plaintext);
  const ikm = new Uint8Array(32).fill(5);
  await a.mixKey(ikm);
  await b.mixKey(ikm);
  assert.equal(a.hasKey, true);
  const sealed = await a.encryptAndHash(plaintext);
  assert.equal(sealed.byteLength, plaintext.byteLength + 16);
  assert.deepEqual(await b.decryptAndHash(sealed), plaintext);
  assert.deepEqual(a.handshakeHash, b.handshakeHash);
});

Deno.test("SymmetricState.decryptAndHash() rejects a ciphertext bound to another h", async () => {
  const a = await SymmetricState.initialize("Noise_NN_25519_AESGCM_SHA256");
  const b = await SymmetricState.initialize("Noise_NN_25519_AESGCM_SHA256");
  for (const state of [a, b]) await state.mixKeyAndHash(new Uint8Array(32));
  await a.mixHash(Uint8Array.of(1));
  await assert.rejects(
    b.decryptAndHash(await a.encryptAndHash(Uint8Array.of(1))),
    NoiseDecryptError,
  );
});

Deno.test("SymmetricState.split() yields matching cipher states on both sides", async () => {
  const a = await SymmetricState.initialize("Noise_NN_25519_AESGCM_SHA256");
  const b = await SymmetricState.initialize("Noise_NN_25519_AESGCM_SHA256");
  for (const state of [a, b]) await state.mixKey(new Uint8Array(32).fill(3));
  const [a1, a2] = await a.split();
  const [b1, b2] = await b.split();
  const message = Uint8Array.of(9, 9);
  assert.deepEqual(
    await b1.decryptWithAd(new Uint8Array(0), await a1.encryptWithAd(new Uint8Array(0), message)),
    message,
  );
  assert.deepEqual(
    await a2.decryptWithAd(new Uint8Array(0), await b2.encryptWithAd(new Uint8Array(0), message)),
    message,
  );
  const c1 = await a1.encryptWithAd(new Uint8Array(0), message);
  const c2 = await a2.encryptWithAd(new Uint8Array(0), message);
  assert.notDeepEqual(c1, c2);
});
