/**
 * Field rules of the wire protocol, in one place: the one control-character
 * pattern, UTF-8 lengths, peer ids, nicks, chat texts and integers (the
 * address rule, `checkAddr`, is in `address.ts`).
 * The message codec, direct messages, room names, the CLI and the front ends
 * all check their fields here, so a value one of them accepts the others do
 * too.
 *
 * The `check…` functions take a `fail` callback that throws (a
 * `ProtocolError` when decoding, a `RangeError` when encoding) and return the
 * checked value; the `…Problem` functions return a sentence for a user, or
 * `undefined` when the value is fine.
 *
 * @module
 */

import { isLowerHex } from "./hex.ts";
import { PEER_ID_BYTES, type PeerId } from "./message.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "./wire_limits.ts";

/** Throws the error for one problem; `detail` goes after the colon. */
export type FieldFail = (detail: string, cause?: unknown) => never;

/** The control characters no nick, room name or log line may carry: C0, DEL and C1. */
const CONTROL_CLASS = "\\u0000-\\u001f\\u007f-\\u009f";

const CONTROL_PATTERN = new RegExp(`[${CONTROL_CLASS}]`);

/** Control characters plus the quote and backslash, as {@linkcode quoteForError} escapes them. */
const QUOTE_ESCAPED_PATTERN = new RegExp(`[${CONTROL_CLASS}'\\\\]`, "g");

/**
 * Whether `text` contains a control character (U+0000..U+001F, U+007F..U+009F).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hasControlCharacter } from "./fields.ts";
 *
 * assert.ok(hasControlCharacter("a\nb") && !hasControlCharacter("ann"));
 * ```
 */
export function hasControlCharacter(text: string): boolean {
  return CONTROL_PATTERN.test(text);
}

/** How many characters of a hostile value an error message echoes at most. */
const QUOTED_CHARS_MAX = 64;

/**
 * Quote a value from the network for an error message: single quotes,
 * control characters escaped, cut to 64 characters, so that a hostile peer
 * cannot flood or forge log lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoteForError } from "./fields.ts";
 *
 * assert.equal(quoteForError("a\nb"), "'a\\u000ab'");
 * ```
 */
export function quoteForError(text: string): string {
  const cut = text.length > QUOTED_CHARS_MAX ? `${text.slice(0, QUOTED_CHARS_MAX)}…` : text;
  const escaped = cut.replace(QUOTE_ESCAPED_PATTERN, (char) => {
    if (char === "'" || char === "\\") return `\\${char}`;
    return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
  return `'${escaped}'`;
}

/** A short, safe description of a decoded value for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return `str ${quoteForError(value)}`;
  if (value instanceof Uint8Array) return `bin of ${value.length} bytes`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  return typeof value;
}

/**
 * UTF-8 length of a well-formed string, without encoding it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utf8Bytes } from "./fields.ts";
 *
 * assert.equal(utf8Bytes("é🦕"), 6);
 * ```
 */
export function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 2; // surrogate pair: 2 units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * Whether `value` is a peer id in its in-memory form: 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPeerId } from "./fields.ts";
 *
 * assert.ok(isPeerId("ab".repeat(32)) && !isPeerId("AB".repeat(32)));
 * ```
 */
export function isPeerId(value: unknown): value is PeerId {
  return typeof value === "string" && value.length === 2 * PEER_ID_BYTES && isLowerHex(value);
}

/** Checks an unsigned safe integer. */
export function checkUint(value: unknown, field: string, fail: FieldFail): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    fail(`${field} must be an unsigned safe integer, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks a safe integer of at least 1. */
export function checkPositive(value: unknown, field: string, fail: FieldFail): number {
  const n = checkUint(value, field, fail);
  if (n < 1) fail(`${field} must be at least 1, got 0`);
  return n;
}

/** Checks a safe integer (e.g. a timestamp). */
export function checkInt(value: unknown, field: string, fail: FieldFail): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    fail(`${field} must be a safe integer, got ${describeValue(value)}`);
  }
  return value;
}

