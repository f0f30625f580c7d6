import assert from "node:assert/strict";
import { type Ed25519, loadEd25519 } from "../../lib/identity/ed25519.ts";
import { nodeEd25519 } from "../../lib/identity/node_ed25519.ts";
import { openSslEd25519 } from "../../lib/identity/openssl_ed25519.ts";
import { libcrypto } from "../../lib/secure/libcrypto.ts";

const implementations: [string, Ed25519 | Error][] = [
  ["openssl", openSslEd25519()],
  ["node:crypto", await nodeEd25519()],
];

/** A WebCrypto key pair with its raw seed and public key. */
async function webPair() {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  const bytes = (text: string) => Uint8Array.fromBase64(text, { alphabet: "base64url" });
  return { pair, seed: bytes(jwk.d!), publicKey: bytes(jwk.x!) };
}

/** y = p and y = p + 1: the non-canonical encodings of two small-order points, sign bit clear and set. */
const NON_CANONICAL_KEYS = ["ed", "ee", "fe", "ff"].flatMap((low) =>
  ["7f", "ff"].map((high) => Uint8Array.fromHex(low + "ff".repeat(30) + high))
);

for (const [name, ed25519] of implementations) {
  const ignore = ed25519 instanceof Error;
  // A skipped implementation says why in the test's name.
  const why = ed25519 instanceof Error ? ` (skipped: ${ed25519.message})` : "";

  Deno.test({
    name: `Ed25519 (${name}) signs as WebCrypto does and verifies WebCrypto's signatures${why}`,
    ignore,
    async fn() {
      const impl = ed25519 as Ed25519;
      for (let k = 0; k < 8; k++) {
        const { pair, seed, publicKey } = await webPair();
        const signer = impl.signingKey(seed, publicKey)!;
        const verifier = impl.verifyingKey(publicKey)!;
        for (const length of [0, 1, 31, 64, 200, 1000, 70_000]) {
          const data = crypto.getRandomValues(new Uint8Array(Math.min(length, 65_536)));
          const web = new Uint8Array(await crypto.subtle.sign("Ed25519", pair.privateKey, data));
          assert.deepEqual(impl.sign(signer, data), web, `key ${k}, ${length} bytes`);
          assert.ok(impl.verify(verifier, data, web));
          const forged = web.slice();
          forged[length % 64]! ^= 0x10;
          assert.equal(impl.verify(verifier, data, forged), false);
          assert.equal(impl.verify(verifier, data, web.subarray(0, 63)), false, "short signature");
        }
        impl.release(signer);
        impl.release(verifier);
      }
    },
  });

  Deno.test({
    name: `Ed25519 (${name}) refuses keys of the wrong length and non-canonical ones${why}`,
    ignore,
    async fn() {
      const impl = ed25519 as Ed25519;
      assert.equal(impl.verifyingKey(new Uint8Array(31)), undefined);
      assert.equal(impl.verifyingKey(new Uint8Array(33)), undefined);
      assert.equal(impl.signingKey(new Uint8Array(16), new Uint8Array(32)), undefined);
      const message = new Uint8Array([1, 2, 3]);
      for (const key of NON_CANONICAL_KEYS) {
        // Whatever the key object, no signature verifies under it (R = identity, S = 0 would, reduced).
        const verifier = impl.verifyingKey(key);
        const signature = new Uint8Array(64);
        signature[0] = 1;
        assert.ok(verifier === undefined || !impl.verify(verifier, message, signature));
      }
      // A released key is refused loudly, not used after its memory went back.
      const { seed, publicKey } = await webPair();
      const signer = impl.signingKey(seed, publicKey)!;
      impl.release(signer);
      impl.release(signer);
      if (impl.name === "openssl") assert.throws(() => impl.sign(signer, message), TypeError);
    },
  });
}

Deno.test("loadEd25519() takes OpenSSL where libcrypto loads, else node:crypto", async () => {
  const expected = libcrypto() instanceof Error ? "node:crypto" : "openssl";
  assert.equal((await loadEd25519()).name, expected);
});
