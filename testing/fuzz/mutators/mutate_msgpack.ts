/**
 * Structure-aware MessagePack fuzzing: random values of every MessagePack
 * type (the allowed subset, or anything), random message-shaped arrays, and
 * mutations that edit one value of a parsed message — an integer set to a
 * width boundary, a value of the wrong type, a string, bin or array made
 * oversized, a value buried under many arrays, an array with an element
 * removed, repeated, added or a false count, a head widened, raw bytes
 * spliced in — descending into a chat's body, which is MessagePack itself.
 *
 * @module
 */

import type { Random } from "../../../lib/random/random.ts";
import { MESSAGE_TYPE_CODES, PROTOCOL_MAGIC } from "../../../lib/wire/message_layout.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "../../../lib/wire/wire_limits.ts";
import {
  boundaryInt,
  chance,
  choose,
  intIn,
  randomBytes,
  weighted,
} from "../harness/fuzz_random.ts";
import { generateAddress } from "./message_generator.ts";
import { type PackNode, packTree, unpackTree } from "./msgpack_tree.ts";

/** Options of the tree generators and mutators. */
export interface MutateTreeOptions {
  /** Limits whose edges the sizes probe. Default `DEFAULT_WIRE_LIMITS`. */
  readonly limits?: WireLimits;
  /** Most mutations stacked on one tree. Default 3. */
  readonly mutationsMax?: number;
}

/** Byte sequences that are not valid UTF-8 (overlong, surrogate, above U+10FFFF, cut short). */
const INVALID_UTF8: readonly (readonly number[])[] = [
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf0, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5, 0x80, 0x80, 0x80],
  [0xff],
  [0x80],
  [0xc3],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
];

const utf8 = new TextEncoder();

function strNode(random: Random, valid: boolean): PackNode {
  if (!valid) {
    const bad = choose(random, INVALID_UTF8);
    const at = random.int(4);
    return { kind: "str", bytes: Uint8Array.from([...utf8.encode("ab".slice(0, at)), ...bad]) };
  }
  const text = weighted(random, [
    [() => "", 1],
    [() => PROTOCOL_MAGIC, 1],
    [() => generateAddress(random), 2],
    [() => choose(random, ["ann", "é", "😀", "\u0000", "\u001b[31m", "full", "x".repeat(40)]), 2],
  ])();
  return { kind: "str", bytes: utf8.encode(text) };
}

function intNode(random: Random): PackNode {
  return chance(random, 0.5)
    ? { kind: "int", value: BigInt(random.int(17)) }
    : { kind: "int", value: boundaryInt(random) };
}

/**
 * A random MessagePack value: int, str, bin and array only when
 * `allowedOnly`, else anything (maps, nil, booleans, floats, extensions,
 * invalid UTF-8, raw bytes).
 */
export function randomTree(random: Random, allowedOnly: boolean, depth = 3): PackNode {
  const kinds: [() => PackNode, number][] = [
    [() => intNode(random), 5],
    [() => strNode(random, allowedOnly || chance(random, 0.7)), 3],
    [() => ({ kind: "bin", bytes: randomBytes(random, choose(random, [0, 1, 32, 32, 64, 7])) }), 3],
  ];
  if (depth > 0) {
    kinds.push([() => ({
      kind: "array",
      items: Array.from(
        { length: random.int(5) },
        () => randomTree(random, allowedOnly, depth - 1),
      ),
    }), 3]);
  }
  if (!allowedOnly) {
    kinds.push(
      [() => ({ kind: "nil" }), 1],
      [() => ({ kind: "bool", value: chance(random, 0.5) }), 1],
      [
        () => ({
          kind: "float",
          value: choose(random, [0, 1, -1.5, NaN, Infinity, 2 ** 60]),
          width: choose(random, [32, 64] as const),
        }),
        1,
      ],
      [
        () => ({
          kind: "ext",
          type: choose(random, [0, 1, 0xff]),
          data: randomBytes(random, choose(random, [1, 4, 8, 12])),
        }),
        1,
      ],
      [
        () => ({
          kind: "map",
          entries: depth > 0 ? [[intNode(random), randomTree(random, true, 0)]] : [],
        }),
        1,
      ],
      [
        () => ({
          kind: "raw",
          bytes: Uint8Array.of(choose(random, [0xc1, 0xc0, 0xc4, 0xdd, 0x9f])),
        }),
        1,
      ],
    );
  }
  return weighted(random, kinds)();
}

