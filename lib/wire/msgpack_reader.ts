/**
 * The one MessagePack reader of the wire. It reads only the types the
 * protocol uses — int, str, bin and array — and owns the rules every decoder
 * shares:
 *
 * - ints in any width, within ±(2^53 - 1) (so every int is an exact number);
 * - strs must be well-formed UTF-8 (no overlongs, surrogates or code points
 *   over U+10FFFF), and a leading U+FEFF is kept (a relayed text must stay
 *   what its author signed);
 * - arrays nest at most {@linkcode ARRAY_DEPTH_MAX} deep and never claim more
 *   elements than there are bytes left (so a 64 KiB frame cannot make a
 *   decoder allocate hundreds of megabytes);
 * - maps, nil, booleans, floats and extensions are refused, and so are bytes
 *   after the value.
 *
 * Two ways in, for two kinds of decoder:
 *
 * - {@linkcode readMsgpackValue} scans the whole value first, then builds it
 *   as plain arrays, numbers, strings and bin views; a message decoder then
 *   checks the fields of that tree (the general message path).
 * - {@linkcode MsgpackReader} walks a known layout element by element without
 *   building a tree (the chat fast path, handshake payloads, direct-message
 *   boxes).
 *
 * Both report a failure by calling the caller's `fail`, which throws the
 * caller's error (`ProtocolError`, `DirectMessageError`, …).
 *
 * @module
 */

import { readU32BE } from "./bytes.ts";

/** Throws the caller's error for one problem; `detail` goes after the colon. */
export type ReadFail = (detail: string) => never;

/** How deep MessagePack arrays may nest (the message layouts use 3). */
export const ARRAY_DEPTH_MAX = 8;

/** Decodes text kept whole: a leading U+FEFF is text, not a byte-order mark. */
const UTF8_KEEP_BOM = new TextDecoder("utf-8", { ignoreBOM: true });

/** The same, refusing malformed input. */
const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Remaining element counts of the open arrays; index 1 is the outermost. */
const openArrays = new Uint32Array(ARRAY_DEPTH_MAX + 1);

function readUint(bytes: Uint8Array, pos: number, width: number): number {
  let n = 0;
  for (let i = 0; i < width; i++) n = n * 256 + bytes[pos + i]!;
  return n;
}

/**
 * The MessagePack type of a head byte, for error messages: "int", "str",
 * "bin", "array", "map", "nil", "boolean", "float", "extension" or "reserved byte 0x…".
 */
export function typeName(head: number): string {
  if (head <= 0x7f || head >= 0xe0 || (head >= 0xcc && head <= 0xd3)) return "int";
  if ((head >= 0x90 && head <= 0x9f) || head === 0xdc || head === 0xdd) return "array";
  if ((head >= 0xa0 && head <= 0xbf) || (head >= 0xd9 && head <= 0xdb)) return "str";
  if (head >= 0xc4 && head <= 0xc6) return "bin";
  return forbiddenType(head);
}

function forbiddenType(head: number): string {
  if ((head >= 0x80 && head <= 0x8f) || head === 0xde || head === 0xdf) return "map";
  if (head === 0xc0) return "nil";
  if (head === 0xc2 || head === 0xc3) return "boolean";
  if (head === 0xca || head === 0xcb) return "float";
  if ((head >= 0xc7 && head <= 0xc9) || (head >= 0xd4 && head <= 0xd8)) return "extension";
  return `reserved byte 0x${head.toString(16)}`;
}

/** Whether `bytes[start, end)` is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
export function isUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) low = 0xa0;
      else if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) low = 0x90;
      else if (lead === 0xf4) high = 0x8f;
    } else return false;
    if (i + need >= end) return false;
    const second = bytes[i + 1]!;
    if (second < low || second > high) return false;
    for (let k = 2; k <= need; k++) {
      const next = bytes[i + k]!;
      if (next < 0x80 || next > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/** Whether the 64-bit big-endian int at `pos` lies within ±(2^53 - 1). */
