/**
 * SHA-256 (FIPS 180-4), synchronous: WebCrypto's digest is asynchronous, and
 * the sans-I/O core needs a hash it can call in the middle of a step (the
 * version digests that let peers notice equivocation, the audit paths of
 * batch signatures). Once a transport cipher has loaded OpenSSL's libcrypto
 * (`libcrypto.ts`), it computes the digest (0.3 against 1.2 µs for 65 bytes
 * here, 0.6 against 3.1 µs for 600); until then, and without it, this
 * module's own rounds do, with the same digest. Small inputs are hashed on
 * the hot path, so the rounds work on local 32-bit values.
 *
 * @module
 */

import { libcryptoIfLoaded } from "./libcrypto.ts";

const K = new Int32Array([
  0x428a2f98,
  0x71374491,
  0xb5c0fbcf,
  0xe9b5dba5,
  0x3956c25b,
  0x59f111f1,
  0x923f82a4,
  0xab1c5ed5,
  0xd807aa98,
  0x12835b01,
  0x243185be,
  0x550c7dc3,
  0x72be5d74,
  0x80deb1fe,
  0x9bdc06a7,
  0xc19bf174,
  0xe49b69c1,
  0xefbe4786,
  0x0fc19dc6,
  0x240ca1cc,
  0x2de92c6f,
  0x4a7484aa,
  0x5cb0a9dc,
  0x76f988da,
  0x983e5152,
  0xa831c66d,
  0xb00327c8,
  0xbf597fc7,
  0xc6e00bf3,
  0xd5a79147,
  0x06ca6351,
  0x14292967,
  0x27b70a85,
  0x2e1b2138,
  0x4d2c6dfc,
  0x53380d13,
  0x650a7354,
  0x766a0abb,
  0x81c2c92e,
  0x92722c85,
  0xa2bfe8a1,
  0xa81a664b,
  0xc24b8b70,
  0xc76c51a3,
  0xd192e819,
  0xd6990624,
  0xf40e3585,
  0x106aa070,
  0x19a4c116,
  0x1e376c08,
  0x2748774c,
  0x34b0bcb5,
  0x391c0cb3,
  0x4ed8aa4a,
  0x5b9cca4f,
  0x682e6ff3,
  0x748f82ee,
  0x78a5636f,
  0x84c87814,
  0x8cc70208,
  0x90befffa,
  0xa4506ceb,
  0xbef9a3f7,
  0xc67178f2,
]);

/** The message schedule, reused by every call (the function is synchronous). */
const W = new Int32Array(64);

/** The chaining state, reused by every call. */
const H = new Int32Array(8);

/**
 * The last one or two blocks (the tail of the data, 0x80, padding, length),
 * reused by every call: allocating a buffer costs more than hashing a small
 * input (about 1–4 µs per typed array in Deno on the reference machine).
 */
const TAIL = new Uint8Array(128);

/**
 * libcrypto's one-shot `EVP_Digest(data, length, digest)` with SHA-256
 * fetched once, or null where libcrypto will not be used; undefined while it
 * is not loaded (yet).
 */
type NativeSha256 = (data: Uint8Array, digest: Uint8Array) => void;
let native: NativeSha256 | null | undefined;

/** Which implementation digests: `openssl` once libcrypto is loaded (by the cipher), else `javascript`. */
export function sha256Implementation(): "openssl" | "javascript" {
  return nativeSha256() === null ? "javascript" : "openssl";
}

function nativeSha256(): NativeSha256 | null {
  if (native === undefined) {
    // Only once the transport cipher has loaded libcrypto: mapping it costs a
    // process ~6 MB of RSS (~1.4 MB PSS among ten), which a plaintext peer or a
    // simulation should not pay for hashes alone. Until then, the JavaScript rounds.
    const c = libcryptoIfLoaded();
    if (c === undefined) return null;
    const md = c.EVP_MD_fetch?.(null, SHA256_NAME, null) ?? c.EVP_sha256();
    if (md === null) return native = null;
    // Deno's FFI takes a size_t as a number too (its types say bigint; one per call would cost).
    const digest = c.EVP_Digest as unknown as (
      data: Uint8Array,
      length: number,
      out: Uint8Array,
      size: null,
      type: Deno.PointerObject,
      engine: null,
    ) => number;
    native = (data, out) => {
      if (digest(data, data.length, out, null, md, null) !== 1) {
        throw new Error("OpenSSL EVP_Digest failed");
      }
    };
  }
  return native;
}