/** A value shaped like a message field: an id, a flag, a count, an address, a clock. */
function fieldTree(random: Random, allowedOnly: boolean): PackNode {
  return weighted(random, [
    [() => ({ kind: "bin", bytes: randomBytes(random, 32) }) as PackNode, 4],
    [() => ({ kind: "int", value: BigInt(random.int(3)) }) as PackNode, 3],
    [() => strNode(random, true), 2],
    [() =>
      ({
        kind: "array",
        items: Array.from({ length: random.int(4) }, (): PackNode => ({
          kind: "array",
          items: [{ kind: "bin", bytes: randomBytes(random, 32) }, intNode(random)],
        })),
      }) as PackNode, 2],
    [() => randomTree(random, allowedOnly, 2), 2],
  ])();
}

/**
 * A random message-shaped array: a type code (every one in
 * `MESSAGE_TYPE_CODES`, and some that are not) followed by field-like values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "../../../lib/random/random.ts";
 * import { randomMessageTree } from "./mutate_msgpack.ts";
 *
 * assert.equal(randomMessageTree(seededRandom(1), true).kind, "array");
 * ```
 */
export function randomMessageTree(random: Random, allowedOnly: boolean): PackNode {
  const codes = Object.values(MESSAGE_TYPE_CODES);
  const code = chance(random, 0.9) ? choose(random, codes) : choose(random, [0, 16, 127, 255, -1]);
  const items: PackNode[] = [{ kind: "int", value: BigInt(code) }];
  for (let i = random.int(9); i > 0; i--) items.push(fieldTree(random, allowedOnly));
  return { kind: "array", items };
}

// ---------------------------------------------------------------------------
// Paths: indexes into arrays (maps: 2i key, 2i + 1 value); EMBEDDED enters a bin holding MessagePack.

const EMBEDDED = -1;

function children(node: PackNode): PackNode[] {
  if (node.kind === "array") return [...node.items];
  if (node.kind === "map") return node.entries.flatMap(([k, v]) => [k, v]);
  return [];
}

/** The MessagePack array a bin holds (a chat body), if it holds one. */
function embedded(node: PackNode): PackNode | undefined {
  if (node.kind !== "bin" || node.bytes.length < 2) return undefined;
  const head = node.bytes[0]!;
  if (!((head >= 0x90 && head <= 0x9f) || head === 0xdc || head === 0xdd)) return undefined;
  return unpackTree(node.bytes);
}

function collectPaths(node: PackNode, path: number[], out: number[][]): void {
  out.push(path);
  children(node).forEach((child, i) => collectPaths(child, [...path, i], out));
  const inner = embedded(node);
  if (inner !== undefined) collectPaths(inner, [...path, EMBEDDED], out);
}

function nodeAt(node: PackNode, path: readonly number[]): PackNode {
  let at = node;
  for (const step of path) at = step === EMBEDDED ? embedded(at)! : children(at)[step]!;
  return at;
}

function replaceAt(
  node: PackNode,
  path: readonly number[],
  f: (n: PackNode) => PackNode,
): PackNode {
  if (path.length === 0) return f(node);
  const [step, ...rest] = path as [number, ...number[]];
  if (step === EMBEDDED) {
    return { kind: "bin", bytes: packTree(replaceAt(embedded(node)!, rest, f)) };
  }
  if (node.kind === "array") {
    const items = [...node.items];
    items[step] = replaceAt(items[step]!, rest, f);
    return { ...node, items };
  }
  if (node.kind === "map") {
    const entries = node.entries.map(([k, v]) => [k, v] as [PackNode, PackNode]);
    const entry = entries[step >> 1]!;
    entry[step & 1] = replaceAt(entry[step & 1]!, rest, f);
    return { kind: "map", entries };
  }
  return node;
}

// ---------------------------------------------------------------------------
// Heads

