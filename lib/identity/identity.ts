/**
 * A node's identity: an Ed25519 key pair whose public key, in hex, is its id.
 *
 * Keys are made, stored and loaded with WebCrypto. Signing and verifying use
 * the same keys synchronously (`ed25519.ts`): through OpenSSL's libcrypto
 * where it loads, else `node:crypto`. Either costs a third (signing) to a
 * half (verifying) of WebCrypto's CPU per call in Deno and gives the same
 * answers (tests/identity/identity_test.ts compares them): every peer
 * verifies every chat, so this is most of what an encrypted room costs. The
 * implementation is loaded on first use, which a peer that never signs nor
 * verifies (`--insecure`) never makes.
 *
 * @module
 */

import { type Ed25519, type Ed25519Key, loadEd25519 } from "./ed25519.ts";
import { bytesToHex, hexToBytes, isLowerHex } from "../wire/hex.ts";
import { type PeerId, SIGNATURE_BYTES } from "../wire/message.ts";

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
  signingJwks.set(pair.privateKey, await crypto.subtle.exportKey("jwk", pair.privateKey));
  return { id: bytesToHex(publicKey), publicKey, privateKey: pair.privateKey };
}

/** Length in bytes of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES: number = SIGNATURE_BYTES;

/** Most imported peer public keys {@linkcode verifyPeerSignature} keeps (least recently used go). */
export const PEER_KEY_CACHE_ENTRIES_MAX = 4096;

const ED25519 = "Ed25519";

/** Imported verification keys by peer id, oldest use first (a Map keeps insertion order). */
const peerKeys = new Map<PeerId, Ed25519Key>();

/**
 * The JWK (`d` and `x`) of each identity's signing key, kept from its creation
 * until the first signature makes its synchronous twin: a peer that never
 * signs never loads an implementation.
 */
const signingJwks = new WeakMap<CryptoKey, JsonWebKey>();

/** The synchronous twin of each identity's WebCrypto signing key. */
const signingKeys = new WeakMap<CryptoKey, Ed25519Key>();

/** The implementation, once loaded. */
let ed25519: Ed25519 | undefined;

/** Makes the synchronous twin of `privateKey`, or gives `undefined` to sign with WebCrypto. */
async function makeSigningKey(privateKey: CryptoKey): Promise<Ed25519Key | undefined> {
  const jwk = signingJwks.get(privateKey);
  // Gone while a first twin is being made: this one signature uses WebCrypto (same bytes).
  if (jwk === undefined) return undefined;
  signingJwks.delete(privateKey);
  ed25519 ??= await loadEd25519();
  let key: Ed25519Key | undefined;
  try {
    key = ed25519.signingKey(base64UrlToBytes(jwk.d ?? ""), base64UrlToBytes(jwk.x ?? ""));
  } catch {
    key = undefined;
  }
  // Not a key the implementation reads: signing stays with WebCrypto.
  if (key !== undefined) signingKeys.set(privateKey, key);
  return key;
}

/**
 * Signs `data` with the identity's Ed25519 key; returns the 64-byte signature.
 * Callers prefix `data` with a domain string of their own, so that a signature
 * made for one purpose can never be taken for another.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateIdentity, signWithIdentity, verifyPeerSignature } from "./identity.ts";
 *
 * const me = await generateIdentity();
 * const data = new TextEncoder().encode("example:hi");
 * const signature = await signWithIdentity(me, data);
 * assert.ok(await verifyPeerSignature(me.id, data, signature));
 * ```
 */
export async function signWithIdentity(
  identity: Identity,
  data: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = signingKeys.get(identity.privateKey) ?? await makeSigningKey(identity.privateKey);
  if (key !== undefined) return ed25519!.sign(key, data);
  return new Uint8Array(
    await crypto.subtle.sign(ED25519, identity.privateKey, arrayBufferView(data)),
  );
}

/**
 * Whether `signature` is a valid Ed25519 signature of `data` by the key whose
 * hex is `peerId`. Never throws for bad input: a malformed id, a key that is
 * not a curve point or a signature of the wrong length all give `false`.
 * Imported keys are cached, at most {@linkcode PEER_KEY_CACHE_ENTRIES_MAX}.
 */
export async function verifyPeerSignature(
  peerId: PeerId,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const implementation = ed25519 ??= await loadEd25519();
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES) return false;
  const key = importPeerKey(implementation, peerId);
  if (key === undefined) return false;
  return implementation.verify(key, data, signature);
}

/** The cached verification key of `peerId`, or `undefined` if it is not a valid public key. */
function importPeerKey(implementation: Ed25519, peerId: PeerId): Ed25519Key | undefined {
  const cached = peerKeys.get(peerId);
  if (cached !== undefined) {
    peerKeys.delete(peerId);
    peerKeys.set(peerId, cached);
    return cached;
  }
  if (typeof peerId !== "string" || peerId.length !== 64 || !isLowerHex(peerId)) return undefined;
  const key = implementation.verifyingKey(hexToBytes(peerId));
  if (key === undefined) return undefined;
  if (peerKeys.size >= PEER_KEY_CACHE_ENTRIES_MAX) {
    const oldest = peerKeys.entries().next();
    if (oldest.done !== true) {
      peerKeys.delete(oldest.value[0]);
      implementation.release(oldest.value[1]);
    }
  }
  peerKeys.set(peerId, key);
  return key;
}

/**
 * Exports the private key as PKCS#8 DER (RFC 8410, 48 bytes), for storage.
 *
 * @throws {TypeError} if the key is not extractable.
 */
export async function exportIdentityPkcs8(identity: Identity): Promise<Uint8Array<ArrayBuffer>> {
  if (!identity.privateKey.extractable) {
    throw new TypeError("Cannot export identity: the private key is not extractable");
  }
  return new Uint8Array(await crypto.subtle.exportKey("pkcs8", identity.privateKey));
}

/** Options of {@linkcode importIdentityPkcs8}. */
export interface ImportIdentityOptions {
  /** Whether the imported private key may be exported again. Default `false`. */
  extractable?: boolean;
}

/**
 * Imports an identity from an Ed25519 private key in PKCS#8 DER; the public
 * key (and so the id) is derived from it.
 *
 * @throws {DOMException} ("DataError") if the bytes are not an Ed25519 PKCS#8 key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exportIdentityPkcs8, generateIdentity, importIdentityPkcs8 } from "./identity.ts";
 *
 * const me = await generateIdentity();
 * const again = await importIdentityPkcs8(await exportIdentityPkcs8(me));
 * assert.equal(again.id, me.id);
 * ```
 */
export async function importIdentityPkcs8(
  pkcs8: Uint8Array,
  options: ImportIdentityOptions = {},
): Promise<Identity> {
  const der = arrayBufferView(pkcs8);
  // WebCrypto cannot derive a public key directly; an extractable copy's JWK carries it (`x`).
  const probe = await crypto.subtle.importKey("pkcs8", der, ED25519, true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", probe);
  const publicKey = base64UrlToBytes(jwk.x ?? "");
  if (publicKey.byteLength !== 32) {
    throw new DOMException("Ed25519 key has no valid public part", "DataError");
  }
  const privateKey = options.extractable === true
    ? probe
    : await crypto.subtle.importKey("pkcs8", der, ED25519, false, ["sign"]);
  signingJwks.set(privateKey, jwk);
  return { id: bytesToHex(publicKey), publicKey, privateKey };
}

function base64UrlToBytes(text: string): Uint8Array {
  const base64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function arrayBufferView(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
}