function isSafeInt64(bytes: Uint8Array, pos: number, signed: boolean): boolean {
  const high = readUint(bytes, pos, 4);
  if (!signed || high < 0x8000_0000) return high < 0x20_0000;
  // Negative: two's complement high word ≥ -2^21, and not exactly -2^53.
  if (high > 0xffe0_0000) return true;
  return high === 0xffe0_0000 && readUint(bytes, pos + 4, 4) !== 0;
}

/** The shape scan of {@linkcode readMsgpackValue}; see the module doc. */
function checkShape(bytes: Uint8Array, fail: ReadFail): void {
  const end = bytes.length;
  let pos = 0;
  let depth = 0;
  while (true) {
    if (pos >= end) fail(`MessagePack is truncated at byte ${pos}`);
    const at = pos;
    const head = bytes[pos++]!;
    let arrayLength = -1;
    if (head <= 0x7f || head >= 0xe0) {
      // positive or negative fixint
    } else if (head >= 0x90 && head <= 0x9f) {
      arrayLength = head & 0x0f;
    } else if (head >= 0xa0 && head <= 0xbf) {
      const length = head & 0x1f;
      if (length > end - pos) fail(`MessagePack is truncated in the str at byte ${at}`);
      if (!isUtf8(bytes, pos, pos + length)) fail(`str at byte ${at} is not valid UTF-8`);
      pos += length;
    } else {
      switch (head) {
        case 0xcc:
        case 0xd0:
          pos += 1;
          break;
        case 0xcd:
        case 0xd1:
          pos += 2;
          break;
        case 0xce:
        case 0xd2:
          pos += 4;
          break;
        case 0xcf:
        case 0xd3: {
          if (8 > end - pos) fail(`MessagePack is truncated at byte ${at}`);
          if (!isSafeInt64(bytes, pos, head === 0xd3)) {
            fail(`int at byte ${at} is outside ±(2^53 - 1)`);
          }
          pos += 8;
          break;
        }
        case 0xc4:
        case 0xc5:
        case 0xc6:
        case 0xd9:
        case 0xda:
        case 0xdb: {
          const width = head === 0xc4 || head === 0xd9 ? 1 : head === 0xc5 || head === 0xda ? 2 : 4;
          if (width > end - pos) fail(`MessagePack is truncated at byte ${at}`);
          const length = readUint(bytes, pos, width);
          pos += width;
          if (length > end - pos) fail(`MessagePack is truncated in the value at byte ${at}`);
          if (head >= 0xd9 && !isUtf8(bytes, pos, pos + length)) {
            fail(`str at byte ${at} is not valid UTF-8`);
          }
          pos += length;
          break;
        }
        case 0xdc:
        case 0xdd: {
          const width = head === 0xdc ? 2 : 4;
          if (width > end - pos) fail(`MessagePack is truncated at byte ${at}`);
          arrayLength = readUint(bytes, pos, width);
          pos += width;
          break;
        }
        default:
          fail(`${forbiddenType(head)} at byte ${at} is not allowed (only int, str, bin, array)`);
      }
      if (pos > end) fail(`MessagePack is truncated at byte ${at}`);
    }
    if (arrayLength >= 0) {
      // Even an empty array counts for depth.
      if (depth === ARRAY_DEPTH_MAX) fail(`arrays nest deeper than ${ARRAY_DEPTH_MAX}`);
      if (arrayLength > end - pos) {
        fail(`array at byte ${at} has ${arrayLength} elements but only ${end - pos} bytes follow`);
      }
      if (arrayLength > 0) {
        openArrays[++depth] = arrayLength;
        continue;
      }
    }
    // A value is complete; close every array it completes.
    while (depth > 0) {
      const left = openArrays[depth]! - 1;
      openArrays[depth] = left;
      if (left > 0) break;
      depth--;
    }
    if (depth === 0) {
      if (pos !== end) fail(`${end - pos} extra bytes after the MessagePack value`);
      return;
    }
  }
}

