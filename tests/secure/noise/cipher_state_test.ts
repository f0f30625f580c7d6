import assert from "node:assert/strict";
import { CipherState, NONCE_RESERVED } from "../../../lib/secure/noise/cipher_state.ts";
import { NoiseDecryptError } from "../../../lib/secure/noise/noise_decrypt_error.ts";

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i);
const AD = new TextEncoder().encode("associated data");

async function webCryptoEncrypt(
  nonce: bigint,
  plaintext: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const key = await crypto.subtle.importKey("raw", KEY, "AES-GCM", false, ["encrypt"]);
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, nonce);
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: AD },
    key,
    plaintext,
  );
  return new Uint8Array(ciphertext).toHex();
}

Deno.test("CipherState without a key passes bytes through and keeps nonce 0", async () => {
  const cipher = new CipherState();
  const bytes = Uint8Array.of(1, 2, 3);
  assert.equal(cipher.hasKey, false);
  assert.equal(await cipher.encryptWithAd(AD, bytes), bytes);
  assert.equal(await cipher.decryptWithAd(AD, bytes), bytes);
  assert.equal(cipher.nonce, 0n);
});

Deno.test("CipherState.encryptWithAd() uses nonce 4 zero bytes ‖ 64-bit big-endian counter", async () => {
  const cipher = await CipherState.fromKey(KEY);
  const plaintext = new TextEncoder().encode("hello");
  assert.equal(
    (await cipher.encryptWithAd(AD, plaintext)).toHex(),
    await webCryptoEncrypt(0n, plaintext),
  );
  assert.equal(
    (await cipher.encryptWithAd(AD, plaintext)).toHex(),
    await webCryptoEncrypt(1n, plaintext),
  );
  cipher.setNonce(0x0102030405060708n);
  assert.equal(
    (await cipher.encryptWithAd(AD, plaintext)).toHex(),
    await webCryptoEncrypt(0x0102030405060708n, plaintext),
  );
});

Deno.test("CipherState nonce counter increments once per encrypt and decrypt", async () => {
  const sender = await CipherState.fromKey(KEY);
  const receiver = await CipherState.fromKey(KEY);
  for (let i = 0; i < 5; i++) {
    assert.equal(sender.nonce, BigInt(i));
    assert.equal(receiver.nonce, BigInt(i));
    const plaintext = Uint8Array.of(i);
    assert.deepEqual(
      await receiver.decryptWithAd(AD, await sender.encryptWithAd(AD, plaintext)),
      plaintext,
    );
  }
  assert.equal(sender.nonce, 5n);
  assert.equal(receiver.nonce, 5n);
});

Deno.test("CipherState gives concurrent encryptions distinct nonces in call order", async () => {
  const sender = await CipherState.fromKey(KEY);
  const receiver = await CipherState.fromKey(KEY);
  const plaintexts = Array.from({ length: 8 }, (_, i) => new Uint8Array(100 * i).fill(i));
  const ciphertexts = await Promise.all(plaintexts.map((p) => sender.encryptWithAd(AD, p)));
  for (const [i, ciphertext] of ciphertexts.entries()) {
    assert.deepEqual(await receiver.decryptWithAd(AD, ciphertext), plaintexts[i]);
  }
});

Deno.test("CipherState.decryptWithAd() rejects tampered ciphertext, AD or tag and keeps the nonce", async () => {
  const sender = await CipherState.fromKey(KEY);
  const receiver = await CipherState.fromKey(KEY);
  const ciphertext = await sender.encryptWithAd(AD, new TextEncoder().encode("attack at dawn"));
  for (const index of [0, 5, ciphertext.byteLength - 1]) {
    const tampered = ciphertext.slice();
    tampered[index]! ^= 1;
    assert.throws(() => receiver.decryptWithAd(AD, tampered), NoiseDecryptError);
    assert.equal(receiver.nonce, 0n);
  }
  assert.throws(() => receiver.decryptWithAd(new Uint8Array(0), ciphertext), (error: unknown) => {
    assert.ok(error instanceof NoiseDecryptError);
    assert.equal(error.name, "NoiseDecryptError");
    assert.match(error.message, /^Cannot decrypt: authentication failed at nonce 0$/);
    return true;
  });
  assert.equal(receiver.nonce, 0n);
  assert.equal(
    new TextDecoder().decode(await receiver.decryptWithAd(AD, ciphertext)),
    "attack at dawn",
  );
  assert.equal(receiver.nonce, 1n);
});

