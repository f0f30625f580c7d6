/**
 * Room keys: the 32-byte Noise pre-shared key (PSK) that keeps outsiders out
 * of a room. A key comes from one of three places:
 *
 * - a passphrase: `PBKDF2-HMAC-SHA256(secret, salt = "p2pchat-room-key:" ‖ room,
 *   600 000 iterations)` ({@linkcode deriveRoomKey});
 * - a key file: 64 hex digits (32 random bytes) on one line, used as the PSK
 *   as is ({@linkcode loadRoomKeyFile}, {@linkcode generateRoomKeyFile});
 * - nothing: the room is public, and its PSK is
 *   `SHA-256("p2pchat-public-room:" ‖ room)`, which anyone can compute
 *   ({@linkcode publicRoomKey}).
 *
 * Room names are 1–64 UTF-8 bytes without control characters, and are used
 * byte for byte (no Unicode normalization): the same name is needed on every
 * peer, both for the salt and for the Noise prologue. Passphrases are
 * NFC-normalized before use, so the same passphrase typed on systems that
 * compose accents differently gives the same key.
 *
 * @module
 */

import { hasControlCharacter } from "../wire/fields.ts";

/** Length in bytes of a room key (the Noise PSK). */
export const ROOM_KEY_BYTES = 32;

/** The room of a node that names none. */
export const DEFAULT_ROOM = "lobby";

/** Longest room name, in UTF-8 bytes. */
export const ROOM_NAME_BYTES_MAX = 64;

/** Longest passphrase, in UTF-8 bytes (after NFC normalization). */
export const ROOM_SECRET_BYTES_MAX = 1024;

/**
 * Default PBKDF2 iteration count: OWASP's 2023 recommendation for
 * PBKDF2-HMAC-SHA256. Measured cost with Deno 2.9.6 WebCrypto on one core of
 * a shared AMD EPYC server: 77–115 ms per derivation (median 84 ms over 10
 * runs), paid once at start-up. It is what slows down an offline guesser:
 * whoever a member dials (a fake peer the attacker advertised, say) receives
 * handshake message 3, whose last tag depends only on the PSK and values that
 * responder knows, and can test passphrases against it at this cost each
 * (less on a GPU). So a passphrase still needs real entropy; a key file has
 * 256 bits.
 */
export const ROOM_KEY_ITERATIONS_DEFAULT = 600_000;

/** Most PBKDF2 iterations accepted (a guard against typos that would hang start-up). */
export const ROOM_KEY_ITERATIONS_MAX = 100_000_000;

/** Domain string that starts the PBKDF2 salt; the room name follows it. */
export const ROOM_KEY_SALT_PREFIX = "p2pchat-room-key:";

/** Domain string hashed with the room name to make the well-known key of a public room. */
export const PUBLIC_ROOM_KEY_PREFIX = "p2pchat-public-room:";

/** Largest key file read, in bytes: 64 hex digits with room for whitespace. */
export const ROOM_KEY_FILE_BYTES_MAX = 1024;

/** Where a room key came from. */
export type RoomKeySource = "secret" | "key-file" | "public";

/** A room's name and its PSK, ready for the Noise handshake. */
export interface RoomKey {
  /** The room name (also mixed into the Noise prologue). */
  readonly room: string;
  /** The 32-byte pre-shared key. */
  readonly psk: Uint8Array;
  /** Whether anyone who knows the room name can join: the UI must say so. */
  readonly isPublic: boolean;
  /** Where the key came from. */
  readonly source: RoomKeySource;
}

/** Options of {@linkcode deriveRoomKey}. */
export interface DeriveRoomKeyOptions {
  /** PBKDF2 iterations. Default {@linkcode ROOM_KEY_ITERATIONS_DEFAULT} (600 000). */
  iterations?: number;
}

/** Options of {@linkcode resolveRoomKey}: at most one of `secret` and `keyFile`. */
export interface ResolveRoomKeyOptions extends DeriveRoomKeyOptions {
  /** A passphrase to derive the key from. Default: none. */
  secret?: string | undefined;
  /** Path of a key file to load the key from. Default: none. */
  keyFile?: string | undefined;
}

const encoder = new TextEncoder();
const KEY_FILE_PATTERN = /^[0-9a-fA-F]{64}$/;

/**
 * What is wrong with a room name, or `undefined` if it is valid: 1–64 UTF-8
 * bytes, well-formed Unicode, no control characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roomNameProblem } from "./room_key.ts";
 *
 * assert.equal(roomNameProblem("lobby"), undefined);
 * assert.equal(roomNameProblem(""), "it is empty");
 * ```
 */