// Building the value. The shape scan proved the bytes well formed, so this
// only reads.

/** Strings up to this many bytes are decoded in JavaScript when they are ASCII. */
const ASCII_FAST_BYTES_MAX = 32;

/** A cursor over bytes that {@linkcode checkShape} accepted. */
interface Cursor {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
}

function readValue(c: Cursor): unknown {
  const head = c.bytes[c.pos++]!;
  if (head <= 0x7f) return head;
  if (head >= 0xe0) return head - 0x100;
  if (head >= 0x90 && head <= 0x9f) return readArray(c, head & 0x0f);
  if (head >= 0xa0 && head <= 0xbf) return readString(c, head & 0x1f);
  const view = c.view;
  const at = c.pos;
  switch (head) {
    case 0xcc:
      c.pos += 1;
      return c.bytes[at]!;
    case 0xcd:
      c.pos += 2;
      return view.getUint16(at);
    case 0xce:
      c.pos += 4;
      return view.getUint32(at);
    case 0xcf:
      c.pos += 8;
      return view.getUint32(at) * 2 ** 32 + view.getUint32(at + 4);
    case 0xd0:
      c.pos += 1;
      return view.getInt8(at);
    case 0xd1:
      c.pos += 2;
      return view.getInt16(at);
    case 0xd2:
      c.pos += 4;
      return view.getInt32(at);
    case 0xd3:
      c.pos += 8;
      // Exact: step 1 bounded it to ±(2^53 - 1).
      return view.getInt32(at) * 2 ** 32 + view.getUint32(at + 4);
    case 0xc4:
      c.pos += 1;
      return readBin(c, c.bytes[at]!);
    case 0xc5:
      c.pos += 2;
      return readBin(c, view.getUint16(at));
    case 0xc6:
      c.pos += 4;
      return readBin(c, view.getUint32(at));
    case 0xd9:
      c.pos += 1;
      return readString(c, c.bytes[at]!);
    case 0xda:
      c.pos += 2;
      return readString(c, view.getUint16(at));
    case 0xdb:
      c.pos += 4;
      return readString(c, view.getUint32(at));
    case 0xdc:
      c.pos += 2;
      return readArray(c, view.getUint16(at));
    default: // 0xdd; step 1 refused everything else
      c.pos += 4;
      return readArray(c, view.getUint32(at));
  }
}

function readArray(c: Cursor, length: number): unknown[] {
  const array = new Array<unknown>(length);
  for (let i = 0; i < length; i++) array[i] = readValue(c);
  return array;
}

function readBin(c: Cursor, length: number): Uint8Array {
  const start = c.pos;
  c.pos += length;
  return c.bytes.subarray(start, c.pos);
}

function readString(c: Cursor, length: number): string {
  const bytes = c.bytes;
  const start = c.pos;
  c.pos += length;
  if (length <= ASCII_FAST_BYTES_MAX) {
    let text = "";
    for (let i = start; i < c.pos; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return UTF8_KEEP_BOM.decode(bytes.subarray(start, c.pos));
      text += String.fromCharCode(byte);
    }
    return text;
  }
  return UTF8_KEEP_BOM.decode(bytes.subarray(start, c.pos));
}

/**
 * Reads one MessagePack value that must fill `bytes` exactly, after a shape
 * scan that enforces the rules in the module doc. Arrays come back as
 * arrays, ints as numbers, strs as strings, bins as views into `bytes`.
 *
 * @throws whatever `fail` throws, e.g. "arrays nest deeper than 8".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readMsgpackValue } from "./msgpack_reader.ts";
 *
 * const fail = (detail: string): never => {
 *   throw new Error(detail);
 * };
 * assert.deepEqual(readMsgpackValue(Uint8Array.of(0x92, 0x01, 0xa1, 0x78), fail), [1, "x"]);
 * assert.throws(() => readMsgpackValue(Uint8Array.of(0xc0), fail), /nil at byte 0/);
 * ```
 */
