/**
 * AES-256-GCM through OpenSSL's libcrypto (`../libcrypto.ts`): the EVP
 * interface, one reused context per direction (encrypting, decrypting),
 * re-keyed on every call. Every buffer handed to C is a
 * `Uint8Array` of the exact length the call reads or writes; the calls are
 * synchronous, so no buffer moves or is collected while C holds it.
 *
 * @module
 */

import { type Libcrypto, libcrypto } from "../libcrypto.ts";
import { AES_GCM_TAG_BYTES, type AesGcm, type AesGcmKey, checkKeyLength } from "./aes_gcm.ts";

/** `EVP_CIPHER_CTX_ctrl` commands (openssl/evp.h). */
const EVP_CTRL_GCM_GET_TAG = 0x10;
const EVP_CTRL_GCM_SET_TAG = 0x11;

interface OpenSslKey extends AesGcmKey {
  readonly implementation: "openssl";
  readonly raw: Uint8Array<ArrayBuffer>;
}

/**
 * AES-256-GCM through libcrypto, or the reason it cannot be had here (see
 * `libcrypto.ts`, or a library that fails a known-answer check).
 */
export function openSslAesGcm(): AesGcm | Error {
  const c = libcrypto();
  return c instanceof Error ? c : bind(c);
}

function bind(c: Libcrypto): AesGcm | Error {
  const cipher = c.EVP_aes_256_gcm();
  const encrypting = c.EVP_CIPHER_CTX_new();
  const decrypting = c.EVP_CIPHER_CTX_new();
  if (cipher === null || encrypting === null || decrypting === null) {
    return new Error("Cannot use OpenSSL's libcrypto: it gave no AES-256-GCM context");
  }
  // Fix each context's cipher once; every call then sets the key and IV only.
  if (
    c.EVP_EncryptInit_ex(encrypting, cipher, null, null, null) !== 1 ||
    c.EVP_DecryptInit_ex(decrypting, cipher, null, null, null) !== 1
  ) {
    return new Error("Cannot use OpenSSL's libcrypto: AES-256-GCM initialisation failed");
  }
  /** Bytes written by the last update or final call (C's `int *outl`). */
  const written = new Uint8Array(4);

  function fail(call: string): never {
    throw new Error(`OpenSSL ${call} failed`);
  }

  const aes: AesGcm = {
    name: "openssl",
    importKey(raw: Uint8Array): AesGcmKey {
      checkKeyLength(raw);
      return { implementation: "openssl", raw: new Uint8Array(raw) } as OpenSslKey;
    },
    seal(key, iv, ad, plaintext) {
      const out = new Uint8Array(plaintext.byteLength + AES_GCM_TAG_BYTES);
      if (c.EVP_EncryptInit_ex(encrypting, null, null, (key as OpenSslKey).raw, iv) !== 1) {
        fail("EVP_EncryptInit_ex");
      }
      if (
        ad.byteLength > 0 && c.EVP_EncryptUpdate(encrypting, null, written, ad, ad.byteLength) !== 1
      ) {
        fail("EVP_EncryptUpdate (associated data)");
      }
      const length = plaintext.byteLength;
      if (length > 0 && c.EVP_EncryptUpdate(encrypting, out, written, plaintext, length) !== 1) {
        fail("EVP_EncryptUpdate");
      }
      // GCM writes nothing at the end; the tag goes after the ciphertext.
      const tag = out.subarray(length);
      if (c.EVP_EncryptFinal_ex(encrypting, tag, written) !== 1) fail("EVP_EncryptFinal_ex");
      if (c.EVP_CIPHER_CTX_ctrl(encrypting, EVP_CTRL_GCM_GET_TAG, AES_GCM_TAG_BYTES, tag) !== 1) {
        fail("EVP_CIPHER_CTX_ctrl (get tag)");
      }
      return out;
    },
    open(key, iv, ad, sealed) {
      const length = sealed.byteLength - AES_GCM_TAG_BYTES;
      // One spare byte: EVP_DecryptFinal_ex is given somewhere to write nothing.
      const out = new Uint8Array(length + 1);
      if (c.EVP_DecryptInit_ex(decrypting, null, null, (key as OpenSslKey).raw, iv) !== 1) {
        fail("EVP_DecryptInit_ex");
      }
      if (
        ad.byteLength > 0 && c.EVP_DecryptUpdate(decrypting, null, written, ad, ad.byteLength) !== 1
      ) {
        fail("EVP_DecryptUpdate (associated data)");
      }
      if (length > 0 && c.EVP_DecryptUpdate(decrypting, out, written, sealed, length) !== 1) {
        fail("EVP_DecryptUpdate");
      }
      // SET_TAG copies the 16 bytes into the context before it returns.
      const tag = sealed.subarray(length);
      if (c.EVP_CIPHER_CTX_ctrl(decrypting, EVP_CTRL_GCM_SET_TAG, AES_GCM_TAG_BYTES, tag) !== 1) {
        fail("EVP_CIPHER_CTX_ctrl (set tag)");
      }
      if (c.EVP_DecryptFinal_ex(decrypting, out.subarray(length), written) !== 1) {
        // A forgery: wipe what was decrypted, return nothing of it.
        out.fill(0);
        return undefined;
      }
      return out.subarray(0, length);
    },
  };
  return knownAnswer(aes) ? aes : new Error(
    "Cannot use OpenSSL's libcrypto: AES-256-GCM failed its known-answer check",
  );
}

/**
 * NIST's GCM test case 16 (AES-256, 60-byte plaintext, 20-byte AAD, 12-byte
 * IV): the library must reproduce it, and refuse it with one bit flipped,
 * before any message goes through it.
 */
function knownAnswer(aes: AesGcm): boolean {
  const hex = (s: string) => Uint8Array.fromHex(s);
  const key = aes.importKey(
    hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"),
  );
  const iv = hex("cafebabefacedbaddecaf888");
  const ad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const plaintext = hex(
    "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24" +
      "49a6b525b16aedf5aa0de657ba637b39",
  );
  const expected = "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48" +
    "590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" + "76fc6ece0f4e1768cddf8853bb2d551b";
  const sealed = aes.seal(key, iv, ad, plaintext);
  if (sealed.toHex() !== expected) return false;
  const opened = aes.open(key, iv, ad, sealed);
  if (opened === undefined || opened.toHex() !== plaintext.toHex()) return false;
  sealed[0]! ^= 1;
  return aes.open(key, iv, ad, sealed) === undefined;
}
