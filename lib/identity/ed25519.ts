/**
 * Ed25519 signing and verifying, synchronously, behind one interface. Two
 * implementations give the same answers: OpenSSL's libcrypto through Deno's
 * FFI, and `node:crypto`. Where the system has libcrypto and the program may
 * load it (`../secure/libcrypto.ts`) — an encrypted peer maps it anyway for
 * its cipher — `node:crypto` is never imported, which keeps ~5 MB out of
 * the process (PERFORMANCE.md "Memory per peer").
 *
 * @module
 */

/** A key made by one implementation, opaque to callers (keys are not interchangeable). */
export interface Ed25519Key {
  /** The implementation that made it. */
  readonly implementation: Ed25519["name"];
}

/** One Ed25519 implementation. */
export interface Ed25519 {
  /** Which one: `openssl` (libcrypto through FFI) or `node:crypto`. */
  readonly name: "openssl" | "node:crypto";
  /** A signing key from the 32-byte private seed and the 32-byte public key (both copied). */
  signingKey(seed: Uint8Array, publicKey: Uint8Array): Ed25519Key | undefined;
  /** A verifying key from a raw 32-byte public key, or `undefined` if it is not one. */
  verifyingKey(publicKey: Uint8Array): Ed25519Key | undefined;
  /** The 64-byte signature of `data`. */
  sign(key: Ed25519Key, data: Uint8Array): Uint8Array<ArrayBuffer>;
  /** Whether `signature` is a valid signature of `data` under `key`; never throws. */
  verify(key: Ed25519Key, data: Uint8Array, signature: Uint8Array): boolean;
  /** Frees what a key holds outside the JavaScript heap (OpenSSL's), once it is no longer used. */
  release(key: Ed25519Key): void;
}

let loaded: Promise<Ed25519> | undefined;

/**
 * The implementation this process uses, loaded on first call (a peer that
 * never signs nor verifies loads neither): OpenSSL when it loads and passes
 * its known-answer check, else `node:crypto`.
 */
export function loadEd25519(): Promise<Ed25519> {
  return loaded ??= pick();
}

async function pick(): Promise<Ed25519> {
  const { openSslEd25519 } = await import("./openssl_ed25519.ts");
  const openSsl = openSslEd25519();
  if (!(openSsl instanceof Error)) return openSsl;
  const { nodeEd25519 } = await import("./node_ed25519.ts");
  return nodeEd25519();
}
