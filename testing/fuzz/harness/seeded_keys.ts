/**
 * Keys made from seeded random bytes, so that a fuzz campaign's identities,
 * Noise keys and handshakes are the same every time its seed is replayed.
 * For tests and fuzzing only: real keys come from the system's randomness.
 *
 * @module
 */

import { type Identity, importIdentityPkcs8 } from "../../../lib/identity/identity.ts";
import type { Random } from "../../../lib/random/random.ts";
import { type X25519KeyPair } from "../../../lib/identity/x25519_key_pair.ts";
import { importX25519PrivateKey } from "../../../lib/secure/noise/x25519.ts";
import { randomBytes } from "./fuzz_random.ts";

/** DER prefix of an Ed25519 PKCS#8 private key (RFC 8410); the 32-byte seed follows. */
const PKCS8_ED25519_PREFIX = Uint8Array.of(
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
);

/**
 * An Ed25519 identity from 32 seeded bytes; extractable, so that it can open
 * direct messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "../../../lib/random/random.ts";
 * import { seededIdentity } from "./seeded_keys.ts";
 *
 * const a = await seededIdentity(seededRandom(1));
 * assert.equal(a.id, (await seededIdentity(seededRandom(1))).id);
 * ```
 */
export function seededIdentity(random: Random): Promise<Identity> {
  const der = new Uint8Array(PKCS8_ED25519_PREFIX.length + 32);
  der.set(PKCS8_ED25519_PREFIX);
  der.set(randomBytes(random, 32), PKCS8_ED25519_PREFIX.length);
  return importIdentityPkcs8(der, { extractable: true });
}

/** An X25519 key pair from 32 seeded bytes. */
export function seededX25519KeyPair(random: Random): Promise<X25519KeyPair> {
  return importX25519PrivateKey(randomBytes(random, 32));
}
