/**
 * Ed25519 identity keys converted to X25519 keys, so that a message can be encrypted to a
 * peer knowing nothing but its id. The conversions are those of libsodium's
 * `crypto_sign_ed25519_pk_to_curve25519` and `crypto_sign_ed25519_sk_to_curve25519`:
 *
 * - Public key: Ed25519 and X25519 use birationally equivalent curves (twisted Edwards and
 *   Montgomery). The Edwards point with y-coordinate `y` maps to the Montgomery
 *   u-coordinate `u = (1 + y) / (1 − y) mod p`, p = 2^255 − 19. `y` is the 32 little-endian
 *   bytes of the Ed25519 public key with the top bit (the sign of x) cleared; u is written
 *   as 32 little-endian bytes. Refused: a non-canonical `y ≥ p`; a `y` with no point on the
 *   curve; and the eight points of small order (y ∈ {1, −1, 0, ±y₈}, among them y = 1,
 *   where u would be infinite) — a shared secret with one of them would be predictable.
 *   Not checked: whether the point lies in the prime-order subgroup. X25519 clamps its
 *   scalar to a multiple of 8, which removes any small-order component, so a mixed-order
 *   key yields the same secret as its prime-order part.
 * - Private key: the first 32 bytes of SHA-512(seed), where the seed is the 32-byte
 *   Ed25519 private key (RFC 8032 §5.1.5). That is the scalar Ed25519 itself uses (before
 *   clamping; X25519 clamps in the same way), so X25519(this, 9) is the converted public
 *   key and Diffie–Hellman between two converted key pairs agrees in both directions.
 *
 * WebCrypto has no such conversion: the public one is done in BigInt arithmetic here (it
 * handles public data only, so its timing leaks nothing), the private one with SHA-512
 * from WebCrypto.
 *
 * @module
 */

import { exportIdentityPkcs8, type Identity } from "../identity/identity.ts";
import { X25519_KEY_BYTES, type X25519KeyPair } from "../identity/x25519_key_pair.ts";
import { importX25519PrivateKey } from "./noise/x25519.ts";

/** Length in bytes of an Ed25519 public key and of its seed (private key). */
export const ED25519_KEY_BYTES = 32;

/** The field prime, 2^255 − 19. */
const P = (1n << 255n) - 19n;

/** The Edwards curve constant d = −121665 / 121666 mod p. */
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;

/** The y-coordinate of one pair of points of order 8 (the other pair has −y₈). */
const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;

/**
 * The y-coordinates of the eight Edwards points of small order, with the reason each is
 * refused: y = 1 (order 1), y = −1 (order 2), y = 0 (order 4), ±y₈ (order 8).
 */
const SMALL_ORDER_Y: ReadonlyMap<bigint, string> = new Map([
  [1n, "it is the neutral point (y = 1), whose X25519 image would be at infinity"],
  [P - 1n, "it is a point of small order (2)"],
  [0n, "it is a point of small order (4)"],
  [Y8, "it is a point of small order (8)"],
  [P - Y8, "it is a point of small order (8)"],
]);

/**
 * DER prefix of the PKCS#8 `PrivateKeyInfo` WebCrypto exports for Ed25519 (RFC 8410):
 * SEQUENCE { version 0, AlgorithmIdentifier { OID 1.3.101.112 }, OCTET STRING { OCTET
 * STRING (32 bytes) } }. The seed follows it.
 */
// deno-fmt-ignore
const PKCS8_ED25519_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
);

