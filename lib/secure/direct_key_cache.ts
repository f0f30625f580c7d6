/**
 * The X25519 keys direct messages need, kept converted: this node's own key
 * pairs (derived from each identity's Ed25519 seed) and peers' public keys
 * (converted from their ids), each in a least-recently-used cache.
 *
 * @module
 */

import type { Identity } from "../identity/identity.ts";
import type { X25519KeyPair } from "../identity/x25519_key_pair.ts";
import type { PeerId } from "../wire/message.ts";
import { ed25519PublicKeyToX25519, identityX25519KeyPair } from "./ed25519_to_x25519.ts";

/** Most own X25519 private keys (one per identity) kept derived, least recently used go. */
export const OWN_X25519_KEY_CACHE_ENTRIES_MAX = 16;

/** Most peers' X25519 public keys kept converted, least recently used go. */
export const PEER_X25519_KEY_CACHE_ENTRIES_MAX = 4096;

/** Own X25519 key pairs by the identity's Ed25519 private key, oldest use first. */
const ownKeys = new Map<CryptoKey, Promise<X25519KeyPair>>();

/** Peers' X25519 public keys by peer id, oldest use first. */
const peerKeys = new Map<PeerId, Uint8Array<ArrayBuffer>>();

/** The X25519 key pair of `identity` (derived once, then cached). */
export function ownX25519KeyPair(identity: Identity): Promise<X25519KeyPair> {
  const cached = touch(ownKeys, identity.privateKey);
  if (cached !== undefined) return cached;
  const derived = identityX25519KeyPair(identity);
  insert(ownKeys, identity.privateKey, derived, OWN_X25519_KEY_CACHE_ENTRIES_MAX);
  derived.catch(() => {
    if (ownKeys.get(identity.privateKey) === derived) ownKeys.delete(identity.privateKey);
  });
  return derived;
}

/** The X25519 key of a peer; `publicKey` is `id` as bytes. Throws `RangeError` as the conversion. */
export function peerX25519Key(id: PeerId, publicKey: Uint8Array): Uint8Array<ArrayBuffer> {
  const cached = touch(peerKeys, id);
  if (cached !== undefined) return cached;
  const converted = ed25519PublicKeyToX25519(publicKey);
  insert(peerKeys, id, converted, PEER_X25519_KEY_CACHE_ENTRIES_MAX);
  return converted;
}

/** Gets `key` and marks it most recently used. */
function touch<K, V>(map: Map<K, V>, key: K): V | undefined {
  const value = map.get(key);
  if (value !== undefined) {
    map.delete(key);
    map.set(key, value);
  }
  return value;
}

/** Sets `key`, dropping the least recently used entry when the map is full. */
function insert<K, V>(map: Map<K, V>, key: K, value: V, entriesMax: number): void {
  if (!map.has(key) && map.size >= entriesMax) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
  map.set(key, value);
}