/** The algorithm's name for `EVP_MD_fetch`, NUL-terminated. */
const SHA256_NAME = new TextEncoder().encode("SHA256\0");

/** The SHA-256 digest of `data` (32 bytes). */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  sha256Into(data, out);
  return out;
}

/**
 * Writes the SHA-256 digest of `data` into `out` at `offset` (32 bytes), with
 * no allocation: for hashing many small inputs (Merkle trees) on a hot path.
 *
 * @throws {RangeError} if `out` has no 32 bytes at `offset`.
 */
export function sha256Into(data: Uint8Array, out: Uint8Array, offset = 0): void {
  if (offset < 0 || offset + 32 > out.length) {
    throw new RangeError(`Cannot write a digest: ${out.length} bytes, offset ${offset}`);
  }
  const openSsl = native === undefined ? nativeSha256() : native;
  if (openSsl !== null) {
    openSsl(data, offset === 0 ? out : out.subarray(offset, offset + 32));
    return;
  }
  sha256IntoScript(data, out, offset);
}

/**
 * {@linkcode sha256Into} by this module's own rounds, whatever is loaded (the
 * fallback, and the reference tests compare libcrypto against).
 */
export function sha256IntoScript(data: Uint8Array, out: Uint8Array, offset = 0): void {
  if (offset < 0 || offset + 32 > out.length) {
    throw new RangeError(`Cannot write a digest: ${out.length} bytes, offset ${offset}`);
  }
  H[0] = 0x6a09e667;
  H[1] = 0xbb67ae85 | 0;
  H[2] = 0x3c6ef372;
  H[3] = 0xa54ff53a | 0;
  H[4] = 0x510e527f;
  H[5] = 0x9b05688c | 0;
  H[6] = 0x1f83d9ab;
  H[7] = 0x5be0cd19;
  // Whole blocks straight from the data; the rest, padded, from TAIL.
  const whole = data.length - (data.length % 64);
  for (let at = 0; at < whole; at += 64) compress(data, at);
  const rest = data.length - whole;
  const tailLength = rest + 9 > 64 ? 128 : 64;
  TAIL.fill(0, 0, tailLength);
  TAIL.set(data.subarray(whole), 0);
  TAIL[rest] = 0x80;
  const bits = data.length * 8;
  const high = Math.floor(bits / 0x1_0000_0000);
  TAIL[tailLength - 8] = high >>> 24;
  TAIL[tailLength - 7] = high >>> 16;
  TAIL[tailLength - 6] = high >>> 8;
  TAIL[tailLength - 5] = high;
  TAIL[tailLength - 4] = bits >>> 24;
  TAIL[tailLength - 3] = bits >>> 16;
  TAIL[tailLength - 2] = bits >>> 8;
  TAIL[tailLength - 1] = bits;
  compress(TAIL, 0);
  if (tailLength === 128) compress(TAIL, 64);
  for (let i = 0; i < 8; i++) {
    const w = H[i]!;
    out[offset + 4 * i] = w >>> 24;
    out[offset + 4 * i + 1] = w >>> 16;
    out[offset + 4 * i + 2] = w >>> 8;
    out[offset + 4 * i + 3] = w;
  }
}

/** One round of the compression function over the 64 bytes of `block` at `at`, into `H`. */
function compress(block: Uint8Array, at: number): void {
  for (let t = 0; t < 16; t++) {
    const i = at + 4 * t;
    W[t] = (block[i]! << 24) | (block[i + 1]! << 16) | (block[i + 2]! << 8) | block[i + 3]!;
  }
  for (let t = 16; t < 64; t++) {
    const x = W[t - 15]!;
    const y = W[t - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
  H[5] = (H[5]! + f) | 0;
  H[6] = (H[6]! + g) | 0;
  H[7] = (H[7]! + h) | 0;
}