/** Checks that a string is well-formed Unicode of at most `bytesMax` UTF-8 bytes. */
export function checkUtf8Length(
  text: string,
  field: string,
  bytesMax: number,
  fail: FieldFail,
): string {
  if (!text.isWellFormed()) fail(`${field} is not well-formed Unicode`);
  // Cheap bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  if (text.length * 3 <= bytesMax) return text;
  const bytes = utf8Bytes(text);
  if (bytes > bytesMax) fail(`${field} is ${bytes} bytes, limit ${bytesMax}`);
  return text;
}

/** Checks a str of a message: well-formed Unicode of at most `bytesMax` UTF-8 bytes. */
export function checkStr(value: unknown, field: string, bytesMax: number, fail: FieldFail): string {
  if (typeof value !== "string") fail(`${field} must be a str, got ${describeValue(value)}`);
  if (!value.isWellFormed()) fail(`${field} is not well-formed Unicode`);
  if (value.length * 3 <= bytesMax) return value;
  const bytes = utf8Bytes(value);
  if (bytes > bytesMax) fail(`${field} is ${bytes} bytes, limit ${bytesMax}`);
  return value;
}

/**
 * Checks a nick of a direct message: 1 to `nickBytesMax` UTF-8 bytes,
 * well-formed, no control character.
 */
export function checkNickText(
  nick: string,
  field: string,
  limits: Pick<WireLimits, "nickBytesMax">,
  fail: FieldFail,
): string {
  if (nick.length === 0) fail(`${field} is empty`);
  checkUtf8Length(nick, field, limits.nickBytesMax, fail);
  return checkNoControl(nick, field, fail);
}

/**
 * Checks a nick of a message: a str of 1 to `nickBytesMax` bytes as the
 * codec counts them ({@linkcode checkStr}), no control character.
 */
export function checkNick(
  value: unknown,
  field: string,
  limits: Pick<WireLimits, "nickBytesMax">,
  fail: FieldFail,
): string {
  const nick = checkStr(value, field, limits.nickBytesMax, fail);
  if (nick.length === 0) fail(`${field} is empty`);
  return checkNoControl(nick, field, fail);
}

function checkNoControl(text: string, field: string, fail: FieldFail): string {
  if (CONTROL_PATTERN.test(text)) {
    fail(`${field} ${quoteForError(text)} contains a control character`);
  }
  return text;
}

/**
 * Why `nick` cannot be used, or `undefined` when it can: 1 to 32 UTF-8 bytes
 * (`DEFAULT_WIRE_LIMITS.nickBytesMax`), no control characters. For front ends
 * and the CLI; the sentence suits a user.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nickProblem } from "./fields.ts";
 *
 * assert.equal(nickProblem("ann"), undefined);
 * assert.equal(nickProblem(""), "a nick needs at least one character");
 * ```
 */
export function nickProblem(nick: string): string | undefined {
  const bytes = new TextEncoder().encode(nick).length;
  if (bytes === 0) return "a nick needs at least one character";
  if (bytes > DEFAULT_WIRE_LIMITS.nickBytesMax) {
    return `${quoteForError(nick)} is ${bytes} bytes, limit ${DEFAULT_WIRE_LIMITS.nickBytesMax}`;
  }
  if (CONTROL_PATTERN.test(nick)) return "a nick cannot contain control characters";
  return undefined;
}

/**
 * Why `text` cannot be sent as a chat (or direct) text, or `undefined` when
 * it can: well-formed Unicode of at most `limits.textBytesMax` UTF-8 bytes,
 * the rule `encodeMessage` and `decodeMessage` enforce.
 *
 * @param limits Default `DEFAULT_WIRE_LIMITS` (4096 bytes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textProblem } from "./fields.ts";
 *
 * assert.equal(textProblem("hi"), undefined);
 * assert.equal(textProblem("x".repeat(4097)), "text is 4097 bytes, limit 4096");
 * ```
 */
export function textProblem(
  text: string,
  limits: Pick<WireLimits, "textBytesMax"> = DEFAULT_WIRE_LIMITS,
): string | undefined {
  if (!text.isWellFormed()) return "text is not well-formed Unicode";
  const bytes = utf8Bytes(text);
  if (bytes > limits.textBytesMax) return `text is ${bytes} bytes, limit ${limits.textBytesMax}`;
  return undefined;
}
