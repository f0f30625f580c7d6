import assert from "node:assert/strict";
import { signWithIdentity, verifyPeerSignature } from "../../lib/identity/identity.ts";
import {
  decodePkcs8Pem,
  encodePkcs8Pem,
  generateNodeKeys,
  IDENTITY_KEY_FILE,
  loadOrCreateIdentity,
} from "../../lib/identity/identity_store.ts";
import { x25519SharedSecret } from "../../lib/secure/noise/x25519.ts";

const posix = Deno.build.os !== "windows";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function modeOf(info: Deno.FileInfo): number {
  return info.mode! & 0o777;
}

Deno.test("loadOrCreateIdentity() creates owner-only keys once and reuses them", async () => {
  await withTempDir(async (root) => {
    const dataDir = `${root}/nested/data`;
    const first = await loadOrCreateIdentity(dataDir);
    assert.match(first.identity.id, /^[0-9a-f]{64}$/);
    assert.equal(first.noiseStaticKeyPair.publicKey.byteLength, 32);
    if (posix) {
      assert.equal(modeOf(await Deno.stat(dataDir)), 0o700);
      assert.equal(modeOf(await Deno.stat(`${dataDir}/${IDENTITY_KEY_FILE}`)), 0o600);
    }
    const pem = await Deno.readTextFile(`${dataDir}/${IDENTITY_KEY_FILE}`);
    assert.match(
      pem,
      /^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=\n]+-----END PRIVATE KEY-----\n$/,
    );

    const again = await loadOrCreateIdentity(dataDir);
    assert.equal(again.identity.id, first.identity.id);
    // The Noise static key is made fresh for every process: not linkable across runs.
    assert.notDeepEqual(again.noiseStaticKeyPair.publicKey, first.noiseStaticKeyPair.publicKey);
    // Extractable: direct messages derive an X25519 key from the Ed25519 seed.
    assert.equal(again.identity.privateKey.extractable, true);
    assert.equal(again.noiseStaticKeyPair.privateKey.extractable, false);
    // The reloaded keys are the same keys, not just the same public halves.
    const data = new TextEncoder().encode("x");
    const signature = await signWithIdentity(again.identity, data);
    assert.equal(await verifyPeerSignature(first.identity.id, data, signature), true);
    const other = await generateNodeKeys();
    assert.deepEqual(
      await x25519SharedSecret(
        again.noiseStaticKeyPair.privateKey,
        other.noiseStaticKeyPair.publicKey,
      ),
      await x25519SharedSecret(
        other.noiseStaticKeyPair.privateKey,
        again.noiseStaticKeyPair.publicKey,
      ),
    );
    // No temporary files are left behind.
    const names = [];
    for await (const entry of Deno.readDir(dataDir)) names.push(entry.name);
    assert.deepEqual(names.sort(), [IDENTITY_KEY_FILE]);
  });
});

Deno.test("loadOrCreateIdentity() run concurrently settles on one identity", async () => {
  await withTempDir(async (dataDir) => {
    const all = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateIdentity(dataDir)));
    assert.equal(new Set(all.map((keys) => keys.identity.id)).size, 1);
  });
});

Deno.test({
  name: "loadOrCreateIdentity() refuses a key file others may read, saying how to fix it",
  ignore: !posix,
  fn: async () => {
    await withTempDir(async (dataDir) => {
      await loadOrCreateIdentity(dataDir);
      const path = `${dataDir}/${IDENTITY_KEY_FILE}`;
      await Deno.chmod(path, 0o644);
      await assert.rejects(
        loadOrCreateIdentity(dataDir),
        (error: unknown) =>
          error instanceof Error &&
          error.message ===
            `Cannot load identity from ${path}: mode 0644 lets others access it; run chmod 600 ${path}`,
      );
    });
  },
});

Deno.test({
  name: "loadOrCreateIdentity() refuses a data directory others may write",
  ignore: !posix,
  fn: async () => {
    await withTempDir(async (dataDir) => {
      await Deno.chmod(dataDir, 0o777);
      await assert.rejects(
        loadOrCreateIdentity(dataDir),
        (error: unknown) =>
          error instanceof Error &&
          error.message ===
            `Cannot use data directory ${dataDir}: mode 0777 lets others write to it; run chmod 700 ${dataDir}`,
      );
      await Deno.chmod(dataDir, 0o700);
    });
  },
});

Deno.test("loadOrCreateIdentity() refuses corrupt key files and leaves them alone", async () => {
  await withTempDir(async (dataDir) => {
    const path = `${dataDir}/${IDENTITY_KEY_FILE}`;
    const write = (text: string) => Deno.writeTextFile(path, text, { mode: 0o600 });
    const expectCorrupt = async (detail: RegExp) => {
      await assert.rejects(loadOrCreateIdentity(dataDir), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(
          error.message,
          new RegExp(`^Cannot load identity from ${path}: the file is corrupt`),
        );
        assert.match(error.message, detail);
        assert.match(error.message, /move it away to create a new one$/);
        return true;
      });
    };
    await write("garbage\n");
    await expectCorrupt(/PEM block/);
    await write("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n");
    await expectCorrupt(/base64/);
    await write(encodePkcs8Pem(new Uint8Array(48)));
    await expectCorrupt(/not a PKCS#8 identity/);
    // An X25519 key where the Ed25519 identity belongs.
    const x25519 = await crypto.subtle.generateKey({ name: "X25519" }, true, [
      "deriveBits",
    ]) as CryptoKeyPair;
    await write(
      encodePkcs8Pem(new Uint8Array(await crypto.subtle.exportKey("pkcs8", x25519.privateKey))),
    );
    await expectCorrupt(/not a PKCS#8 identity/);
    assert.match(await Deno.readTextFile(path), /BEGIN PRIVATE KEY/);
    await Deno.writeFile(path, new Uint8Array(5000), { mode: 0o600 });
    await expectCorrupt(/5000 bytes/);
  });
});

Deno.test("encodePkcs8Pem() and decodePkcs8Pem() round-trip, CRLF line ends included", () => {
  const der = Uint8Array.from({ length: 100 }, (_, i) => i);
  const pem = encodePkcs8Pem(der);
  assert.deepEqual(decodePkcs8Pem(pem), der);
  assert.deepEqual(decodePkcs8Pem(`\r\n${pem.replaceAll("\n", "\r\n")}  `), der);
  assert.ok(pem.split("\n").every((line) => line.length <= 64));
  assert.throws(
    () => decodePkcs8Pem("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----"),
    TypeError,
  );
});

Deno.test("generateNodeKeys() makes fresh keys in memory", async () => {
  const a = await generateNodeKeys();
  const b = await generateNodeKeys();
  assert.notEqual(a.identity.id, b.identity.id);
  assert.notDeepEqual(a.noiseStaticKeyPair.publicKey, b.noiseStaticKeyPair.publicKey);
});
