/**
 * A node's identity: an Ed25519 key pair whose public key, in hex, is its id.
 *
 * Keys are made, stored and loaded with WebCrypto. Signing and verifying use
 * the same keys through `node:crypto`, which costs a third (signing) to a half
 * (verifying) of WebCrypto's CPU per call in Deno and gives the same answers
 * (tests/identity/identity_test.ts compares the two): every peer verifies
 * every chat, so this is most of what an encrypted room costs. `node:crypto`
 * is loaded on first use: it weighs about 2 MB of memory, which a peer
 * that never signs nor verifies (`--insecure`) does not need.
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
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
const peerKeys = new Map<PeerId, KeyObject>();

/**
 * The JWK (`d` and `x`) of each identity's signing key, kept from its creation
 * until the first signature makes its `node:crypto` twin: a peer that never
 * signs never loads `node:crypto`.
 */
const signingJwks = new WeakMap<CryptoKey, JsonWebKey>();

/** The `node:crypto` twin of each identity's WebCrypto signing key. */
const signingKeys = new WeakMap<CryptoKey, KeyObject>();

type NodeCrypto = typeof import("node:crypto");
type NodeJsonWebKey = import("node:crypto").JsonWebKey;

/** `node:crypto`, once loaded. */
let nodeCrypto: NodeCrypto | undefined;

async function loadNodeCrypto(): Promise<NodeCrypto> {
  return nodeCrypto ??= await import("node:crypto");
}

/** Makes the `node:crypto` twin of `privateKey`, or gives `undefined` to sign with WebCrypto. */
async function makeSigningKey(privateKey: CryptoKey): Promise<KeyObject | undefined> {
  const jwk = signingJwks.get(privateKey);
  // Gone while a first twin is being made: this one signature uses WebCrypto (same bytes).
  if (jwk === undefined) return undefined;
  signingJwks.delete(privateKey);
  const { createPrivateKey } = nodeCrypto ?? await loadNodeCrypto();
  try {
    const key = createPrivateKey({ key: jwk as NodeJsonWebKey, format: "jwk" });
    signingKeys.set(privateKey, key);
    return key;
  } catch {
    return undefined; // Not a key node:crypto reads: signing stays with WebCrypto.
  }
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
  if (key !== undefined) return new Uint8Array(nodeCrypto!.sign(null, data, key));
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
  const node = nodeCrypto ?? await loadNodeCrypto();
  if (signature.byteLength !== ED25519_SIGNATURE_BYTES) return false;
  const key = importPeerKey(node, peerId);
  if (key === undefined) return false;
  try {
    return node.verify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** The cached verification key of `peerId`, or `undefined` if it is not a valid public key. */
function importPeerKey(node: NodeCrypto, peerId: PeerId): KeyObject | undefined {
  const cached = peerKeys.get(peerId);
  if (cached !== undefined) {
    peerKeys.delete(peerId);
    peerKeys.set(peerId, cached);
    return cached;
  }
  if (typeof peerId !== "string" || peerId.length !== 64 || !isLowerHex(peerId)) return undefined;
  let key: KeyObject;
  try {
    const x = bytesToBase64Url(hexToBytes(peerId));
    key = node.createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
  } catch {
    return undefined;
  }
  if (peerKeys.size >= PEER_KEY_CACHE_ENTRIES_MAX) {
    const oldest = peerKeys.keys().next();
    if (oldest.done !== true) peerKeys.delete(oldest.value);
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

function bytesToBase64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
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
