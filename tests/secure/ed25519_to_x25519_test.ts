import assert from "node:assert/strict";
import {
  generateIdentity,
  type Identity,
  importIdentityPkcs8,
} from "../../lib/identity/identity.ts";
import {
  ed25519PublicKeyToX25519,
  ed25519SeedToX25519,
  identityX25519KeyPair,
} from "../../lib/secure/ed25519_to_x25519.ts";
import { x25519SharedSecret } from "../../lib/secure/noise/x25519.ts";
import { bytesToHex, hexToBytes } from "../../lib/wire/hex.ts";

/** RFC 8410 PKCS#8 prefix of an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = hexToBytes("302e020100300506032b657004220420");

function identityFromSeed(seedHex: string): Promise<Identity> {
  const pkcs8 = new Uint8Array([...PKCS8_ED25519_PREFIX, ...hexToBytes(seedHex)]);
  return importIdentityPkcs8(pkcs8, { extractable: true });
}

/** Little-endian 32 bytes of a field element. */
function le(n: bigint): Uint8Array {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return bytes;
}

const P = (1n << 255n) - 19n;

/**
 * Fixed vectors. Each expected X25519 public key was computed two independent ways outside
 * this code base, and the two agreed: (1) the formula u = (1 + y) / (1 − y) mod p in Python
 * integers from the Ed25519 public key, (2) X25519(first 32 bytes of SHA-512(seed), 9) with
 * the `cryptography` 48 package (OpenSSL). The libsodium vector is libsodium's own
 * (test/default/ed25519_convert.c and .exp; its sk is clamped, ours is not).
 */
const VECTORS = [
  {
    name: "RFC 8032 test 1",
    seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    ed25519PublicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    x25519PrivateKey: "357c83864f2833cb427a2ef1c00a013cfdff2768d980c0a3a520f006904de90f",
    x25519PublicKey: "d85e07ec22b0ad881537c2f44d662d1a143cf830c57aca4305d85c7a90f6b62e",
  },
  {
    name: "RFC 8032 test 2",
    seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    ed25519PublicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    x25519PrivateKey: undefined,
    x25519PublicKey: "25c704c594b88afc00a76b69d1ed2b984d7e22550f3ed0802d04fbcd07d38d47",
  },
  {
    name: "libsodium ed25519_convert",
    seed: "421151a459faeade3d247115f94aedae42318124095afabe4d1451a559faedee",
    ed25519PublicKey: "b5076a8474a832daee4dd5b4040983b6623b5f344aca57d4d6ee4baf3f259e6e",
    x25519PrivateKey: "8252030376d47112be7f73ed7a019293dd12ad910b654455798b4667d73de1e6",
    x25519PublicKey: "f1814f0e8ff1043d8a44d25babff3cedcae6c22c3edaa48f857ae70de2baae50",
  },
] as const;

for (const vector of VECTORS) {
  Deno.test(`ed25519PublicKeyToX25519() and identityX25519KeyPair() match the ${vector.name} vector`, async () => {
    const identity = await identityFromSeed(vector.seed);
    assert.equal(identity.id, vector.ed25519PublicKey);
    assert.equal(
      bytesToHex(ed25519PublicKeyToX25519(identity.publicKey)),
      vector.x25519PublicKey,
    );
    const pair = await identityX25519KeyPair(identity);
    assert.equal(bytesToHex(pair.publicKey), vector.x25519PublicKey);
    if (vector.x25519PrivateKey !== undefined) {
      const raw = await ed25519SeedToX25519(hexToBytes(vector.seed));
      assert.equal(bytesToHex(raw), vector.x25519PrivateKey);
    }
  });
}

Deno.test("ed25519SeedToX25519() clamped gives libsodium's crypto_sign_ed25519_sk_to_curve25519", async () => {
  const raw = await ed25519SeedToX25519(
    hexToBytes("421151a459faeade3d247115f94aedae42318124095afabe4d1451a559faedee"),
  );
  raw[0]! &= 248;
  raw[31]! &= 127;
  raw[31]! |= 64;
  assert.equal(
    bytesToHex(raw),
    "8052030376d47112be7f73ed7a019293dd12ad910b654455798b4667d73de166",
  );
});

Deno.test("RFC 8032 test 1 and 2: X25519 of the converted keys agrees both ways", async () => {
  const [a, b] = await Promise.all([
    identityFromSeed(VECTORS[0].seed),
    identityFromSeed(VECTORS[1].seed),
  ]);
  const [pairA, pairB] = await Promise.all([identityX25519KeyPair(a), identityX25519KeyPair(b)]);
  const ab = await x25519SharedSecret(pairA.privateKey, ed25519PublicKeyToX25519(b.publicKey));
  const ba = await x25519SharedSecret(pairB.privateKey, ed25519PublicKeyToX25519(a.publicKey));
  // Computed independently with the `cryptography` package from the same keys.
  assert.equal(bytesToHex(ab), "5166f24a6918368e2af831a4affadd97af0ac326bdf143596c045967cc00230e");
  assert.deepEqual(ba, ab);
});

