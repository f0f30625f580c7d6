/**
 * X25519 (Noise's `25519` DH functions) over WebCrypto: key generation, import and export of
 * raw 32-byte private keys, and the shared-secret computation.
 *
 * @module
 */

import { asArrayBufferView } from "../../wire/bytes.ts";
import {
  X25519_KEY_BYTES,
  type X25519KeyOptions,
  type X25519KeyPair,
} from "../../identity/x25519_key_pair.ts";

const ALGORITHM = { name: "X25519" } as const;
const PRIVATE_KEY_USAGES: KeyUsage[] = ["deriveBits"];

/**
 * DER prefix of a PKCS#8 `PrivateKeyInfo` for X25519 (RFC 8410): SEQUENCE { version 0,
 * AlgorithmIdentifier { OID 1.3.101.110 }, OCTET STRING { OCTET STRING (32 bytes) } }.
 * The raw private key follows it.
 */
// deno-fmt-ignore
const PKCS8_X25519_PREFIX = Uint8Array.of(
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
);

/** The X25519 base point, u = 9. */
const BASE_POINT = Uint8Array.of(9, ...new Uint8Array(31));

let basePointKey: Promise<CryptoKey> | undefined;

/**
 * Imports a raw 32-byte X25519 private key (any 32 bytes; X25519 clamps the scalar) and
 * derives its public key.
 */
export async function importX25519PrivateKey(
  privateKey: Uint8Array,
  options: X25519KeyOptions = {},
): Promise<X25519KeyPair> {
  if (privateKey.byteLength !== X25519_KEY_BYTES) {
    throw new RangeError(
      `Cannot import X25519 private key: length ${privateKey.byteLength} is not ${X25519_KEY_BYTES}`,
    );
  }
  const pkcs8 = new Uint8Array(PKCS8_X25519_PREFIX.byteLength + X25519_KEY_BYTES);
  pkcs8.set(PKCS8_X25519_PREFIX);
  pkcs8.set(privateKey, PKCS8_X25519_PREFIX.byteLength);
  const key = await crypto.subtle.importKey(
    "pkcs8",
    pkcs8,
    ALGORITHM,
    options.extractable ?? false,
    PRIVATE_KEY_USAGES,
  );
  pkcs8.fill(0);
  // WebCrypto has no "public key from private key"; X25519(k, 9) is exactly that, and works
  // for non-extractable keys too.
  basePointKey ??= importX25519PublicKey(BASE_POINT);
  const publicKey = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "X25519", public: await basePointKey }, key, 256),
  );
  return { publicKey, privateKey: key };
}

/** Exports the raw 32-byte private key of an extractable X25519 key. */
export async function exportX25519PrivateKey(
  privateKey: CryptoKey,
): Promise<Uint8Array<ArrayBuffer>> {
  if (!privateKey.extractable) {
    throw new TypeError("Cannot export X25519 private key: key is not extractable");
  }
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", privateKey));
  return pkcs8.slice(pkcs8.byteLength - X25519_KEY_BYTES);
}

/**
 * Computes the X25519 shared secret of our private key and the peer's raw 32-byte public key.
 * Throws a `RangeError` when the public key is of low order (the result would be all zeros).
 */
export async function x25519SharedSecret(
  privateKey: CryptoKey,
  publicKey: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  if (publicKey.byteLength !== X25519_KEY_BYTES) {
    throw new RangeError(
      `Cannot compute X25519 shared secret: public key length ${publicKey.byteLength} is not ${X25519_KEY_BYTES}`,
    );
  }
  const peer = await importX25519PublicKey(publicKey);
  try {
    return new Uint8Array(
      await crypto.subtle.deriveBits({ name: "X25519", public: peer }, privateKey, 256),
    );
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === "OperationError") {
      throw new RangeError("Cannot compute X25519 shared secret: public key is of low order", {
        cause,
      });
    }
    throw cause;
  }
}

function importX25519PublicKey(publicKey: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", asArrayBufferView(publicKey), ALGORITHM, true, []);
}