export function readMsgpackValue(bytes: Uint8Array, fail: ReadFail): unknown {
  checkShape(bytes, fail);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return readValue({ bytes, view, pos: 0 });
}

// ---------------------------------------------------------------------------
// Walking a layout

/**
 * A cursor over one MessagePack value of a known layout: each call reads the
 * next element as the type it names, in any width, under the rules of the
 * module doc. Strs and bins are read only at the position the layout puts
 * them, so a hostile length costs nothing before it is checked. Views into
 * the bytes are returned for bins; nothing is copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MsgpackReader } from "./msgpack_reader.ts";
 *
 * const reader = new MsgpackReader(Uint8Array.of(0x92, 0x07, 0xc4, 0x01, 0xff), (detail) => {
 *   throw new Error(detail);
 * });
 * assert.equal(reader.arrayLength("the array"), 2);
 * assert.equal(reader.uint("n"), 7);
 * assert.deepEqual(reader.bin("data"), Uint8Array.of(0xff));
 * reader.end();
 * ```
 */
export class MsgpackReader {
  readonly #bytes: Uint8Array;
  readonly #fail: ReadFail;
  #pos = 0;

  /** A reader at the start of `bytes`; `fail` throws the caller's error. */
  constructor(bytes: Uint8Array, fail: ReadFail) {
    this.#bytes = bytes;
    this.#fail = fail;
  }

  /** The bytes being read. */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /** Offset of the next element. */
  get pos(): number {
    return this.#pos;
  }

  /** Bytes after the read position. */
  get left(): number {
    return this.#bytes.length - this.#pos;
  }

  /** An array header's element count (fixarray, array 16 or array 32). */
  arrayLength(field: string): number {
    const head = this.#head(field);
    if ((head & 0xf0) === 0x90) return head & 0x0f;
    if (head === 0xdc) return this.#width(2, field);
    if (head === 0xdd) return this.#width(4, field);
    return this.#fail(`must be an array, got ${typeName(head)}`);
  }

  /** A non-negative int, in any width. */
  uint(field: string): number {
    // The common widths inline (clock counters are mostly uint 16 or 32).
    const bytes = this.#bytes;
    const at = this.#pos;
    const head = bytes[at];
    if (head !== undefined && head <= 0x7f) {
      this.#pos = at + 1;
      return head;
    }
    if (head === 0xcd && at + 3 <= bytes.length) {
      this.#pos = at + 3;
      return (bytes[at + 1]! << 8) | bytes[at + 2]!;
    }
    if (head === 0xce && at + 5 <= bytes.length) {
      this.#pos = at + 5;
      return readU32BE(bytes, at + 1);
    }
    const value = this.int(field);
    if (value < 0) this.#fail(`${field} must be an unsigned safe integer, got ${value}`);
    return value;
  }

