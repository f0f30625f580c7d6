import assert from "node:assert/strict";
import { type AesGcm, loadAesGcm } from "../../../lib/secure/noise/aes_gcm.ts";
import { nodeAesGcm } from "../../../lib/secure/noise/node_aes_gcm.ts";
import { openSslAesGcm } from "../../../lib/secure/noise/openssl_aes_gcm.ts";

const openSsl = openSslAesGcm();
const implementations: [string, AesGcm | Error][] = [
  ["openssl", openSsl],
  ["node:crypto", await nodeAesGcm()],
];

const KEY = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
const webKey = await crypto.subtle.importKey("raw", KEY, "AES-GCM", false, ["encrypt", "decrypt"]);

function ivOf(n: number): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, BigInt(n));
  return iv;
}

async function webSeal(
  iv: Uint8Array<ArrayBuffer>,
  ad: Uint8Array<ArrayBuffer>,
  p: Uint8Array<ArrayBuffer>,
) {
  return new Uint8Array(
    await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: ad }, webKey, p),
  );
}

for (const [name, aes] of implementations) {
  const ignore = aes instanceof Error;
  // A skipped implementation says why in the test's name.
  const why = aes instanceof Error ? ` (skipped: ${aes.message})` : "";

  Deno.test({
    name:
      `AES-GCM (${name}) gives WebCrypto's bytes and opens WebCrypto's messages, every length${why}`,
    ignore,
    async fn() {
      const impl = aes as AesGcm;
      const key = impl.importKey(KEY);
      let n = 0;
      for (const length of [0, 1, 15, 16, 17, 600, 37_000, 65_519]) {
        for (const ad of [new Uint8Array(0), new TextEncoder().encode("associated data")]) {
          const iv = ivOf(n++);
          const plaintext = Uint8Array.from({ length }, (_, i) => (i * 7 + length) & 0xff);
          const expected = await webSeal(iv, ad, plaintext);
          assert.deepEqual(impl.seal(key, iv, ad, plaintext), expected, `seal ${length}`);
          assert.deepEqual(impl.open(key, iv, ad, expected), plaintext, `open ${length}`);
        }
      }
    },
  });

  Deno.test({
    name:
      `AES-GCM (${name}) returns nothing for a forgery: body, tag, associated data, IV or key${why}`,
    ignore,
    async fn() {
      const impl = aes as AesGcm;
      const key = impl.importKey(KEY);
      const ad = Uint8Array.of(1, 2, 3);
      const iv = ivOf(7);
      const sealed = impl.seal(key, iv, ad, new Uint8Array(600).fill(0x5a));
      for (const index of [0, 300, 599, 600, 615]) {
        const forged = sealed.slice();
        forged[index]! ^= 0x01;
        assert.equal(impl.open(key, iv, ad, forged), undefined, `bit flipped at ${index}`);
      }
      assert.equal(impl.open(key, iv, Uint8Array.of(1, 2, 4), sealed), undefined, "other AD");
      assert.equal(impl.open(key, ivOf(8), ad, sealed), undefined, "other IV");
      const other = impl.importKey(new Uint8Array(32).fill(1));
      assert.equal(impl.open(other, iv, ad, sealed), undefined, "other key");
      assert.equal(impl.open(key, iv, ad, sealed.subarray(0, 615)), undefined, "truncated");
      // The genuine message still opens: a refusal leaves no state behind.
      assert.deepEqual(impl.open(key, iv, ad, sealed), new Uint8Array(600).fill(0x5a));
      assert.deepEqual(await webSeal(iv, ad, new Uint8Array(600).fill(0x5a)), sealed);
    },
  });

  Deno.test({
    name: `AES-GCM (${name}) takes only 32-byte keys and copies them${why}`,
    ignore,
    fn() {
      const impl = aes as AesGcm;
      for (const length of [0, 16, 31, 33]) {
        assert.throws(() => impl.importKey(new Uint8Array(length)), RangeError);
      }
      const raw = KEY.slice();
      const key = impl.importKey(raw);
      const sealed = impl.seal(key, ivOf(1), new Uint8Array(0), Uint8Array.of(9));
      raw.fill(0);
      assert.deepEqual(impl.seal(key, ivOf(1), new Uint8Array(0), Uint8Array.of(9)), sealed);
    },
  });
}

Deno.test({
  name: "loadAesGcm() uses OpenSSL where libcrypto loads",
  ignore: openSsl instanceof Error,
  async fn() {
    assert.equal((await loadAesGcm()).name, "openssl");
  },
});
