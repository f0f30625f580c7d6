/**
 * Identities: a node's Ed25519 key (its peer id) and the X25519 static key it
 * keeps beside it, generated, signed with, and stored on disk.
 *
 * - `identity.ts` — generate, import and export identities; sign and verify.
 * - `identity_store.ts` — load or create the identity file.
 * - `x25519_key_pair.ts` — the X25519 key pair type and its generation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateIdentity } from "./mod.ts";
 *
 * const identity = await generateIdentity();
 * assert.equal(identity.id.length, 64);
 * ```
 *
 * @module
 */

export * from "./identity.ts";
export * from "./identity_store.ts";
export * from "./x25519_key_pair.ts";