Deno.test("identityX25519KeyPair() and ed25519PublicKeyToX25519(): ECDH agrees both ways for 50 random identity pairs", async () => {
  for (let i = 0; i < 50; i++) {
    const [a, b] = await Promise.all([generateIdentity(), generateIdentity()]);
    const [pairA, pairB] = await Promise.all([identityX25519KeyPair(a), identityX25519KeyPair(b)]);
    const publicA = ed25519PublicKeyToX25519(a.publicKey);
    const publicB = ed25519PublicKeyToX25519(b.publicKey);
    assert.deepEqual(pairA.publicKey, publicA);
    assert.deepEqual(pairB.publicKey, publicB);
    const ab = await x25519SharedSecret(pairA.privateKey, publicB);
    const ba = await x25519SharedSecret(pairB.privateKey, publicA);
    assert.deepEqual(ab, ba);
    assert.notDeepEqual(ab, new Uint8Array(32));
  }
});

Deno.test("ed25519PublicKeyToX25519() ignores the sign bit of x (P and -P share u)", async () => {
  const { publicKey } = await generateIdentity();
  const negated = publicKey.slice();
  negated[31]! ^= 0x80;
  assert.deepEqual(ed25519PublicKeyToX25519(negated), ed25519PublicKeyToX25519(publicKey));
});

/** y-coordinate of a pair of points of order 8 (libsodium's small-order blocklist). */
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;

const INVALID_KEYS: readonly { name: string; key: Uint8Array; message: RegExp }[] = [
  { name: "y = 1 (neutral point)", key: le(1n), message: /neutral point/ },
  {
    name: "y = 1 with the sign bit set",
    key: (() => {
      const key = le(1n);
      key[31] = 0x80;
      return key;
    })(),
    message: /neutral point/,
  },
  { name: "y = -1 (order 2)", key: le(P - 1n), message: /small order \(2\)/ },
  { name: "y = 0 (order 4)", key: le(0n), message: /small order \(4\)/ },
  { name: "y = y8 (order 8)", key: le(Y8), message: /small order \(8\)/ },
  { name: "y = -y8 (order 8)", key: le(P - Y8), message: /small order \(8\)/ },
  { name: "y = p (non-canonical 0)", key: le(P), message: /non-canonical/ },
  { name: "y = p + 1 (non-canonical 1)", key: le(P + 1n), message: /non-canonical/ },
  { name: "y = 2^255 - 1", key: le((1n << 255n) - 1n), message: /non-canonical/ },
  // (y² - 1)(d·y² + 1) is not a square for y = 2 (checked with Python integers).
  { name: "y = 2 (not on the curve)", key: le(2n), message: /not a point on the curve/ },
  { name: "31 bytes", key: new Uint8Array(31), message: /expected 32 bytes, got 31/ },
];

for (const { name, key, message } of INVALID_KEYS) {
  Deno.test(`ed25519PublicKeyToX25519() rejects ${name}`, () => {
    assert.throws(
      () => ed25519PublicKeyToX25519(key),
      (error) =>
        error instanceof RangeError &&
        error.message.startsWith("Cannot convert Ed25519 public key to X25519: ") &&
        message.test(error.message),
    );
  });
}

Deno.test("ed25519PublicKeyToX25519() refuses the small-order points whose u-coordinate X25519 refuses", async () => {
  // Independent check of the blocklist: the u-coordinates the formula gives for y = -1, 0,
  // ±y8 are the small-order Montgomery points, which X25519 (WebCrypto) refuses.
  const { privateKey } = await identityX25519KeyPair(await generateIdentity());
  for (const y of [P - 1n, 0n, Y8, P - Y8]) {
    const u = ((1n + y) * modPow((1n - y + P) % P, P - 2n)) % P;
    await assert.rejects(() => x25519SharedSecret(privateKey, le(u)), /low order/);
  }
});

function modPow(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  for (let b = base % P, e = exponent; e > 0n; e >>= 1n, b = (b * b) % P) {
    if (e & 1n) result = (result * b) % P;
  }
  return result;
}

Deno.test("identityX25519KeyPair() rejects a non-extractable identity with a TypeError", async () => {
  const pkcs8 = new Uint8Array([...PKCS8_ED25519_PREFIX, ...new Uint8Array(32).fill(7)]);
  const identity = await importIdentityPkcs8(pkcs8);
  await assert.rejects(() => identityX25519KeyPair(identity), TypeError);
});

Deno.test("ed25519SeedToX25519() rejects a seed that is not 32 bytes", async () => {
  await assert.rejects(() => ed25519SeedToX25519(new Uint8Array(31)), RangeError);
});
