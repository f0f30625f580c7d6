/**
 * A node's keys: its Ed25519 identity, kept on disk and reused across runs,
 * and its Noise static X25519 key, made fresh for every process. The static
 * key is not kept because nothing needs it to last (the identity binding is
 * signed anew each run) and a lasting one would let anyone who knows the
 * room *name* recognise a node across restarts: a responder's static key
 * travels in handshake message 2, before the room secret is proven.
 *
 * Layout of the data directory (created with mode 0700):
 *
 * - `identity.key` — the Ed25519 private key.
 *
 * The file is a PKCS#8 private key (RFC 5208/8410) in PEM
 * (`-----BEGIN PRIVATE KEY-----`), so `openssl pkey -in identity.key -text`
 * can read it, created with mode 0600. On POSIX systems a key file that
 * others may read or write, or a data directory that others may write, is
 * refused with an error saying how to fix it; Windows has no such modes and
 * skips the check. A file that does not hold the expected key is refused too,
 * never overwritten. Files are created under a temporary name and linked into
 * place, so two processes starting at once end up with the same keys.
 *
 * @module
 */

import { generateX25519KeyPair, type X25519KeyPair } from "./x25519_key_pair.ts";
import {
  exportIdentityPkcs8,
  generateIdentity,
  type Identity,
  importIdentityPkcs8,
} from "./identity.ts";

/** Name of the identity key file inside the data directory. */
export const IDENTITY_KEY_FILE = "identity.key";

/** Largest key file read, in bytes; a PEM key of either kind is about 120. */
export const KEY_FILE_BYTES_MAX = 4096;

/** A node's keys: its identity and its Noise static key pair. */
export interface NodeKeys {
  /** The Ed25519 identity; its id is the hex public key. */
  readonly identity: Identity;
  /** The Noise static key pair, bound to the identity in every handshake. */
  readonly noiseStaticKeyPair: X25519KeyPair;
}

const PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
const PEM_END = "-----END PRIVATE KEY-----";

/** One kind of key file: how to make, import and name its key. */
interface KeyKind<K> {
  /** What the errors call it, e.g. "identity". */
  readonly label: string;
  /** A fresh key as PKCS#8 DER. */
  generate(): Promise<Uint8Array>;
  /** Imports PKCS#8 DER; throws if it is not this kind of key. */
  load(der: Uint8Array): Promise<K>;
}

const IDENTITY_KIND: KeyKind<Identity> = {
  label: "identity",
  generate: async () => exportIdentityPkcs8(await generateIdentity()),
  // Extractable: direct messages derive the X25519 key from the Ed25519 seed.
  load: (der) => importIdentityPkcs8(der, { extractable: true }),
};

/**
 * Loads the node's keys from `dataDir`, creating the directory (mode 0700)
 * and any missing key file (mode 0600) first.
 *
 * @throws {Error} with a message that says what to do, e.g. "Cannot load
 * identity from data/identity.key: mode 0644 lets others access it; run
 * chmod 600 data/identity.key", or "…: the file is corrupt (…); move it away
 * to create a new one".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadOrCreateIdentity } from "./identity_store.ts";
 *
 * const dataDir = await Deno.makeTempDir();
 * const first = await loadOrCreateIdentity(dataDir);
 * const again = await loadOrCreateIdentity(dataDir);
 * assert.equal(again.identity.id, first.identity.id);
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<NodeKeys> {
  await prepareDirectory(dataDir);
  const identity = await loadOrCreate(joinPath(dataDir, IDENTITY_KEY_FILE), IDENTITY_KIND);
  const noiseStaticKeyPair = await generateX25519KeyPair();
  return Object.freeze({ identity, noiseStaticKeyPair });
}

/**
 * Fresh keys that live only in memory, for tests and throwaway nodes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateNodeKeys } from "./identity_store.ts";
 *
 * const keys = await generateNodeKeys();
 * assert.equal(keys.identity.id.length, 64);
 * assert.equal(keys.noiseStaticKeyPair.publicKey.byteLength, 32);
 * ```
 */
export async function generateNodeKeys(): Promise<NodeKeys> {
  const [identity, noiseStaticKeyPair] = await Promise.all([
    generateIdentity(),
    generateX25519KeyPair(),
  ]);
  return Object.freeze({ identity, noiseStaticKeyPair });
}

