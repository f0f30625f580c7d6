/**
 * A node's identity: an Ed25519 key pair whose public key, in hex, is its id.
 *
 * @module
 */

import { bytesToHex } from "../wire/hex.ts";
import type { PeerId } from "../wire/message.ts";

/** An Ed25519 key pair and the id derived from it. */
export interface Identity {
  /** Lowercase hex of the raw 32-byte public key. */
  readonly id: PeerId;
  /** The raw public key. */
  readonly publicKey: Uint8Array;
  /** The signing key (WebCrypto, not extractable unless created so). */
  readonly privateKey: CryptoKey;
}

/**
 * Creates a fresh identity with WebCrypto.
 *
 * @example
 * ```ts
 * import { generateIdentity } from "./identity.ts";
 * const { id } = await generateIdentity();
 * if (id.length !== 64) throw new Error("an id is 32 bytes of hex");
 * ```
 */
export async function generateIdentity(): Promise<Identity> {
  const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { id: bytesToHex(publicKey), publicKey, privateKey: pair.privateKey };
}
