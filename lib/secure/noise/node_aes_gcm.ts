/**
 * AES-256-GCM through `node:crypto`: everywhere Deno runs, and the fallback
 * when OpenSSL's libcrypto cannot be loaded (`aes_gcm.ts`).
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import { AES_GCM_TAG_BYTES, type AesGcm, type AesGcmKey, checkKeyLength } from "./aes_gcm.ts";

/** The `node:crypto` name of the cipher. */
const AES_256_GCM = "aes-256-gcm";

interface NodeKey extends AesGcmKey {
  readonly implementation: "node:crypto";
  readonly key: KeyObject;
}

/** AES-256-GCM through `node:crypto` (loaded by the caller's import of this module). */
export async function nodeAesGcm(): Promise<AesGcm> {
  const nodeCrypto = await import("node:crypto");
  return {
    name: "node:crypto",
    importKey(raw: Uint8Array): AesGcmKey {
      checkKeyLength(raw);
      // createSecretKey copies the bytes.
      return { implementation: "node:crypto", key: nodeCrypto.createSecretKey(raw) } as NodeKey;
    },
    seal(key, iv, ad, plaintext) {
      const cipher = nodeCrypto.createCipheriv(AES_256_GCM, (key as NodeKey).key, iv, {
        authTagLength: AES_GCM_TAG_BYTES,
      });
      if (ad.byteLength > 0) cipher.setAAD(ad);
      const head = cipher.update(plaintext);
      const tail = cipher.final();
      const out = new Uint8Array(plaintext.byteLength + AES_GCM_TAG_BYTES);
      out.set(head);
      out.set(tail, head.byteLength);
      out.set(cipher.getAuthTag(), plaintext.byteLength);
      return out;
    },
    open(key, iv, ad, sealed) {
      const bodyBytes = sealed.byteLength - AES_GCM_TAG_BYTES;
      const decipher = nodeCrypto.createDecipheriv(AES_256_GCM, (key as NodeKey).key, iv, {
        authTagLength: AES_GCM_TAG_BYTES,
      });
      decipher.setAuthTag(sealed.subarray(bodyBytes));
      if (ad.byteLength > 0) decipher.setAAD(ad);
      try {
        const head = decipher.update(sealed.subarray(0, bodyBytes));
        // final() checks the tag: nothing of a forgery is returned.
        const tail = decipher.final();
        // GCM is a stream cipher: update() gives every byte and final() none, so the
        // plaintext is used where it is (no second copy of up to 64 KiB), as a plain
        // Uint8Array: a Buffer's slice() would not copy.
        if (tail.byteLength === 0 && head.buffer instanceof ArrayBuffer) {
          return new Uint8Array(head.buffer, head.byteOffset, head.byteLength);
        }
        const out = new Uint8Array(bodyBytes);
        out.set(head);
        out.set(tail, head.byteLength);
        return out;
      } catch {
        return undefined;
      }
    },
  };
}
