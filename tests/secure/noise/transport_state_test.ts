import assert from "node:assert/strict";
import { CipherState } from "../../../lib/secure/noise/cipher_state.ts";
import { NoiseDecryptError } from "../../../lib/secure/noise/noise_decrypt_error.ts";
import {
  TRANSPORT_PLAINTEXT_BYTES_MAX,
  TransportState,
} from "../../../lib/secure/noise/transport_state.ts";

async function transportPair(): Promise<[TransportState, TransportState]> {
  const k1 = crypto.getRandomValues(new Uint8Array(32));
  const k2 = crypto.getRandomValues(new Uint8Array(32));
  const hash = new Uint8Array(32).fill(9);
  return [
    new TransportState(await CipherState.fromKey(k1), await CipherState.fromKey(k2), hash),
    new TransportState(await CipherState.fromKey(k2), await CipherState.fromKey(k1), hash),
  ];
}

Deno.test("TransportState encrypts and decrypts both ways and counts nonces", async () => {
  const [a, b] = await transportPair();
  const message = new TextEncoder().encode("hi");
  const ciphertext = await a.encrypt(message);
  assert.equal(ciphertext.byteLength, message.byteLength + 16);
  assert.deepEqual(await b.decrypt(ciphertext), message);
  assert.deepEqual(await a.decrypt(await b.encrypt(message)), message);
  assert.deepEqual(await a.decrypt(await b.encrypt(message)), message);
  assert.equal(a.sendNonce, 1n);
  assert.equal(a.receiveNonce, 2n);
  assert.equal(b.sendNonce, 2n);
  assert.equal(b.receiveNonce, 1n);
  assert.deepEqual(a.handshakeHash, new Uint8Array(32).fill(9));
});

Deno.test("TransportState.encrypt() accepts 65519 bytes and rejects 65520 with RangeError", async () => {
  const [a, b] = await transportPair();
  const largest = new Uint8Array(TRANSPORT_PLAINTEXT_BYTES_MAX).fill(7);
  const ciphertext = await a.encrypt(largest);
  assert.equal(ciphertext.byteLength, 65535);
  assert.deepEqual(await b.decrypt(ciphertext), largest);
  assert.throws(
    () => a.encrypt(new Uint8Array(65520)),
    (error: unknown) =>
      error instanceof RangeError &&
      error.message === "Cannot encrypt transport message: plaintext length 65520 exceeds 65519",
  );
  assert.equal(a.sendNonce, 1n);
});

Deno.test("TransportState.decrypt() rejects a message over 65535 bytes with RangeError", async () => {
  const [a] = await transportPair();
  assert.throws(() => a.decrypt(new Uint8Array(65536)), RangeError);
  assert.equal(a.receiveNonce, 0n);
});

Deno.test("TransportState.decrypt() rejects a tampered message with NoiseDecryptError", async () => {
  const [a, b] = await transportPair();
  const ciphertext = await a.encrypt(new Uint8Array(1024));
  ciphertext[512]! ^= 0x10;
  assert.throws(() => b.decrypt(ciphertext), NoiseDecryptError);
  assert.throws(() => b.decrypt(new Uint8Array(3)), NoiseDecryptError);
  assert.equal(b.receiveNonce, 0n);
});

Deno.test("TransportState.decrypt() rejects a replayed or reordered message", async () => {
  const [a, b] = await transportPair();
  const first = await a.encrypt(Uint8Array.of(1));
  const second = await a.encrypt(Uint8Array.of(2));
  assert.throws(() => b.decrypt(second), NoiseDecryptError);
  assert.deepEqual(await b.decrypt(first), Uint8Array.of(1));
  assert.throws(() => b.decrypt(first), NoiseDecryptError);
  assert.deepEqual(await b.decrypt(second), Uint8Array.of(2));
});

Deno.test("TransportState.rekeySend() pairs with the peer's rekeyReceive()", async () => {
  const [a, b] = await transportPair();
  const before = await a.encrypt(Uint8Array.of(1));
  await a.rekeySend();
  const after = await a.encrypt(Uint8Array.of(2));
  assert.deepEqual(await b.decrypt(before), Uint8Array.of(1));
  await b.rekeyReceive();
  assert.deepEqual(await b.decrypt(after), Uint8Array.of(2));
});

Deno.test("TransportState constructor rejects a cipher state without a key", async () => {
  const keyed = await CipherState.fromKey(new Uint8Array(32));
  assert.throws(() => new TransportState(new CipherState(), keyed, new Uint8Array(32)), TypeError);
});
