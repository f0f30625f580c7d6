/**
 * MessagePack as a tree the fuzzers can edit: every value of the format
 * (including those p2pchat forbids — maps, nil, booleans, floats,
 * extensions), each with the exact head byte it was or will be written with,
 * so that a mutation can change a value, its type, its width or the element
 * count an array declares, and {@linkcode packTree} writes exactly that.
 *
 * @module
 */

/**
 * A MessagePack value; `head` pins the format byte (else the shortest is
 * written; `-1` pins a fixint, fixstr or fixarray).
 */
export type PackNode =
  | { readonly kind: "int"; readonly value: bigint; readonly head?: number }
  | { readonly kind: "str"; readonly bytes: Uint8Array; readonly head?: number }
  | { readonly kind: "bin"; readonly bytes: Uint8Array; readonly head?: number }
  | {
    readonly kind: "array";
    readonly items: readonly PackNode[];
    readonly head?: number;
    /** The element count written in the head, when it should differ from `items.length`. */
    readonly declared?: number;
  }
  | { readonly kind: "map"; readonly entries: readonly (readonly [PackNode, PackNode])[] }
  | { readonly kind: "nil" }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "float"; readonly value: number; readonly width: 32 | 64 }
  | { readonly kind: "ext"; readonly type: number; readonly data: Uint8Array }
  /** Bytes written as they are: anything at all, in the middle of a structure. */
  | { readonly kind: "raw"; readonly bytes: Uint8Array };

/** The kinds of {@linkcode PackNode}. */
export type PackKind = PackNode["kind"];

/** Deepest nesting {@linkcode unpackTree} follows before it gives up. */
export const UNPACK_DEPTH_MAX = 256;

/** A growable byte buffer. */
class ByteSink {
  #bytes = new Uint8Array(256);
  #length = 0;

  byte(value: number): void {
    this.#reserve(1);
    this.#bytes[this.#length++] = value & 0xff;
  }

  /** `value` (taken modulo 2^(8·width)) as a big-endian unsigned integer of `width` bytes. */
  uint(value: bigint | number, width: number): void {
    let n = BigInt.asUintN(width * 8, BigInt(value));
    this.#reserve(width);
    for (let i = width - 1; i >= 0; i--) {
      this.#bytes[this.#length + i] = Number(n & 0xffn);
      n >>= 8n;
    }
    this.#length += width;
  }

  bytes(part: Uint8Array): void {
    this.#reserve(part.length);
    this.#bytes.set(part, this.#length);
    this.#length += part.length;
  }