export function roomNameProblem(room: string): string | undefined {
  if (typeof room !== "string") return "it is not a string";
  if (room.length === 0) return "it is empty";
  if (!room.isWellFormed()) return "it is not well-formed Unicode";
  if (hasControlCharacter(room)) return "it contains a control character";
  const bytes = encoder.encode(room).byteLength;
  if (bytes > ROOM_NAME_BYTES_MAX) return `it is ${bytes} bytes, limit ${ROOM_NAME_BYTES_MAX}`;
  return undefined;
}

/**
 * Throws a `RangeError` if `room` is not a valid room name (see
 * {@linkcode roomNameProblem}), e.g. "Invalid room name 'x…': it is 70 bytes, limit 64".
 */
export function checkRoomName(room: string): void {
  const problem = roomNameProblem(room);
  if (problem !== undefined) {
    throw new RangeError(`Invalid room name ${JSON.stringify(String(room))}: ${problem}`);
  }
}

/**
 * Derives a room's PSK from its passphrase with PBKDF2-HMAC-SHA256 (WebCrypto):
 * password = the NFC-normalized passphrase in UTF-8, salt =
 * `"p2pchat-room-key:" ‖ room` in UTF-8, 32 bytes of output. The default
 * 600 000 iterations take about 80–115 ms here; see
 * {@linkcode ROOM_KEY_ITERATIONS_DEFAULT}.
 *
 * @throws {RangeError} for an invalid room name, an empty or too long
 * passphrase, or an iteration count outside 1–100 000 000.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deriveRoomKey } from "./room_key.ts";
 *
 * const psk = await deriveRoomKey("lobby", "correct horse", { iterations: 1_000 });
 * assert.equal(psk.byteLength, 32);
 * ```
 */
export async function deriveRoomKey(
  room: string,
  secret: string,
  options: DeriveRoomKeyOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  checkRoomName(room);
  const iterations = options.iterations ?? ROOM_KEY_ITERATIONS_DEFAULT;
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > ROOM_KEY_ITERATIONS_MAX) {
    throw new RangeError(
      `Cannot derive room key: iterations ${iterations} is outside 1..${ROOM_KEY_ITERATIONS_MAX}`,
    );
  }
  if (typeof secret !== "string" || secret.length === 0) {
    throw new RangeError("Cannot derive room key: the secret is empty; omit it for a public room");
  }
  if (!secret.isWellFormed()) {
    throw new RangeError("Cannot derive room key: the secret is not well-formed Unicode");
  }
  const password = encoder.encode(secret.normalize("NFC"));
  try {
    if (password.byteLength > ROOM_SECRET_BYTES_MAX) {
      throw new RangeError(
        `Cannot derive room key: the secret is ${password.byteLength} bytes, limit ${ROOM_SECRET_BYTES_MAX}`,
      );
    }
    const key = await crypto.subtle.importKey("raw", password, "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits(
      {
        name: "PBKDF2",
        hash: "SHA-256",
        salt: encoder.encode(ROOM_KEY_SALT_PREFIX + room),
        iterations,
      },
      key,
      ROOM_KEY_BYTES * 8,
    );
    return new Uint8Array(bits);
  } finally {
    password.fill(0);
  }
}

/**
 * The well-known PSK of a public room: `SHA-256("p2pchat-public-room:" ‖ room)`.
 * Anyone who knows the room name can compute it, so it keeps out only those
 * who don't; the room is public and the UI must say so.
 *
 * @throws {RangeError} for an invalid room name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { publicRoomKey } from "./room_key.ts";
 *
 * const key = await publicRoomKey("lobby");
 * assert.ok(key.isPublic && key.psk.byteLength === 32);
 * ```
 */
export async function publicRoomKey(room: string): Promise<RoomKey> {
  checkRoomName(room);
  const digest = await crypto.subtle.digest(
    "SHA-256",
    encoder.encode(PUBLIC_ROOM_KEY_PREFIX + room),
  );
  const key: RoomKey = { room, psk: new Uint8Array(digest), isPublic: true, source: "public" };
  return Object.freeze(key);
}

/**
 * Parses the text of a key file: 64 hex digits (either case), surrounding
 * whitespace ignored. Returns the 32 bytes.
 *
 * @throws {TypeError} if the text is not exactly 64 hex digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRoomKeyText } from "./room_key.ts";
 *
 * assert.equal(parseRoomKeyText(`${"ab".repeat(32)}\n`).byteLength, 32);
 * ```
 */