/** A head (other than the shortest, now and then) that still holds the value exactly. */
function validIntHead(random: Random, value: bigint): number | undefined {
  const heads: number[] = [];
  if (value >= 0n) {
    if (value <= 0x7fn) heads.push(-1);
    if (value <= 0xffn) heads.push(0xcc);
    if (value <= 0xffffn) heads.push(0xcd);
    if (value <= 0xffff_ffffn) heads.push(0xce);
    if (value < 2n ** 64n) heads.push(0xcf);
  }
  if (value >= -32n && value < 0n) heads.push(-1);
  if (value >= -128n && value <= 127n) heads.push(0xd0);
  if (value >= -32768n && value <= 32767n) heads.push(0xd1);
  if (value >= -(2n ** 31n) && value < 2n ** 31n) heads.push(0xd2);
  if (value >= -(2n ** 63n) && value < 2n ** 63n) heads.push(0xd3);
  return heads.length === 0 ? undefined : choose(random, heads);
}

function validLengthHead(random: Random, kind: "str" | "bin" | "array", length: number): number {
  const heads: number[] = [];
  if (kind === "str") {
    if (length < 32) heads.push(-1);
    if (length <= 0xff) heads.push(0xd9);
    if (length <= 0xffff) heads.push(0xda);
    heads.push(0xdb);
  } else if (kind === "bin") {
    if (length <= 0xff) heads.push(0xc4);
    if (length <= 0xffff) heads.push(0xc5);
    heads.push(0xc6);
  } else {
    if (length < 16) heads.push(-1);
    if (length <= 0xffff) heads.push(0xdc);
    heads.push(0xdd);
  }
  return choose(random, heads);
}

/** The same node written with a random valid head of its kind: the value does not change. */
function rewidth(random: Random, node: PackNode): PackNode {
  switch (node.kind) {
    case "int": {
      const head = validIntHead(random, node.value);
      return head === undefined ? node : { kind: "int", value: node.value, head };
    }
    case "str":
    case "bin":
      return { ...node, head: validLengthHead(random, node.kind, node.bytes.length) };
    case "array":
      return node.declared === undefined
        ? { ...node, head: validLengthHead(random, "array", node.items.length) }
        : node;
    default:
      return node;
  }
}

/**
 * The same value written with random valid widths throughout (ints, strs,
 * bins and array counts, the outer structure only): every decoder must read
 * it exactly as the shortest encoding.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "../../../lib/random/random.ts";
 * import { packTree, unpackTree } from "./msgpack_tree.ts";
 * import { widenTree } from "./mutate_msgpack.ts";
 *
 * const wide = packTree(widenTree(seededRandom(2), unpackTree(new Uint8Array([0x92, 0x06, 0x05]))!));
 * assert.ok(wide.length >= 3);
 * ```
 */
export function widenTree(random: Random, node: PackNode): PackNode {
  const widened = chance(random, 0.5) ? rewidth(random, node) : node;
  if (widened.kind !== "array") return widened;
  return { ...widened, items: widened.items.map((item) => widenTree(random, item)) };
}

// ---------------------------------------------------------------------------
// Mutations

/** Lengths at and around each limit, for strings and bins. */
function oversizeLengths(limits: WireLimits): number[] {
  return [
    31,
    33,
    63,
    65,
    limits.nickBytesMax,
    limits.nickBytesMax + 1,
    limits.addrBytesMax,
    limits.addrBytesMax + 1,
    limits.reasonBytesMax + 1,
    limits.textBytesMax,
    limits.textBytesMax + 1,
    0xffff,
  ];
}

function oversize(random: Random, node: PackNode, limits: WireLimits): PackNode {
  const length = choose(random, oversizeLengths(limits));
  switch (node.kind) {
    case "str":
      return { kind: "str", bytes: new Uint8Array(length).fill(chance(random, 0.9) ? 0x61 : 0x0a) };
    case "bin":
      return { kind: "bin", bytes: randomBytes(random, Math.min(length, 4096)) };
    case "array": {
      const target = choose(random, [
        16,
        limits.peersPerMessageMax + 1,
        limits.clockEntriesMax,
        limits.clockEntriesMax + 1,
        2 * limits.clockEntriesMax + 1,
      ]);
      const items = [...node.items];
      const template = items.length > 0 ? items : [{ kind: "int", value: 1n } as PackNode];
      while (items.length < target) {
        const copy = choose(random, template);
        // Distinct ids now and then, so that the duplicate check is not the only one hit.
        items.push(
          chance(random, 0.5) ? replaceIds(random, copy) : copy,
        );
      }
      return { kind: "array", items };
    }
    default:
      return { kind: "array", items: Array.from({ length: 20 }, () => node) };
  }
}