  /** An int in any width, within ±(2^53 - 1). */
  int(field: string): number {
    const head = this.#head(field);
    if (head <= 0x7f) return head;
    if (head >= 0xe0) return head - 0x100;
    const bytes = this.#bytes;
    switch (head) {
      case 0xcc:
        return this.#width(1, field);
      case 0xcd:
        return this.#width(2, field);
      case 0xce:
        return this.#width(4, field);
      case 0xd0:
        return (this.#width(1, field) << 24) >> 24;
      case 0xd1:
        return (this.#width(2, field) << 16) >> 16;
      case 0xd2:
        return this.#width(4, field) | 0;
      case 0xcf:
      case 0xd3: {
        const at = this.#pos;
        this.#need(8, field);
        if (!isSafeInt64(bytes, at, head === 0xd3)) {
          this.#fail(`${field} is outside ±(2^53 - 1)`);
        }
        const high = this.#width(4, field);
        const low = this.#width(4, field);
        // Exact: within ±(2^53 - 1), as just checked.
        return (head === 0xd3 ? high | 0 : high) * 0x1_0000_0000 + low;
      }
      default:
        return this.#fail(`${field} must be an int, got ${typeName(head)}`);
    }
  }

  /** A bin's bytes (bin 8, 16 or 32), as a view. */
  bin(field: string): Uint8Array {
    const start = this.#binStart(field);
    return this.#bytes.subarray(start, this.#pos);
  }

  /**
   * A bin of exactly `length` bytes, in any width; returns the offset of its
   * first byte in {@linkcode bytes} (no view is made: the hot path reads ids).
   */
  binOfLength(field: string, length: number): number {
    const bytes = this.#bytes;
    const pos = this.#pos;
    if (bytes[pos] === 0xc4 && bytes[pos + 1] === length && pos + 2 + length <= bytes.length) {
      this.#pos = pos + 2 + length;
      return pos + 2;
    }
    const start = this.#binStart(field);
    if (this.#pos - start !== length) {
      this.#fail(`${field} must be a bin of ${length} bytes, got ${this.#pos - start}`);
    }
    return start;
  }

  /**
   * A str (fixstr, str 8, 16 or 32) of well-formed UTF-8. With `bytesMax`, a
   * longer one fails before it is decoded: "`field` is N bytes, limit M".
   */
  str(field: string, bytesMax = Infinity): string {
    const head = this.#head(field);
    let length: number;
    if (head >= 0xa0 && head <= 0xbf) length = head & 0x1f;
    else if (head === 0xd9) length = this.#width(1, field);
    else if (head === 0xda) length = this.#width(2, field);
    else if (head === 0xdb) length = this.#width(4, field);
    else return this.#fail(`${field} must be a str, got ${typeName(head)}`);
    if (length > bytesMax) this.#fail(`${field} is ${length} bytes, limit ${bytesMax}`);
    this.#need(length, field);
    const start = this.#pos;
    const end = start + length;
    this.#pos = end;
    const text = utf8Text(this.#bytes, start, end);
    if (text === undefined) this.#fail(`${field} is not valid UTF-8`);
    return text;
  }

  /** Checks that the value is complete: no bytes after it. */
  end(): void {
    const extra = this.#bytes.length - this.#pos;
    if (extra > 0) this.#fail(`has ${extra} extra bytes after the array`);
  }

  #binStart(field: string): number {
    const head = this.#head(field);
    let length: number;
    if (head === 0xc4) length = this.#width(1, field);
    else if (head === 0xc5) length = this.#width(2, field);
    else if (head === 0xc6) length = this.#width(4, field);
    else return this.#fail(`${field} must be a bin, got ${typeName(head)}`);
    this.#need(length, field);
    const start = this.#pos;
    this.#pos = start + length;
    return start;
  }

  #head(field: string): number {
    const head = this.#bytes[this.#pos];
    if (head === undefined) return this.#fail(`is truncated before ${field}`);
    this.#pos++;
    return head;
  }

  #need(length: number, field: string): void {
    if (length > this.#bytes.length - this.#pos) this.#fail(`is truncated in ${field}`);
  }

  /** A `width`-byte big-endian unsigned integer (width 1, 2 or 4). */
  #width(width: 1 | 2 | 4, field: string): number {
    this.#need(width, field);
    const bytes = this.#bytes;
    const at = this.#pos;
    this.#pos = at + width;
    if (width === 1) return bytes[at]!;
    if (width === 2) return (bytes[at]! << 8) | bytes[at + 1]!;
    return readU32BE(bytes, at);
  }
}

/**
 * The text of `bytes[start, end)` if it is well-formed UTF-8, else `undefined`.
 * A leading U+FEFF is kept.
 */
export function utf8Text(bytes: Uint8Array, start: number, end: number): string | undefined {
  if (start === end) return "";
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i]! >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  try {
    return UTF8_STRICT.decode(bytes.subarray(start, end));
  } catch {
    return undefined;
  }
}
