/**
 * Benchmarks of direct messages: sealing, opening, and the key conversions behind them.
 *
 * Run: `deno bench bench/direct_message_bench.ts`
 *
 * @module
 */

import { generateIdentity } from "../lib/identity/identity.ts";
import { openDirect, sealDirect } from "../lib/secure/direct_message.ts";
import {
  ed25519PublicKeyToX25519,
  identityX25519KeyPair,
} from "../lib/secure/ed25519_to_x25519.ts";

const [ann, bob] = await Promise.all([generateIdentity(), generateIdentity()]);
const short = { nick: "ann", text: "x".repeat(100), ts: 1_700_000_000_000 };
const long = { ...short, text: "x".repeat(4096) };
const shortBox = await sealDirect(ann, bob.id, short);
const longBox = await sealDirect(ann, bob.id, long);
// Warm the key caches, as on a running node.
await openDirect(bob, shortBox);

Deno.bench("sealDirect() 100 B text", { group: "100 B", baseline: true }, async () => {
  await sealDirect(ann, bob.id, short);
});

Deno.bench("openDirect() 100 B text", { group: "100 B" }, async () => {
  await openDirect(bob, shortBox);
});

Deno.bench("sealDirect() + openDirect() 100 B text", { group: "100 B" }, async () => {
  await openDirect(bob, await sealDirect(ann, bob.id, short));
});

Deno.bench("sealDirect() 4 KiB text", { group: "4 KiB", baseline: true }, async () => {
  await sealDirect(ann, bob.id, long);
});

Deno.bench("openDirect() 4 KiB text", { group: "4 KiB" }, async () => {
  await openDirect(bob, longBox);
});

Deno.bench("sealDirect() + openDirect() 4 KiB text", { group: "4 KiB" }, async () => {
  await openDirect(bob, await sealDirect(ann, bob.id, long));
});

Deno.bench("ed25519PublicKeyToX25519() (uncached)", { group: "keys" }, () => {
  ed25519PublicKeyToX25519(ann.publicKey);
});

Deno.bench("identityX25519KeyPair() (uncached)", { group: "keys" }, async () => {
  await identityX25519KeyPair(bob);
});
