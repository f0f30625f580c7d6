/**
 * The one MessagePack writer of the wire. It writes the types the protocol
 * uses — int, str, bin and array — each in its shortest form, exactly as
 * `@msgpack/msgpack`'s `Encoder` writes them (the bytes chat signatures and
 * direct-message signatures cover were specified that way, so they must not
 * change): a non-negative int as positive fixint, uint 8/16/32/64; a negative
 * one as negative fixint, int 8/16/32/64; a str, bin or array with the
 * smallest header its length fits.
 *
 * Misuse — a number that is not a safe integer, a string that is not
 * well-formed Unicode, any other type — throws `TypeError`: callers check
 * their fields first (see `fields.ts`), so this never reaches the wire.
 *
 * @module
 */

import { utf8Bytes } from "./fields.ts";

/** Bytes the shared writer starts with; it doubles as needed and keeps its size. */
const INITIAL_BYTES = 2048;

/** Strings up to this many UTF-16 units are written in JavaScript when they are ASCII. */
const ASCII_INLINE_UNITS_MAX = 64;

const UTF8 = new TextEncoder();

/**
 * Appends MessagePack values to a growing buffer; {@linkcode finish} copies
 * out what was written and starts over.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MsgpackWriter } from "./msgpack_writer.ts";
 *
 * const writer = new MsgpackWriter();
 * writer.array(3);
 * writer.int(1);
 * writer.str("x");
 * writer.bin(Uint8Array.of(7));
 * assert.equal(writer.finish().join(), "147,1,161,120,196,1,7");
 * ```
 */
