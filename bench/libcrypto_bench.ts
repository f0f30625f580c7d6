/**
 * OpenSSL's libcrypto through Deno's FFI against what p2pchat uses without
 * it: AES-256-GCM against `node:crypto`'s, SHA-256 against this project's
 * JavaScript rounds. The libcrypto cases are skipped (ignored) where it
 * cannot be loaded, e.g. without `--allow-ffi`.
 *
 * Run: `deno bench --allow-ffi bench/libcrypto_bench.ts`
 *
 * @module
 */

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
