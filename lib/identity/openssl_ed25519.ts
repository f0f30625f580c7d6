/**
 * Ed25519 through OpenSSL's libcrypto (`../secure/libcrypto.ts`): keys as
 * `EVP_PKEY`s, signatures through one reused `EVP_MD_CTX` per direction
 * (one-shot `EVP_DigestSign`/`EVP_DigestVerify`, as Ed25519 hashes the
 * message itself). Every buffer handed to C is a `Uint8Array` of the exact
 * length the call reads or writes; the calls are synchronous, so no buffer
 * moves or is collected while C holds it.
 *
 * @module
 */

import { type Libcrypto, libcrypto } from "../secure/libcrypto.ts";
import type { Ed25519, Ed25519Key } from "./ed25519.ts";

/** `EVP_PKEY_ED25519` (openssl/evp.h: `NID_ED25519`). */
const EVP_PKEY_ED25519 = 1087;
const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

interface OpenSslKey extends Ed25519Key {
  readonly implementation: "openssl";
  /** The `EVP_PKEY *`; null once released. */
  pkey: Deno.PointerValue;
}

/**
 * RFC 8032 § 7.1, TEST 2: the check a library must pass before it signs or
 * verifies anything here (a library that gets it wrong is not used).
 */
const KNOWN_ANSWER = {
  seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
  publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
  message: "72",
  signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da" +
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
} as const;

/**
 * Ed25519 through libcrypto, or the reason it cannot be had here (see
 * `libcrypto.ts`, a library without the functions, or one that fails the
 * known-answer check).
 */
export function openSslEd25519(): Ed25519 | Error {
  const c = libcrypto();
  return c instanceof Error ? c : bind(c);
}

function bind(c: Libcrypto): Ed25519 | Error {
  const {
    EVP_PKEY_new_raw_private_key: newPrivate,
    EVP_PKEY_new_raw_public_key: newPublic,
    EVP_PKEY_free: free,
    EVP_MD_CTX_new: newContext,
    EVP_MD_CTX_reset: reset,
    EVP_DigestSignInit: signInit,
    EVP_DigestSign: digestSign,
    EVP_DigestVerifyInit: verifyInit,
    EVP_DigestVerify: digestVerify,
    ERR_clear_error: clearErrors,
  } = c;
  if (
    newPrivate === null || newPublic === null || free === null || newContext === null ||
    reset === null || signInit === null || digestSign === null || verifyInit === null ||
    digestVerify === null || clearErrors === null
  ) {
    return new Error("Cannot use OpenSSL's libcrypto for Ed25519: it lacks the functions");
  }
  const signing = newContext();
  const verifying = newContext();
  if (signing === null || verifying === null) {
    return new Error("Cannot use OpenSSL's libcrypto for Ed25519: it gave no digest context");
  }
  /** The signature's length (C's `size_t *siglen`, in and out). */
  const signatureLength = new BigUint64Array(1);

  const pkeyOf = (key: Ed25519Key): Deno.PointerObject => {
    const pkey = (key as OpenSslKey).pkey;
    if (key.implementation !== "openssl" || pkey === null) {
      throw new TypeError("Cannot use an Ed25519 key that is not OpenSSL's or was released");
    }
    return pkey;
  };

  const ed25519: Ed25519 = {
    name: "openssl",
    signingKey(seed) {
      if (seed.byteLength !== KEY_BYTES) return undefined;
      const pkey = newPrivate(EVP_PKEY_ED25519, null, new Uint8Array(seed), BigInt(KEY_BYTES));
      return pkey === null ? undefined : { implementation: "openssl", pkey } as OpenSslKey;
    },
    verifyingKey(publicKey) {
      if (publicKey.byteLength !== KEY_BYTES || !isCanonicalY(publicKey)) return undefined;
      const pkey = newPublic(EVP_PKEY_ED25519, null, new Uint8Array(publicKey), BigInt(KEY_BYTES));
      return pkey === null ? undefined : { implementation: "openssl", pkey } as OpenSslKey;
    },
    sign(key, data) {
      const pkey = pkeyOf(key);
      const signature = new Uint8Array(SIGNATURE_BYTES);
      signatureLength[0] = BigInt(SIGNATURE_BYTES);
      reset(signing);
      if (
        signInit(signing, null, null, null, pkey) !== 1 ||
        digestSign(signing, signature, signatureLength, data, BigInt(data.byteLength)) !== 1 ||
        signatureLength[0] !== BigInt(SIGNATURE_BYTES)
      ) {
        clearErrors();
        throw new Error("OpenSSL Ed25519 signing failed");
      }
      return signature;
    },
    verify(key, data, signature) {
      if (signature.byteLength !== SIGNATURE_BYTES) return false;
      const pkey = pkeyOf(key);
      reset(verifying);
      const ok = verifyInit(verifying, null, null, null, pkey) === 1 &&
        digestVerify(
            verifying,
            signature,
            BigInt(SIGNATURE_BYTES),
            data,
            BigInt(data.byteLength),
          ) === 1;
      // A refusal leaves its reason on OpenSSL's per-thread error queue.
      if (!ok) clearErrors();
      return ok;
    },
    release(key) {
      const openSslKey = key as OpenSslKey;
      if (openSslKey.implementation !== "openssl" || openSslKey.pkey === null) return;
      free(openSslKey.pkey);
      openSslKey.pkey = null;
    },
  };
  return passesKnownAnswer(ed25519)
    ? ed25519
    : new Error("Cannot use OpenSSL's libcrypto for Ed25519: it failed RFC 8032's test 2");
}

/**
 * Whether a public key encodes its y coordinate below p = 2^255 − 19. OpenSSL
 * reduces a larger y and may accept a signature under it; WebCrypto and
 * `node:crypto` in Deno refuse every key encoded so (tests/identity compares
 * them on such keys), and every peer must reach the same verdict.
 */
function isCanonicalY(publicKey: Uint8Array): boolean {
  // y ≥ p only when bits 8–254 are all set and the low byte is ≥ 0xed.
  if ((publicKey[31]! & 0x7f) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (publicKey[i] !== 0xff) return true;
  return publicKey[0]! < 0xed;
}

function passesKnownAnswer(ed25519: Ed25519): boolean {
  const hex = (text: string) => Uint8Array.fromHex(text);
  const publicKey = hex(KNOWN_ANSWER.publicKey);
  const signer = ed25519.signingKey(hex(KNOWN_ANSWER.seed), publicKey);
  const verifier = ed25519.verifyingKey(publicKey);
  if (signer === undefined || verifier === undefined) return false;
  const message = hex(KNOWN_ANSWER.message);
  const signature = ed25519.sign(signer, message);
  const forged = new Uint8Array(signature);
  forged[0]! ^= 1;
  const passed = signature.toHex() === KNOWN_ANSWER.signature &&
    ed25519.verify(verifier, message, signature) && !ed25519.verify(verifier, message, forged);
  ed25519.release(signer);
  ed25519.release(verifier);
  return passed;
}
