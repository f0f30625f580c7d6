/**
 * Ed25519 through `node:crypto`: everywhere Deno runs, and the fallback when
 * OpenSSL's libcrypto cannot be loaded (`ed25519.ts`).
 *
 * @module
 */

import type { KeyObject } from "node:crypto";
import type { Ed25519, Ed25519Key } from "./ed25519.ts";

interface NodeKey extends Ed25519Key {
  readonly implementation: "node:crypto";
  readonly key: KeyObject;
}

/** Ed25519 through `node:crypto` (loaded by this call). */
export async function nodeEd25519(): Promise<Ed25519> {
  const nodeCrypto = await import("node:crypto");
  const jwk = (d: Uint8Array | undefined, x: Uint8Array) => ({
    kty: "OKP",
    crv: "Ed25519",
    x: base64Url(x),
    ...(d === undefined ? {} : { d: base64Url(d) }),
  });
  return {
    name: "node:crypto",
    signingKey(seed, publicKey) {
      try {
        const key = nodeCrypto.createPrivateKey({ key: jwk(seed, publicKey), format: "jwk" });
        return { implementation: "node:crypto", key } as NodeKey;
      } catch {
        return undefined;
      }
    },
    verifyingKey(publicKey) {
      try {
        const key = nodeCrypto.createPublicKey({ key: jwk(undefined, publicKey), format: "jwk" });
        return { implementation: "node:crypto", key } as NodeKey;
      } catch {
        return undefined;
      }
    },
    sign(key, data) {
      return new Uint8Array(nodeCrypto.sign(null, data, (key as NodeKey).key));
    },
    verify(key, data, signature) {
      try {
        return nodeCrypto.verify(null, data, (key as NodeKey).key, signature);
      } catch {
        return false;
      }
    },
    release() {},
  };
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replace(/=+$/, "");
}