Deno.test("CipherState.decryptWithAd() rejects a ciphertext shorter than the tag", async () => {
  const receiver = await CipherState.fromKey(KEY);
  assert.throws(() => receiver.decryptWithAd(AD, new Uint8Array(15)), NoiseDecryptError);
  assert.equal(receiver.nonce, 0n);
});

Deno.test("CipherState refuses the reserved nonce 2^64-1", async () => {
  const cipher = await CipherState.fromKey(KEY);
  cipher.setNonce(NONCE_RESERVED - 1n);
  await cipher.encryptWithAd(AD, new Uint8Array(1));
  assert.equal(cipher.nonce, NONCE_RESERVED);
  assert.throws(() => cipher.encryptWithAd(AD, new Uint8Array(1)), RangeError);
  assert.throws(() => cipher.decryptWithAd(AD, new Uint8Array(16)), RangeError);
  assert.throws(() => cipher.setNonce(NONCE_RESERVED + 1n), RangeError);
  assert.throws(() => cipher.setNonce(-1n), RangeError);
});

Deno.test("CipherState.fromKey() rejects a key that is not 32 bytes", async () => {
  await assert.rejects(CipherState.fromKey(new Uint8Array(16)), RangeError);
});

Deno.test("CipherState.rekey() derives the key from ENCRYPT(k, 2^64-1, empty, zeros)", async () => {
  const sender = await CipherState.fromKey(KEY);
  const receiver = await CipherState.fromKey(KEY);
  await sender.rekey();
  await receiver.rekey();
  assert.equal(sender.nonce, 0n);
  // Expected key per Noise §4.2, computed independently.
  const key = await crypto.subtle.importKey("raw", KEY, "AES-GCM", false, ["encrypt"]);
  const iv = new Uint8Array(12).fill(0xff, 4);
  const block = new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv }, key, new Uint8Array(32)),
  );
  const expected = await CipherState.fromKey(block.subarray(0, 32));
  const plaintext = Uint8Array.of(42);
  const ciphertext = await sender.encryptWithAd(AD, plaintext);
  assert.deepEqual(ciphertext, await expected.encryptWithAd(AD, plaintext));
  assert.deepEqual(await receiver.decryptWithAd(AD, ciphertext), plaintext);
  assert.throws(() => new CipherState().rekey(), TypeError);
});

Deno.test("CipherState (node:crypto, synchronous) and WebCrypto AES-GCM open each other's messages", async () => {
  const webKey = await crypto.subtle.importKey("raw", KEY, "AES-GCM", false, [
    "encrypt",
    "decrypt",
  ]);
  const sender = await CipherState.fromKey(KEY);
  const receiver = await CipherState.fromKey(KEY);
  let nonce = 0n;
  for (const [ad, length] of [[AD, 0], [AD, 1], [new Uint8Array(0), 1024], [AD, 65_519]] as const) {
    const plaintext = Uint8Array.from({ length }, (_, i) => (i * 31) & 0xff);
    const iv = new Uint8Array(12);
    new DataView(iv.buffer).setBigUint64(4, nonce);
    // WebCrypto seals, the synchronous cipher state opens.
    const webSealed = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: ad }, webKey, plaintext),
    );
    assert.deepEqual(receiver.decryptWithAd(ad, webSealed), plaintext);
    // The synchronous cipher state seals, WebCrypto opens: the same bytes.
    const sealed = sender.encryptWithAd(ad, plaintext);
    assert.deepEqual(sealed, webSealed);
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: ad },
      webKey,
      sealed,
    );
    assert.deepEqual(new Uint8Array(opened), plaintext);
    nonce++;
  }
  assert.equal(sender.nonce, nonce);
  assert.equal(receiver.nonce, nonce);
});

Deno.test("CipherState.encryptWithAd() and decryptWithAd() return without a promise", async () => {
  const sender = await CipherState.fromKey(KEY);
  const receiver = await CipherState.fromKey(KEY);
  const sealed = sender.encryptWithAd(AD, Uint8Array.of(1, 2, 3));
  assert.ok(sealed instanceof Uint8Array);
  const opened = receiver.decryptWithAd(AD, sealed);
  // A plain Uint8Array, not a node Buffer (whose slice() would share memory).
  assert.equal(Object.getPrototypeOf(opened), Uint8Array.prototype);
  assert.equal(Object.getPrototypeOf(sealed), Uint8Array.prototype);
  assert.deepEqual(opened, Uint8Array.of(1, 2, 3));
});