export class MsgpackWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #pos = 0;

  /** A writer whose buffer starts at `initialBytes` (default 2048). */
  constructor(initialBytes: number = INITIAL_BYTES) {
    this.#bytes = new Uint8Array(initialBytes);
    this.#view = new DataView(this.#bytes.buffer);
  }

  /** An array header for `length` elements; the elements follow. */
  array(length: number): void {
    this.#ensure(5);
    if (length < 16) this.#bytes[this.#pos++] = 0x90 | length;
    else if (length < 0x10000) this.#head16(0xdc, length);
    else this.#head32(0xdd, length);
  }

  /** A safe integer. */
  int(value: number): void {
    if (!Number.isSafeInteger(value)) {
      throw new TypeError(`Cannot write MessagePack int: ${value} is not a safe integer`);
    }
    this.#ensure(9);
    const bytes = this.#bytes;
    if (value >= 0) {
      if (value < 0x80) bytes[this.#pos++] = value;
      else if (value < 0x100) {
        bytes[this.#pos] = 0xcc;
        bytes[this.#pos + 1] = value;
        this.#pos += 2;
      } else if (value < 0x10000) this.#head16(0xcd, value);
      else if (value < 0x1_0000_0000) this.#head32(0xce, value);
      else {
        bytes[this.#pos] = 0xcf;
        this.#view.setUint32(this.#pos + 1, Math.floor(value / 0x1_0000_0000));
        this.#view.setUint32(this.#pos + 5, value >>> 0);
        this.#pos += 9;
      }
    } else if (value >= -0x20) bytes[this.#pos++] = value & 0xff;
    else if (value >= -0x80) {
      bytes[this.#pos] = 0xd0;
      bytes[this.#pos + 1] = value & 0xff;
      this.#pos += 2;
    } else if (value >= -0x8000) {
      bytes[this.#pos] = 0xd1;
      this.#view.setInt16(this.#pos + 1, value);
      this.#pos += 3;
    } else if (value >= -0x8000_0000) {
      bytes[this.#pos] = 0xd2;
      this.#view.setInt32(this.#pos + 1, value);
      this.#pos += 5;
    } else {
      bytes[this.#pos] = 0xd3;
      this.#view.setInt32(this.#pos + 1, Math.floor(value / 0x1_0000_0000));
      this.#view.setUint32(this.#pos + 5, value >>> 0);
      this.#pos += 9;
    }
  }

  /** A str: the UTF-8 of well-formed `text`. */
  str(text: string): void {
    const units = text.length;
    if (units <= ASCII_INLINE_UNITS_MAX) {
      this.#ensure(1 + units);
      const bytes = this.#bytes;
      const start = this.#pos + 1;
      let i = 0;
      for (; i < units; i++) {
        const code = text.charCodeAt(i);
        if (code >= 0x80) break;
        bytes[start + i] = code;
      }
      if (i === units) {
        // ASCII: a fixstr (under 32 bytes) or a str 8.
        if (units < 32) {
          bytes[this.#pos] = 0xa0 | units;
          this.#pos = start + units;
        } else {
          bytes.copyWithin(start + 1, start, start + units);
          bytes[this.#pos] = 0xd9;
          bytes[this.#pos + 1] = units;
          this.#pos = start + 1 + units;
        }
        return;
      }
    }
    if (!text.isWellFormed()) {
      throw new TypeError("Cannot write MessagePack str: text is not well-formed Unicode");
    }
    const length = utf8Bytes(text);
    this.#ensure(5 + length);
    if (length < 32) this.#bytes[this.#pos++] = 0xa0 | length;
    else if (length < 0x100) {
      this.#bytes[this.#pos] = 0xd9;
      this.#bytes[this.#pos + 1] = length;
      this.#pos += 2;
    } else if (length < 0x10000) this.#head16(0xda, length);
    else this.#head32(0xdb, length);
    UTF8.encodeInto(text, this.#bytes.subarray(this.#pos, this.#pos + length));
    this.#pos += length;
  }

  /** A bin holding `data`. */
  bin(data: Uint8Array): void {
    const length = data.length;
    this.#ensure(5 + length);
    if (length < 0x100) {
      this.#bytes[this.#pos] = 0xc4;
      this.#bytes[this.#pos + 1] = length;
      this.#pos += 2;
    } else if (length < 0x10000) this.#head16(0xc5, length);
    else this.#head32(0xc6, length);
    this.#bytes.set(data, this.#pos);
    this.#pos += length;
  }

  /**
   * Any value of the protocol's types: a safe integer, a string, a
   * `Uint8Array`, or an array of such values.
   *
   * @throws {TypeError} for anything else.
   */
  value(value: unknown): void {
    if (typeof value === "number") this.int(value);
    else if (typeof value === "string") this.str(value);
    else if (value instanceof Uint8Array) this.bin(value);
    else if (Array.isArray(value)) {
      this.array(value.length);
      for (const element of value) this.value(element);
    } else {
      throw new TypeError(
        `Cannot write MessagePack value: ${typeof value} is not int, str, bin or array`,
      );
    }
  }

  /** A copy of what was written since the last `finish`; the writer starts over. */
  finish(): Uint8Array<ArrayBuffer> {
    const out = this.#bytes.slice(0, this.#pos);
    this.#pos = 0;
    return out;
  }

  #head16(head: number, n: number): void {
    this.#bytes[this.#pos] = head;
    this.#bytes[this.#pos + 1] = n >>> 8;
    this.#bytes[this.#pos + 2] = n & 0xff;
    this.#pos += 3;
  }

  #head32(head: number, n: number): void {
    this.#bytes[this.#pos] = head;
    this.#view.setUint32(this.#pos + 1, n);
    this.#pos += 5;
  }

  #ensure(more: number): void {
    const needed = this.#pos + more;
    if (needed <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < needed) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.#pos));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }
}

const shared = new MsgpackWriter();

/**
 * Encodes one value (see {@linkcode MsgpackWriter.value}) into a new array.
 *
 * @throws {TypeError} for a value of another type, a number that is not a
 * safe integer or a string that is not well-formed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMsgpack } from "./msgpack_writer.ts";
 *
 * assert.equal(encodeMsgpack([0, 2, "hi"]).join(), "147,0,2,162,104,105");
 * ```
 */
export function encodeMsgpack(value: unknown): Uint8Array<ArrayBuffer> {
  try {
    shared.value(value);
  } catch (error) {
    shared.finish();
    throw error;
  }
  return shared.finish();
}
