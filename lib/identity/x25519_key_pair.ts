/**
 * X25519 key pairs: the type and the generation of the Noise static key an identity keeps
 * beside its Ed25519 key (see `identity_store.ts`). The Diffie-Hellman function itself is in
 * `lib/secure/noise/x25519.ts`, which builds on this module.
 *
 * @module
 */

/** Length in bytes of an X25519 public key, private key and shared secret (Noise's DHLEN). */
export const X25519_KEY_BYTES = 32;

/** An X25519 key pair: the raw 32-byte public key and the private key as a WebCrypto key. */
export interface X25519KeyPair {
  /** The raw 32-byte public key (little-endian u-coordinate). */
  readonly publicKey: Uint8Array<ArrayBuffer>;
  /** The private key, usable for `deriveBits`. */
  readonly privateKey: CryptoKey;
}

/** Options for {@linkcode generateX25519KeyPair} and `importX25519PrivateKey` (Noise). */
export interface X25519KeyOptions {
  /**
   * Whether the private key may be exported with `exportX25519PrivateKey` (Noise).
   * Default: `false`.
   */
  extractable?: boolean | undefined;
}

const ALGORITHM = { name: "X25519" } as const;
const PRIVATE_KEY_USAGES: KeyUsage[] = ["deriveBits"];

/** Generates a fresh X25519 key pair. */
export async function generateX25519KeyPair(
  options: X25519KeyOptions = {},
): Promise<X25519KeyPair> {
  const pair = await crypto.subtle.generateKey(
    ALGORITHM,
    options.extractable ?? false,
    PRIVATE_KEY_USAGES,
  ) as CryptoKeyPair;
  const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { publicKey, privateKey: pair.privateKey };
}
