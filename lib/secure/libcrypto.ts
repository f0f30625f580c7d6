/**
 * OpenSSL's libcrypto (1.1 or 3) through Deno's FFI, loaded once per process
 * and only where the program was given the FFI permission: AES-256-GCM runs
 * 7–20× and SHA-256 2–5× faster through it than through `node:crypto` or
 * JavaScript on this machine (PERFORMANCE.md, "OpenSSL through FFI"). Every
 * user falls back when it is missing, with the same bytes.
 *
 * `P2PCHAT_LIBCRYPTO=off` keeps it unloaded (for comparisons and tests).
 *
 * @module
 */

/** Where libcrypto is looked for, per operating system (the first that loads wins). */
const LIBRARY_NAMES: Readonly<Partial<Record<typeof Deno.build.os, readonly string[]>>> = {
  linux: ["libcrypto.so.3", "libcrypto.so.1.1"],
  darwin: [
    "/opt/homebrew/opt/openssl@3/lib/libcrypto.3.dylib",
    "/usr/local/opt/openssl@3/lib/libcrypto.3.dylib",
  ],
  windows: ["libcrypto-3-x64.dll"],
};

/** The functions used, with their C signatures in Deno's FFI types. */
const SYMBOLS = {
  EVP_aes_256_gcm: { parameters: [], result: "pointer" },
  EVP_CIPHER_CTX_new: { parameters: [], result: "pointer" },
  EVP_EncryptInit_ex: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "buffer"],
    result: "i32",
  },
  EVP_DecryptInit_ex: {
    parameters: ["pointer", "pointer", "pointer", "buffer", "buffer"],
    result: "i32",
  },
  EVP_EncryptUpdate: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  EVP_DecryptUpdate: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "i32"],
    result: "i32",
  },
  EVP_EncryptFinal_ex: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  EVP_DecryptFinal_ex: { parameters: ["pointer", "buffer", "buffer"], result: "i32" },
  EVP_CIPHER_CTX_ctrl: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  // OpenSSL 3 only: a digest fetched once, not looked up on every call.
  EVP_MD_fetch: { parameters: ["pointer", "buffer", "pointer"], result: "pointer", optional: true },
  EVP_sha256: { parameters: [], result: "pointer" },
  EVP_Digest: {
    parameters: ["buffer", "usize", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
} as const;

/** libcrypto's functions, as Deno's FFI binds them. */
export type Libcrypto = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let loaded: Libcrypto | Error | undefined;

/**
 * libcrypto, or why it cannot be had here: switched off, no FFI permission
 * (asked with `querySync`, so a terminal never prompts), or no library.
 * Loaded on the first call; later calls return the same answer.
 */
export function libcrypto(): Libcrypto | Error {
  return loaded ??= load();
}

/**
 * libcrypto if an earlier {@linkcode libcrypto} call loaded it, without
 * loading it: for users that should not pull it in by themselves (SHA-256:
 * a plaintext peer, which never keys a cipher, does not map the library).
 */
export function libcryptoIfLoaded(): Libcrypto | undefined {
  return loaded instanceof Error ? undefined : loaded;
}

function load(): Libcrypto | Error {
  try {
    if (Deno.env.get("P2PCHAT_LIBCRYPTO") === "off") {
      return new Error("Not loading OpenSSL's libcrypto: P2PCHAT_LIBCRYPTO=off");
    }
  } catch {
    // Without the permission to read it, the variable is not set for us.
  }
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return new Error("Cannot load OpenSSL's libcrypto: no FFI permission (--allow-ffi)");
  }
  const failures: string[] = [];
  for (const name of LIBRARY_NAMES[Deno.build.os] ?? []) {
    try {
      return Deno.dlopen(name, SYMBOLS).symbols;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  return new Error(`Cannot load OpenSSL's libcrypto: ${failures.join("; ") || "no known name"}`);
}
