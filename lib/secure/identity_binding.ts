/**
 * The identity binding: an Ed25519 signature by a peer's identity key over
 * its Noise static X25519 public key. The Noise handshake proves that the
 * remote holds the static key; the binding proves that the identity (the
 * peer id in its hello) vouches for that static key. Together: the id a peer
 * claims is a key it holds.
 *
 * Signed bytes: `UTF-8("p2pchat-noise-static-key:") ‖ noiseStaticPublicKey`
 * (25 + 32 bytes). The domain prefix keeps a binding from ever verifying as a
 * chat signature, and the reverse.
 *
 * @module
 */

import {
  ED25519_SIGNATURE_BYTES,
  type Identity,
  signWithIdentity,
  verifyPeerSignature,
} from "../identity/identity.ts";
import type { PeerId } from "../wire/message.ts";
import { X25519_KEY_BYTES } from "../identity/x25519_key_pair.ts";

/** Domain string that precedes the static key in the signed bytes. */
export const BINDING_DOMAIN = "p2pchat-noise-static-key:";

/** Length in bytes of a binding signature (Ed25519). */
export const BINDING_SIGNATURE_BYTES = ED25519_SIGNATURE_BYTES;

const DOMAIN_BYTES = new TextEncoder().encode(BINDING_DOMAIN);

function signedBytes(noiseStaticPublicKey: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(DOMAIN_BYTES.byteLength + noiseStaticPublicKey.byteLength);
  bytes.set(DOMAIN_BYTES);
  bytes.set(noiseStaticPublicKey, DOMAIN_BYTES.byteLength);
  return bytes;
}

/**
 * Signs the binding of `noiseStaticPublicKey` (32 bytes) to `identity`;
 * returns the 64-byte signature.
 *
 * @throws {RangeError} if the key is not 32 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateIdentity } from "../identity/identity.ts";
 * import { signBinding, verifyBinding } from "./identity_binding.ts";
 * import { generateX25519KeyPair } from "../identity/x25519_key_pair.ts";
 *
 * const me = await generateIdentity();
 * const { publicKey } = await generateX25519KeyPair();
 * const signature = await signBinding(me, publicKey);
 * assert.ok(await verifyBinding(me.id, publicKey, signature));
 * ```
 */
export function signBinding(
  identity: Identity,
  noiseStaticPublicKey: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  if (noiseStaticPublicKey.byteLength !== X25519_KEY_BYTES) {
    return Promise.reject(
      new RangeError(
        `Cannot sign binding: static key length ${noiseStaticPublicKey.byteLength} is not ${X25519_KEY_BYTES}`,
      ),
    );
  }
  return signWithIdentity(identity, signedBytes(noiseStaticPublicKey));
}

/**
 * Whether `signature` binds `noiseStaticPublicKey` to the peer `peerId` (hex
 * of its Ed25519 public key). Never throws: any malformed input gives `false`.
 * Imported public keys are cached (least recently used, at most 4 096),
 * shared with chat signature checks.
 */
export function verifyBinding(
  peerId: PeerId,
  noiseStaticPublicKey: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (noiseStaticPublicKey.byteLength !== X25519_KEY_BYTES) return Promise.resolve(false);
  return verifyPeerSignature(peerId, signedBytes(noiseStaticPublicKey), signature);
}
