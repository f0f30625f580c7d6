/**
 * The permissions `deno task peer` and `deno task bootstrap` give `main.ts`,
 * for every script that starts nodes itself (the demo, the benchmarks, the
 * compiled binary): network, environment, files, the network interfaces
 * (for the addresses a peer advertises) and FFI (OpenSSL's libcrypto,
 * `lib/secure/libcrypto.ts`; without it, the slower `node:crypto` path).
 *
 * @module
 */

/** The flags, in the order the tasks list them. */
export const MAIN_PERMISSIONS: readonly string[] = [
  "--allow-net",
  "--allow-env",
  "--allow-read",
  "--allow-write",
  "--allow-sys=networkInterfaces",
  "--allow-ffi",
];
