/**
 * OpenSSL's libcrypto through Deno's FFI against what p2pchat uses without
 * it: AES-256-GCM and Ed25519 against `node:crypto`'s, SHA-256 against this
 * project's JavaScript rounds. The libcrypto cases are skipped (ignored) where it
 * cannot be loaded, e.g. without `--allow-ffi`.
 *
 * Run: `deno bench --allow-ffi bench/libcrypto_bench.ts`
 *
 * @module
 */

import { nodeEd25519 } from "../lib/identity/node_ed25519.ts";
import { openSslEd25519 } from "../lib/identity/openssl_ed25519.ts";
import { nodeAesGcm } from "../lib/secure/noise/node_aes_gcm.ts";
import { openSslAesGcm } from "../lib/secure/noise/openssl_aes_gcm.ts";
import { libcrypto } from "../lib/secure/libcrypto.ts";
import { sha256Into, sha256IntoScript } from "../lib/secure/sha256.ts";

const openSsl = openSslAesGcm();
const ignore = openSsl instanceof Error;
const node = await nodeAesGcm();
const RAW_KEY = crypto.getRandomValues(new Uint8Array(32));
const NO_AD = new Uint8Array(0);
const IV = new Uint8Array(12);

for (const bytes of [600, 37_000]) {
  const plaintext = crypto.getRandomValues(new Uint8Array(bytes));
  const group = `AES-256-GCM seal + open, ${bytes} B`;
  const nodeKey = node.importKey(RAW_KEY);
  Deno.bench(`node:crypto, ${bytes} B`, { group, baseline: true }, () => {
    node.open(nodeKey, IV, NO_AD, node.seal(nodeKey, IV, NO_AD, plaintext));
  });
  if (!ignore) {
    const key = openSsl.importKey(RAW_KEY);
    Deno.bench(`libcrypto, ${bytes} B`, { group }, () => {
      openSsl.open(key, IV, NO_AD, openSsl.seal(key, IV, NO_AD, plaintext));
    });
  }
}

const digest = new Uint8Array(32);
const hashed = libcrypto() instanceof Error ? "JavaScript" : "libcrypto";
for (const bytes of [65, 600]) {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  const group = `SHA-256, ${bytes} B`;
  Deno.bench(`JavaScript rounds, ${bytes} B`, { group, baseline: true }, () => {
    sha256IntoScript(data, digest);
  });
  Deno.bench(`sha256Into() (${hashed}), ${bytes} B`, { group }, () => {
    sha256Into(data, digest);
  });
}

// Ed25519 (chat and batch signatures, the channel's identity binding): a
// signature of a ~200-byte chat, and its check.
const openSslSigner = openSslEd25519();
const nodeSigner = await nodeEd25519();
const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
  "sign",
  "verify",
]) as CryptoKeyPair;
const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
const seed = Uint8Array.fromBase64(jwk.d!, { alphabet: "base64url" });
const publicKey = Uint8Array.fromBase64(jwk.x!, { alphabet: "base64url" });
const signed = crypto.getRandomValues(new Uint8Array(200));
for (const [operation, baseline] of [["sign", true], ["verify", false]] as const) {
  const group = `Ed25519 ${operation}, 200 B`;
  for (const implementation of [nodeSigner, openSslSigner]) {
    if (implementation instanceof Error) continue;
    const signer = implementation.signingKey(seed, publicKey)!;
    const verifier = implementation.verifyingKey(publicKey)!;
    const signature = implementation.sign(signer, signed);
    Deno.bench(
      `${implementation.name}, ${operation}`,
      { group, baseline: baseline === (implementation.name === "node:crypto") },
      operation === "sign"
        ? () => void implementation.sign(signer, signed)
        : () => void implementation.verify(verifier, signed, signature),
    );
  }
}