/** A copy with every 32-byte bin replaced by fresh random bytes. */
function replaceIds(random: Random, node: PackNode): PackNode {
  if (node.kind === "bin" && node.bytes.length === 32) {
    return { kind: "bin", bytes: randomBytes(random, 32) };
  }
  if (node.kind === "array") {
    return {
      ...node,
      items: node.items.map((n) => replaceIds(random, n)),
    };
  }
  return node;
}

function editArray(random: Random, node: PackNode): PackNode {
  if (node.kind !== "array") return node;
  const items = [...node.items];
  const at = random.int(items.length + 1);
  weighted(random, [
    [() => items.length > 0 && items.splice(Math.min(at, items.length - 1), 1), 3],
    [() => items.length > 0 && items.splice(at, 0, items[Math.min(at, items.length - 1)]!), 2],
    [() => items.splice(at, 0, randomTree(random, chance(random, 0.7), 2)), 2],
    // Trailing elements: a receiver must ignore them.
    [
      () =>
        items.push(
          ...Array.from({ length: intIn(random, 1, 3) }, () => randomTree(random, true, 2)),
        ),
      3,
    ],
    [() => {
      if (items.length < 2) return;
      const i = random.int(items.length);
      const j = random.int(items.length);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }, 2],
    [() => items.splice(random.int(items.length + 1)), 1],
  ])();
  return { kind: "array", items };
}

type TreeMutation = (
  random: Random,
  node: PackNode,
  root: PackNode,
  limits: WireLimits,
) => PackNode;

const TREE_MUTATIONS: readonly (readonly [TreeMutation, number])[] = [
  // An integer at a width boundary, written shortest or in a random head.
  [(random) => {
    const value = boundaryInt(random);
    const head = chance(random, 0.5) ? validIntHead(random, value) : undefined;
    return head === undefined ? { kind: "int", value } : { kind: "int", value, head };
  }, 5],
  // A value of another type, allowed or not.
  [(random) => randomTree(random, chance(random, 0.5), 2), 4],
  [(random, node, _root, limits) => oversize(random, node, limits), 3],
  // Deep nesting.
  [(random, node) => {
    let wrapped = node;
    for (let depth = choose(random, [1, 6, 7, 8, 9, 16, 300]); depth > 0; depth--) {
      wrapped = { kind: "array", items: [wrapped] };
    }
    return wrapped;
  }, 2],
  [(random, node) => editArray(random, node), 5],
  [(random, node) => rewidth(random, node), 3],
  // An array whose count disagrees with its elements.
  [(random, node) => {
    if (node.kind !== "array") return node;
    const declared = choose(random, [
      Math.max(0, node.items.length - 1),
      node.items.length + 1,
      node.items.length + 100,
      0xffff,
      0xffff_ffff,
    ]);
    return { ...node, declared, head: declared <= 0xffff ? 0xdc : 0xdd };
  }, 2],
  // Raw bytes in place of a value.
  [(random) => ({ kind: "raw", bytes: randomBytes(random, intIn(random, 0, 6)) }), 1],
  // Another value of the same message (an id where a count goes, a clock where an id goes).
  [(random, _node, root) => {
    const paths: number[][] = [];
    collectPaths(root, [], paths);
    return nodeAt(root, choose(random, paths));
  }, 2],
];

/**
 * Applies one to `mutationsMax` structure-aware mutations to a tree, each at
 * a random value (a chat body's values included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "../../../lib/random/random.ts";
 * import { unpackTree } from "./msgpack_tree.ts";
 * import { mutateTree } from "./mutate_msgpack.ts";
 *
 * const tree = unpackTree(new Uint8Array([0x92, 0x06, 0x05]))!;
 * assert.deepEqual(mutateTree(seededRandom(5), tree), mutateTree(seededRandom(5), tree));
 * ```
 */
export function mutateTree(
  random: Random,
  tree: PackNode,
  options: MutateTreeOptions = {},
): PackNode {
  const limits = options.limits ?? DEFAULT_WIRE_LIMITS;
  let out = tree;
  for (let rounds = intIn(random, 1, options.mutationsMax ?? 3); rounds > 0; rounds--) {
    const paths: number[][] = [];
    collectPaths(out, [], paths);
    const path = choose(random, paths);
    const mutation = weighted(random, TREE_MUTATIONS);
    const root = out;
    out = replaceAt(out, path, (node) => mutation(random, node, root, limits));
  }
  return out;
}