/** Encodes PKCS#8 DER as PEM, 64 base64 characters a line. */
export function encodePkcs8Pem(der: Uint8Array): string {
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const base64 = btoa(binary);
  const lines = [PEM_BEGIN];
  for (let i = 0; i < base64.length; i += 64) lines.push(base64.slice(i, i + 64));
  lines.push(PEM_END, "");
  return lines.join("\n");
}

/**
 * Decodes a PEM `PRIVATE KEY` block (surrounding whitespace and CRLF line ends
 * allowed) into DER.
 *
 * @throws {TypeError} if the text is not one such block.
 */
export function decodePkcs8Pem(text: string): Uint8Array<ArrayBuffer> {
  const lines = text.trim().split(/\r?\n/).map((line) => line.trim());
  if (lines.length < 3 || lines[0] !== PEM_BEGIN || lines[lines.length - 1] !== PEM_END) {
    throw new TypeError(`expected a PEM block between "${PEM_BEGIN}" and "${PEM_END}"`);
  }
  const base64 = lines.slice(1, -1).join("");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new TypeError("the PEM block is not valid base64");
  }
  let binary: string;
  try {
    binary = atob(base64);
  } catch {
    throw new TypeError("the PEM block is not valid base64");
  }
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

const isWindows = Deno.build.os === "windows";

async function prepareDirectory(dataDir: string): Promise<void> {
  const fail = (detail: string, cause?: unknown): never => {
    throw new Error(`Cannot use data directory ${dataDir}: ${detail}`, { cause });
  };
  try {
    await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    fail(describe(error), error);
  }
  const info = await Deno.stat(dataDir);
  if (!info.isDirectory) fail("it is not a directory");
  if (!isWindows && info.mode !== null && (info.mode & 0o022) !== 0) {
    fail(`mode ${formatMode(info.mode)} lets others write to it; run chmod 700 ${dataDir}`);
  }
}

async function loadOrCreate<K>(path: string, kind: KeyKind<K>): Promise<K> {
  const existing = await load(path, kind);
  if (existing !== undefined) return existing;
  await create(path, kind);
  const created = await load(path, kind);
  if (created === undefined) {
    throw new Error(`Cannot load ${kind.label} from ${path}: it vanished right after creation`);
  }
  return created;
}

/** The key in `path`, or `undefined` if there is no such file. */
async function load<K>(path: string, kind: KeyKind<K>): Promise<K | undefined> {
  const fail = (detail: string, cause?: unknown): never => {
    throw new Error(`Cannot load ${kind.label} from ${path}: ${detail}`, { cause });
  };
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    return fail(describe(error), error);
  }
  if (!info.isFile) fail("it is not a regular file");
  if (!isWindows && info.mode !== null && (info.mode & 0o077) !== 0) {
    fail(`mode ${formatMode(info.mode)} lets others access it; run chmod 600 ${path}`);
  }
  const corrupt = (detail: string, cause?: unknown): never =>
    fail(`the file is corrupt (${detail}); move it away to create a new one`, cause);
  if (info.size > KEY_FILE_BYTES_MAX) {
    corrupt(`${info.size} bytes, a key file has at most ${KEY_FILE_BYTES_MAX}`);
  }
  let der: Uint8Array;
  try {
    const bytes = await Deno.readFile(path);
    if (bytes.byteLength > KEY_FILE_BYTES_MAX) throw new TypeError("it grew while being read");
    der = decodePkcs8Pem(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    bytes.fill(0);
  } catch (error) {
    return corrupt(describe(error), error);
  }
  try {
    return await kind.load(der);
  } catch (error) {
    return corrupt(`not a PKCS#8 ${kind.label}: ${describe(error)}`, error);
  } finally {
    der.fill(0);
  }
}

/** Writes a new key to `path` unless one is there already (then it is left alone). */
async function create<K>(path: string, kind: KeyKind<K>): Promise<void> {
  const der = await kind.generate();
  const pem = new TextEncoder().encode(encodePkcs8Pem(der));
  der.fill(0);
  const suffix = Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16))
    .join("");
  const temporary = `${path}.${suffix}.tmp`;
  try {
    await Deno.writeFile(temporary, pem, { createNew: true, mode: 0o600 });
    pem.fill(0);
    try {
      // A hard link never replaces an existing file: the first process to get here wins.
      await Deno.link(temporary, path);
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  } catch (error) {
    throw new Error(`Cannot create ${kind.label} in ${path}: ${describe(error)}`, {
      cause: error,
    });
  } finally {
    await Deno.remove(temporary).catch(() => {});
  }
}

function joinPath(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? `${dir}${name}` : `${dir}/${name}`;
}

function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, "0")}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