export function parseRoomKeyText(text: string): Uint8Array<ArrayBuffer> {
  const trimmed = text.trim();
  if (!KEY_FILE_PATTERN.test(trimmed)) {
    throw new TypeError(
      `Cannot parse room key: expected 64 hex digits (32 bytes), got ${trimmed.length} characters${
        /^[0-9a-fA-F]*$/.test(trimmed) ? "" : " that are not all hex digits"
      }`,
    );
  }
  const key = new Uint8Array(ROOM_KEY_BYTES);
  for (let i = 0; i < ROOM_KEY_BYTES; i++) key[i] = parseInt(trimmed.slice(2 * i, 2 * i + 2), 16);
  return key;
}

/**
 * The text of a new key file: 32 bytes from the system CSPRNG as 64 lowercase
 * hex digits and a newline. Share it with the room's members over a channel
 * you trust; whoever has it can join and read the room.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateRoomKeyText, parseRoomKeyText } from "./room_key.ts";
 *
 * assert.equal(parseRoomKeyText(generateRoomKeyText()).byteLength, 32);
 * ```
 */
export function generateRoomKeyText(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(ROOM_KEY_BYTES));
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  bytes.fill(0);
  return `${hex}\n`;
}

/**
 * Writes a new key file at `path` (mode 0600, owner only) and returns its text.
 * Refuses to overwrite an existing file.
 *
 * @throws {Deno.errors.AlreadyExists} if `path` exists.
 */
export async function generateRoomKeyFile(path: string): Promise<string> {
  const text = generateRoomKeyText();
  await Deno.writeTextFile(path, text, { createNew: true, mode: 0o600 });
  return text;
}

/**
 * Loads a key file (see {@linkcode parseRoomKeyText}) and returns its 32 bytes,
 * used as the PSK directly. Files over 1 KiB are refused unread.
 *
 * @throws {Error} naming the path and the problem, e.g. "Cannot load room key
 * file keys/lobby.key: expected 64 hex digits (32 bytes), got 12 characters".
 */
export async function loadRoomKeyFile(path: string): Promise<Uint8Array<ArrayBuffer>> {
  const fail = (detail: string, cause?: unknown): never => {
    throw new Error(`Cannot load room key file ${path}: ${detail}`, { cause });
  };
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    return fail(error instanceof Deno.errors.NotFound ? "no such file" : String(error), error);
  }
  try {
    const info = await file.stat();
    if (!info.isFile) fail("not a regular file");
    if (info.size > ROOM_KEY_FILE_BYTES_MAX) {
      fail(`${info.size} bytes, a key file has at most ${ROOM_KEY_FILE_BYTES_MAX}`);
    }
    const buffer = new Uint8Array(ROOM_KEY_FILE_BYTES_MAX + 1);
    let length = 0;
    for (;;) {
      const n = await file.read(buffer.subarray(length));
      if (n === null) break;
      length += n;
      if (length > ROOM_KEY_FILE_BYTES_MAX) fail(`more than ${ROOM_KEY_FILE_BYTES_MAX} bytes`);
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(buffer.subarray(0, length));
    } catch (error) {
      return fail("it is not text", error);
    } finally {
      buffer.fill(0);
    }
    try {
      return parseRoomKeyText(text);
    } catch (error) {
      return fail((error as Error).message.replace(/^Cannot parse room key: /, ""), error);
    }
  } finally {
    file.close();
  }
}

/**
 * The room key for a room as the user configured it: from `secret`, from
 * `keyFile`, or (with neither) the public key of the room.
 *
 * @throws {TypeError} if both `secret` and `keyFile` are given.
 * @throws {RangeError} for an invalid room name or secret.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveRoomKey } from "./room_key.ts";
 *
 * const open = await resolveRoomKey("lobby");
 * const closed = await resolveRoomKey("lobby", { secret: "s3cret", iterations: 1_000 });
 * assert.ok(open.isPublic && !closed.isPublic);
 * ```
 */
export async function resolveRoomKey(
  room: string,
  options: ResolveRoomKeyOptions = {},
): Promise<RoomKey> {
  checkRoomName(room);
  const { secret, keyFile } = options;
  if (secret !== undefined && keyFile !== undefined) {
    throw new TypeError("Cannot resolve room key: give a secret or a key file, not both");
  }
  if (secret !== undefined) {
    const derived: DeriveRoomKeyOptions = {};
    if (options.iterations !== undefined) derived.iterations = options.iterations;
    const psk = await deriveRoomKey(room, secret, derived);
    const key: RoomKey = { room, psk, isPublic: false, source: "secret" };
    return Object.freeze(key);
  }
  if (keyFile !== undefined) {
    const psk = await loadRoomKeyFile(keyFile);
    const key: RoomKey = { room, psk, isPublic: false, source: "key-file" };
    return Object.freeze(key);
  }
  return await publicRoomKey(room);
}