  done(): Uint8Array<ArrayBuffer> {
    return this.#bytes.slice(0, this.#length);
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.#length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
}

/** The shortest head byte for an int. */
function intHead(value: bigint): number {
  if (value >= 0n) {
    if (value <= 0x7fn) return -1; // positive fixint
    if (value <= 0xffn) return 0xcc;
    if (value <= 0xffffn) return 0xcd;
    if (value <= 0xffff_ffffn) return 0xce;
    return 0xcf;
  }
  if (value >= -32n) return -1; // negative fixint
  if (value >= -128n) return 0xd0;
  if (value >= -32768n) return 0xd1;
  if (value >= -(2n ** 31n)) return 0xd2;
  return 0xd3;
}

/** Width in bytes of the payload of an int head. */
const INT_WIDTHS: Readonly<Record<number, number>> = {
  0xcc: 1,
  0xcd: 2,
  0xce: 4,
  0xcf: 8,
  0xd0: 1,
  0xd1: 2,
  0xd2: 4,
  0xd3: 8,
};

/** The heads that may carry an int (fixints are written as `-1`). */
export const INT_HEADS: readonly number[] = Object.freeze([
  0xcc,
  0xcd,
  0xce,
  0xcf,
  0xd0,
  0xd1,
  0xd2,
  0xd3,
]);

/** Heads of str, bin and array by width of their length field. */
export const STR_HEADS: readonly number[] = Object.freeze([0xd9, 0xda, 0xdb]);
/** Heads of bin by width of the length field. */
export const BIN_HEADS: readonly number[] = Object.freeze([0xc4, 0xc5, 0xc6]);
/** Heads of array by width of the count field. */
export const ARRAY_HEADS: readonly number[] = Object.freeze([0xdc, 0xdd]);

function lengthWidth(head: number): number {
  switch (head) {
    case 0xc4:
    case 0xd9:
      return 1;
    case 0xc5:
    case 0xda:
    case 0xdc:
      return 2;
    default:
      return 4;
  }
}

function writeNode(sink: ByteSink, node: PackNode): void {
  switch (node.kind) {
    case "int": {
      const head = node.head ?? intHead(node.value);
      if (head === -1) {
        sink.byte(Number(BigInt.asUintN(8, node.value)));
        return;
      }
      sink.byte(head);
      sink.uint(node.value, INT_WIDTHS[head] ?? 8);
      return;
    }
    case "str": {
      const length = node.bytes.length;
      const head = node.head ??
        (length < 32 ? -1 : length <= 0xff ? 0xd9 : length <= 0xffff ? 0xda : 0xdb);
      if (head === -1) sink.byte(0xa0 | (length & 0x1f));
      else {
        sink.byte(head);
        sink.uint(length, lengthWidth(head));
      }
      sink.bytes(node.bytes);
      return;
    }
    case "bin": {
      const length = node.bytes.length;
      const head = node.head ?? (length <= 0xff ? 0xc4 : length <= 0xffff ? 0xc5 : 0xc6);
      sink.byte(head);
      sink.uint(length, lengthWidth(head));
      sink.bytes(node.bytes);
      return;
    }
    case "array": {
      const count = node.declared ?? node.items.length;
      const head = node.head ?? (count < 16 ? -1 : count <= 0xffff ? 0xdc : 0xdd);
      if (head === -1) sink.byte(0x90 | (count & 0x0f));
      else {
        sink.byte(head);
        sink.uint(count, lengthWidth(head));
      }
      for (const item of node.items) writeNode(sink, item);
      return;
    }
    case "map": {
      const count = node.entries.length;
      if (count < 16) sink.byte(0x80 | count);
      else {
        sink.byte(0xde);
        sink.uint(count, 2);
      }
      for (const [key, value] of node.entries) {
        writeNode(sink, key);
        writeNode(sink, value);
      }
      return;
    }
    case "nil":
      sink.byte(0xc0);
      return;
    case "bool":
      sink.byte(node.value ? 0xc3 : 0xc2);
      return;
    case "float": {
      const view = new DataView(new ArrayBuffer(node.width / 8));
      if (node.width === 32) view.setFloat32(0, node.value);
      else view.setFloat64(0, node.value);
      sink.byte(node.width === 32 ? 0xca : 0xcb);
      sink.bytes(new Uint8Array(view.buffer));
      return;
    }
    case "ext": {
      const length = node.data.length;
      const fixed = [1, 2, 4, 8, 16].indexOf(length);
      if (fixed >= 0) sink.byte(0xd4 + fixed);
      else {
        sink.byte(length <= 0xff ? 0xc7 : length <= 0xffff ? 0xc8 : 0xc9);
        sink.uint(length, length <= 0xff ? 1 : length <= 0xffff ? 2 : 4);
      }
      sink.byte(node.type);
      sink.bytes(node.data);
      return;
    }
    case "raw":
      sink.bytes(node.bytes);
      return;
  }
}

/**
 * Writes a tree as MessagePack bytes, exactly as it says: pinned heads (an
 * int too large for its head is cut to its width), declared counts that
 * disagree with the items, forbidden types and raw bytes included.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packTree } from "./msgpack_tree.ts";
 *
 * const ping = { kind: "array", items: [{ kind: "int", value: 6n }, { kind: "int", value: 5n, head: 0xcf }] } as const;
 * assert.equal(packTree(ping).join(), "146,6,207,0,0,0,0,0,0,0,5");
 * ```
 */
export function packTree(node: PackNode): Uint8Array<ArrayBuffer> {
  const sink = new ByteSink();
  writeNode(sink, node);
  return sink.done();
}

/**
 * Reads exactly one MessagePack value of any type into a tree, keeping each
 * value's head byte; `undefined` if the bytes are not exactly one value (or
 * nest deeper than {@linkcode UNPACK_DEPTH_MAX}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packTree, unpackTree } from "./msgpack_tree.ts";
 *
 * const bytes = new Uint8Array([0x92, 0x06, 0xcd, 0x00, 0x05]);
 * assert.deepEqual(packTree(unpackTree(bytes)!), bytes);
 * ```
 */
export function unpackTree(bytes: Uint8Array): PackNode | undefined {
  const reader = { bytes, pos: 0 };
  try {
    const node = readNode(reader, 0);
    return reader.pos === bytes.length ? node : undefined;
  } catch (error) {
    if (error instanceof Truncated) return undefined;
    throw error;
  }
}

class Truncated extends Error {}

interface Reader {
  readonly bytes: Uint8Array;
  pos: number;
}

function take(reader: Reader, length: number): Uint8Array {
  if (length > reader.bytes.length - reader.pos) throw new Truncated();
  const part = reader.bytes.slice(reader.pos, reader.pos + length);
  reader.pos += length;
  return part;
}

function readUint(reader: Reader, width: number): bigint {
  const part = take(reader, width);
  let n = 0n;
  for (const byte of part) n = (n << 8n) | BigInt(byte);
  return n;
}

function readNode(reader: Reader, depth: number): PackNode {
  if (depth > UNPACK_DEPTH_MAX) throw new Truncated();
  const head = take(reader, 1)[0]!;
  if (head <= 0x7f) return { kind: "int", value: BigInt(head) };
  if (head >= 0xe0) return { kind: "int", value: BigInt(head - 0x100) };
  if (head >= 0xa0 && head <= 0xbf) return { kind: "str", bytes: take(reader, head & 0x1f) };
  if (head >= 0x90 && head <= 0x9f) return readArray(reader, head & 0x0f, -1, depth);
  if (head >= 0x80 && head <= 0x8f) return readMap(reader, head & 0x0f, depth);
  switch (head) {
    case 0xc0:
      return { kind: "nil" };
    case 0xc2:
    case 0xc3:
      return { kind: "bool", value: head === 0xc3 };
    case 0xca:
      return {
        kind: "float",
        value: new DataView(take(reader, 4).buffer).getFloat32(0),
        width: 32,
      };
    case 0xcb:
      return {
        kind: "float",
        value: new DataView(take(reader, 8).buffer).getFloat64(0),
        width: 64,
      };
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
      return { kind: "int", value: readUint(reader, INT_WIDTHS[head]!), head };
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const width = INT_WIDTHS[head]!;
      return { kind: "int", value: BigInt.asIntN(width * 8, readUint(reader, width)), head };
    }
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return {
        kind: "bin",
        bytes: take(reader, Number(readUint(reader, lengthWidth(head)))),
        head,
      };
    case 0xd9:
    case 0xda:
    case 0xdb:
      return {
        kind: "str",
        bytes: take(reader, Number(readUint(reader, lengthWidth(head)))),
        head,
      };
    case 0xdc:
    case 0xdd:
      return readArray(reader, Number(readUint(reader, lengthWidth(head))), head, depth);
    case 0xde:
    case 0xdf:
      return readMap(reader, Number(readUint(reader, head === 0xde ? 2 : 4)), depth);
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8: {
      const type = take(reader, 1)[0]!;
      return { kind: "ext", type, data: take(reader, 1 << (head - 0xd4)) };
    }
    case 0xc7:
    case 0xc8:
    case 0xc9: {
      const length = Number(readUint(reader, head === 0xc7 ? 1 : head === 0xc8 ? 2 : 4));
      const type = take(reader, 1)[0]!;
      return { kind: "ext", type, data: take(reader, length) };
    }
    default:
      throw new Truncated(); // 0xc1, never used
  }
}

function readArray(reader: Reader, count: number, head: number, depth: number): PackNode {
  // Each element takes at least a byte: a count beyond the bytes left cannot be met.
  if (count > reader.bytes.length - reader.pos) throw new Truncated();
  const items: PackNode[] = [];
  for (let i = 0; i < count; i++) items.push(readNode(reader, depth + 1));
  return head === -1 ? { kind: "array", items } : { kind: "array", items, head };
}

function readMap(reader: Reader, count: number, depth: number): PackNode {
  if (2 * count > reader.bytes.length - reader.pos) throw new Truncated();
  const entries: [PackNode, PackNode][] = [];
  for (let i = 0; i < count; i++) {
    entries.push([readNode(reader, depth + 1), readNode(reader, depth + 1)]);
  }
  return { kind: "map", entries };
}