/** `base ** exponent mod p`, square and multiply. */
function powModP(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let square = base % P;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if ((e & 1n) === 1n) result = (result * square) % P;
    square = (square * square) % P;
  }
  return result;
}

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function bigIntToLittleEndian(n: bigint): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(X25519_KEY_BYTES);
  for (let i = 0; i < X25519_KEY_BYTES; i++) {
    bytes[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return bytes;
}

/**
 * Converts an Ed25519 public key (a peer id's 32 bytes) to the X25519 public key of the
 * same secret: u = (1 + y) / (1 − y) mod p (see the module doc).
 *
 * @throws {RangeError} if the key is not 32 bytes, or not a usable curve point, e.g.
 * "Cannot convert Ed25519 public key to X25519: it is a point of small order (8)".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateIdentity } from "../identity/identity.ts";
 * import { ed25519PublicKeyToX25519, identityX25519KeyPair } from "./ed25519_to_x25519.ts";
 *
 * const me = await generateIdentity();
 * const pair = await identityX25519KeyPair(me);
 * assert.deepEqual(ed25519PublicKeyToX25519(me.publicKey), pair.publicKey);
 * ```
 */
export function ed25519PublicKeyToX25519(publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  const fail = (detail: string): never => {
    throw new RangeError(`Cannot convert Ed25519 public key to X25519: ${detail}`);
  };
  if (!(publicKey instanceof Uint8Array) || publicKey.byteLength !== ED25519_KEY_BYTES) {
    fail(`expected ${ED25519_KEY_BYTES} bytes, got ${describeKey(publicKey)}`);
  }
  const y = littleEndianToBigInt(publicKey) & ((1n << 255n) - 1n);
  if (y >= P) fail("y-coordinate is not below 2^255 - 19 (non-canonical encoding)");
  const smallOrder = SMALL_ORDER_Y.get(y);
  if (smallOrder !== undefined) fail(smallOrder);
  // A point exists iff x² = (y² − 1) / (d·y² + 1) has a root, i.e. iff (y² − 1)(d·y² + 1)
  // is a square (Euler's criterion). d·y² + 1 is never 0, since −1/d is not a square.
  const y2 = (y * y) % P;
  const ratio = ((y2 - 1n + P) * ((D * y2 + 1n) % P)) % P;
  if (powModP(ratio, (P - 1n) / 2n) === P - 1n) fail("it is not a point on the curve");
  const u = ((1n + y) * powModP((1n - y + P) % P, P - 2n)) % P;
  return bigIntToLittleEndian(u);
}

function describeKey(value: unknown): string {
  return value instanceof Uint8Array ? `${value.byteLength}` : typeof value;
}

/**
 * The raw X25519 private key of an Ed25519 seed: the first 32 bytes of SHA-512(seed),
 * unclamped (X25519 clamps). libsodium's `crypto_sign_ed25519_sk_to_curve25519` returns
 * the same bytes clamped.
 *
 * @throws {RangeError} if the seed is not 32 bytes.
 */
export async function ed25519SeedToX25519(seed: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  if (seed.byteLength !== ED25519_KEY_BYTES) {
    throw new RangeError(
      `Cannot convert Ed25519 seed to X25519: length ${seed.byteLength} is not ${ED25519_KEY_BYTES}`,
    );
  }
  const input = seed.buffer instanceof ArrayBuffer
    ? seed as Uint8Array<ArrayBuffer>
    : new Uint8Array(seed);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-512", input));
  const privateKey = digest.slice(0, X25519_KEY_BYTES);
  digest.fill(0);
  return privateKey;
}

/**
 * The X25519 key pair of an identity: its private key from the Ed25519 seed (read from
 * the identity's PKCS#8 export), its public key equal to
 * {@linkcode ed25519PublicKeyToX25519}`(identity.publicKey)`. The private key is not
 * extractable.
 *
 * @throws {TypeError} if the identity's private key is not extractable (import it with
 * `importIdentityPkcs8(der, { extractable: true })`), or its PKCS#8 export is not the
 * 48-byte RFC 8410 form.
 */
export async function identityX25519KeyPair(identity: Identity): Promise<X25519KeyPair> {
  if (!identity.privateKey.extractable) {
    throw new TypeError(
      "Cannot derive X25519 key of identity: the private key is not extractable " +
        "(import it with { extractable: true })",
    );
  }
  const pkcs8 = await exportIdentityPkcs8(identity);
  try {
    const prefix = PKCS8_ED25519_PREFIX;
    if (
      pkcs8.byteLength !== prefix.byteLength + ED25519_KEY_BYTES ||
      !prefix.every((byte, i) => pkcs8[i] === byte)
    ) {
      throw new TypeError(
        `Cannot derive X25519 key of identity: PKCS#8 export of ${pkcs8.byteLength} bytes ` +
          "is not the RFC 8410 form",
      );
    }
    const raw = await ed25519SeedToX25519(pkcs8.subarray(prefix.byteLength));
    try {
      return await importX25519PrivateKey(raw);
    } finally {
      raw.fill(0);
    }
  } finally {
    pkcs8.fill(0);
  }
}
