/**
 * Seeded generators of valid protocol messages, of every type in
 * `MESSAGE_TYPE_CODES`: each field drawn from its whole range, with sizes
 * pushed to their limits now and then (longest address, fullest clock,
 * largest text, boundary integers).
 *
 * The table of builders is typed by message type, so a new message type does
 * not compile until it has a generator here, and `generateMessage` draws the
 * type from `MESSAGE_TYPE_CODES` itself.
 *
 * @module
 */

import type { Random } from "../../../lib/random/random.ts";
import { addressProblem } from "../../../lib/wire/address.ts";
import { bytesToHex } from "../../../lib/wire/hex.ts";
import {
  type AnyMessage,
  type ChatMessage,
  DIRECT_BOX_BYTES_MAX,
  DIRECT_HOPS_MAX,
  DIRECT_ID_BYTES,
  type Hello,
  type MemberInfo,
  type MemberStatus,
  PEER_ID_BYTES,
  type PeerId,
  PROTOCOL_VERSION,
  type SeqRange,
} from "../../../lib/wire/message.ts";
import { SIGNATURE_BYTES } from "../../../lib/wire/message.ts";
import { encodeMessage } from "../../../lib/wire/message_encode.ts";
import { MESSAGE_TYPE_CODES } from "../../../lib/wire/message_layout.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "../../../lib/wire/wire_limits.ts";
import { chance, choose, intIn, randomBytes, weighted } from "../harness/fuzz_random.ts";

/** Options of the message generators. */
export interface MessageGeneratorOptions {
  /** Limits the messages keep. Default `DEFAULT_WIRE_LIMITS`. */
  readonly limits?: WireLimits;
  /** Ids to draw from most of the time, so that messages refer to each other. Default: fresh ids. */
  readonly ids?: readonly PeerId[];
  /** Addresses to draw from most of the time. Default: fresh addresses. */
  readonly addrs?: readonly string[];
  /** How often a size (list, clock, text) goes right to its limit. Default 0.05. */
  readonly edgeRate?: number;
}

/** Every message type, in type-code order, read from `MESSAGE_TYPE_CODES`. */
export const MESSAGE_TYPES: readonly AnyMessage["type"][] = Object.freeze(
  (Object.keys(MESSAGE_TYPE_CODES) as AnyMessage["type"][]).sort((a, b) =>
    MESSAGE_TYPE_CODES[a] - MESSAGE_TYPE_CODES[b]
  ),
);

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const STATUSES: readonly MemberStatus[] = ["alive", "suspect", "dead"];

/** Generation state: the random source and the resolved options. */
interface Gen {
  readonly random: Random;
  readonly limits: WireLimits;
  readonly ids: readonly PeerId[];
  readonly addrs: readonly string[];
  readonly edgeRate: number;
}

function gen(random: Random, options: MessageGeneratorOptions): Gen {
  return {
    random,
    limits: options.limits ?? DEFAULT_WIRE_LIMITS,
    ids: options.ids ?? [],
    addrs: options.addrs ?? [],
    edgeRate: options.edgeRate ?? 0.05,
  };
}

/** A count from 0 to `max`: mostly small, at the limit with the edge rate. */
function count(g: Gen, max: number, typical = 4): number {
  if (chance(g.random, g.edgeRate)) return max;
  if (chance(g.random, g.edgeRate)) return g.random.int(max + 1);
  return g.random.int(Math.min(max, typical) + 1);
}

/** A uint: small, at a boundary, or anywhere in the safe range. */
export function generateUint(random: Random, max: number = MAX_SAFE): number {
  const value = weighted(random, [
    [() => random.int(8), 6],
    [
      () =>
        choose(random, [0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0xffff_ffff, 2 ** 32, MAX_SAFE]),
      2,
    ],
    [() => intIn(random, 0, MAX_SAFE), 1],
  ])();
  return Math.min(value, max);
}

/** A random peer id: from the pool most of the time, else fresh. */
export function generatePeerId(random: Random, options: MessageGeneratorOptions = {}): PeerId {
  const ids = options.ids ?? [];
  if (ids.length > 0 && chance(random, 0.9)) return choose(random, ids);
  return bytesToHex(randomBytes(random, PEER_ID_BYTES));
}

function label(random: Random, length: number): string {
  const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let text = "";
  for (let i = 0; i < length; i++) {
    const inner = i > 0 && i < length - 1;
    text += inner && chance(random, 0.1) ? "-" : choose(random, [...alnum]);
  }
  return text;
}

function port(random: Random): number {
  return weighted(random, [
    [() => intIn(random, 1, 65535), 4],
    [() => choose(random, [1, 80, 7000, 65535]), 1],
  ])();
}

function hostname(random: Random): string {
  if (chance(random, 0.05)) {
    // The longest: 253 characters.
    return [label(random, 63), label(random, 63), label(random, 63), `x${label(random, 60)}`].join(
      ".",
    );
  }
  const labels: string[] = [];
  for (let i = intIn(random, 1, 3); i > 0; i--) labels.push(label(random, intIn(random, 1, 12)));
  // All digits and dots would have to be an IPv4 address.
  labels[labels.length - 1] = `h${labels[labels.length - 1]!}`.slice(0, 63);
  return labels.join(".");
}

function ipv6(random: Random): string {
  const groups: string[] = [];
  for (let i = 0; i < 8; i++) groups.push(random.int(0x1_0000).toString(16));
  const form = random.int(4);
  if (form === 0) return groups.join(":");
  if (form === 1) return choose(random, ["::", "::1", "fe80::1", "::ffff:1.2.3.4"]);
  const cut = random.int(7);
  const length = intIn(random, 1, 7 - cut);
  const head = groups.slice(0, cut).join(":");
  const tail = groups.slice(cut + length, form === 3 ? 6 : 8).join(":");
  const v4 = form === 3
    ? `${random.int(256)}.${random.int(256)}.${random.int(256)}.${random.int(256)}`
    : "";
  const rest = [tail, v4].filter((part) => part !== "").join(":");
  return `${head}::${rest}`;
}

/** A valid `host:port` address: hostname, IPv4 or bracketed IPv6. */
export function generateAddress(random: Random, options: MessageGeneratorOptions = {}): string {
  const addrs = options.addrs ?? [];
  if (addrs.length > 0 && chance(random, 0.9)) return choose(random, addrs);
  const text = weighted(random, [
    [() => `${hostname(random)}:${port(random)}`, 2],
    [
      () =>
        `${random.int(256)}.${random.int(256)}.${random.int(256)}.${random.int(256)}:${
          port(random)
        }`,
      2,
    ],
    [() => `[${ipv6(random)}]:${port(random)}`, 1],
  ])();
  const bytesMax = (options.limits ?? DEFAULT_WIRE_LIMITS).addrBytesMax;
  return addressProblem(text) === undefined && text.length <= bytesMax ? text : "10.0.0.1:7";
}

/** Characters of each UTF-8 length, a few of each kind. */
const CHARS: readonly (readonly string[])[] = [
  [..."abcXYZ019 .,:!?-_'\"\\/<>{}[]"],
  ["é", "ß", "ñ", "Ω", "ж", "\u00a0"],
  ["€", "中", "文", "\u200b", "\u202e", "\ufeff", "\ufffd", "\u2028"],
  ["😀", "𝄞", "\u{10ffff}", "\u{1f3f3}\u{fe0f}"],
];
const CONTROL_CHARS: readonly string[] = [
  "\n",
  "\t",
  "\r",
  "\u0000",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u009b",
];

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** Text of at most `bytesMax` UTF-8 bytes (exactly that many now and then); `controls` allows control characters. */
function text(g: Gen, bytesMax: number, controls: boolean, bytesMin = 0): string {
  const target = Math.max(bytesMin, count(g, bytesMax, 12));
  let out = "";
  let bytes = 0;
  while (bytes < target) {
    const pool = controls && chance(g.random, 0.05) ? CONTROL_CHARS : choose(g.random, CHARS);
    let char = choose(g.random, pool);
    let size = utf8Length(char);
    if (bytes + size > target) {
      char = "a";
      size = 1;
    }
    out += char;
    bytes += size;
  }
  return out;
}

/** A nick: 1 to `nickBytesMax` UTF-8 bytes, no control characters. */
export function generateNick(random: Random, options: MessageGeneratorOptions = {}): string {
  const g = gen(random, options);
  return text(g, g.limits.nickBytesMax, false, 1);
}

/** A hello of this protocol version. */
export function generateHello(random: Random, options: MessageGeneratorOptions = {}): Hello {
  return {
    type: "hello",
    version: PROTOCOL_VERSION,
    id: generatePeerId(random, options),
    addr: generateAddress(random, options),
    nick: generateNick(random, options),
    role: chance(random, 0.8) ? "peer" : "bootstrap",
    incarnation: generateUint(random),
  };
}

function member(g: Gen, id: PeerId = generatePeerId(g.random, g)): MemberInfo {
  return {
    id,
    addr: generateAddress(g.random, g),
    incarnation: generateUint(g.random),
    status: choose(g.random, STATUSES),
  };
}

/** Distinct ids, `n` of them: the pool first (shuffled), then fresh ones. */
function distinctIds(g: Gen, n: number): PeerId[] {
  const ids = new Set<PeerId>();
  const pool = [...g.ids];
  while (ids.size < n && pool.length > 0) {
    const i = g.random.int(pool.length);
    ids.add(pool[i]!);
    pool.splice(i, 1);
    if (chance(g.random, 0.3)) break;
  }
  while (ids.size < n) ids.add(bytesToHex(randomBytes(g.random, PEER_ID_BYTES)));
  return [...ids];
}

function clock(g: Gen, author?: PeerId, seq?: number): Map<PeerId, number> {
  const own = author === undefined ? 0 : 1;
  const others = count(g, Math.max(0, g.limits.clockEntriesMax - own));
  const entries = new Map<PeerId, number>();
  if (author !== undefined) entries.set(author, seq!);
  // One spare id, in case the author is among them.
  for (const id of distinctIds(g, others + 1)) {
    if (entries.size >= others + own) break;
    if (!entries.has(id)) entries.set(id, Math.max(1, generateUint(g.random)));
  }
  return entries;
}

/** A chat message (unsigned or with a random 64-byte signature), fields only: `encodeMessage` builds the body. */
export function generateChatMessage(
  random: Random,
  options: MessageGeneratorOptions = {},
): ChatMessage {
  const g = gen(random, options);
  const author = generatePeerId(random, options);
  const seq = Math.max(1, generateUint(random));
  return {
    author,
    seq,
    clock: clock(g, author, seq),
    nick: generateNick(random, options),
    text: text(g, g.limits.textBytesMax, true),
    ts: weighted(random, [
      [() => 1_700_000_000_000 + random.int(1_000_000_000), 4],
      [() => choose(random, [0, -1, MAX_SAFE, -MAX_SAFE]), 1],
      [() => intIn(random, -MAX_SAFE, MAX_SAFE), 1],
    ])(),
    signature: chance(random, 0.5) ? new Uint8Array(0) : randomBytes(random, SIGNATURE_BYTES),
  };
}

type Builders = {
  readonly [T in AnyMessage["type"]]: (g: Gen) => Extract<AnyMessage, { type: T }>;
};

const BUILDERS: Builders = {
  "hello": (g) => generateHello(g.random, g),
  "register": () => ({ type: "register" }),
  "get-peers": (g) =>
    chance(g.random, 0.3)
      ? { type: "get-peers" }
      : { type: "get-peers", all: chance(g.random, 0.5) },
  "peers": (g) => {
    const peers = distinctIds(g, count(g, g.limits.peersPerMessageMax)).map((id) => member(g, id));
    return chance(g.random, 0.3)
      ? { type: "peers", peers }
      : { type: "peers", peers, total: generateUint(g.random) };
  },
  "member": (g) => ({ type: "member", member: member(g) }),
  "ping": (g) => ({ type: "ping", nonce: generateUint(g.random, 0xffff_ffff) }),
  "pong": (g) => ({ type: "pong", nonce: generateUint(g.random, 0xffff_ffff) }),
  "chat": (g) =>
    chance(g.random, 0.5)
      ? { type: "chat", message: generateChatMessage(g.random, g) }
      : { type: "chat", message: generateChatMessage(g.random, g), repair: chance(g.random, 0.5) },
  "bye": (g) => ({ type: "bye", reason: text(g, g.limits.reasonBytesMax, true) }),
  "prune": (g) => ({ type: "prune", authors: distinctIds(g, count(g, g.limits.clockEntriesMax)) }),
  "have": (g) => ({ type: "have", full: chance(g.random, 0.5), clock: clock(g) }),
  "want": (g) => ({
    type: "want",
    graft: chance(g.random, 0.5),
    ranges: distinctIds(g, count(g, g.limits.clockEntriesMax)).map((author): SeqRange => {
      const from = generateUint(g.random, MAX_SAFE - 1);
      return {
        author,
        from,
        to: intIn(g.random, from + 1, Math.min(MAX_SAFE, from + 1 + g.random.int(100))),
      };
    }),
  }),
  "skip": (g) => ({ type: "skip", clock: clock(g) }),
  "probe": (g) => ({
    type: "probe",
    target: generatePeerId(g.random, g),
    nonce: generateUint(g.random, 0xffff_ffff),
  }),
  "direct": (g) => ({
    type: "direct",
    to: generatePeerId(g.random, g),
    id: bytesToHex(randomBytes(g.random, DIRECT_ID_BYTES)),
    hops: generateUint(g.random, DIRECT_HOPS_MAX),
    box: randomBytes(g.random, Math.max(1, count(g, DIRECT_BOX_BYTES_MAX, 200))),
  }),
  "probe-ack": (g) => ({
    type: "probe-ack",
    target: generatePeerId(g.random, g),
    nonce: generateUint(g.random, 0xffff_ffff),
  }),
};

/**
 * A valid message of `type`, or of a type drawn uniformly from
 * `MESSAGE_TYPE_CODES`. It may still be too large to encode when every size
 * is at its limit; {@linkcode generateEncodedMessage} retries those.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seededRandom } from "../../../lib/random/random.ts";
 * import { generateMessage } from "./message_generator.ts";
 *
 * assert.equal(generateMessage(seededRandom(1), {}, "ping").type, "ping");
 * ```
 */
export function generateMessage(
  random: Random,
  options: MessageGeneratorOptions = {},
  type: AnyMessage["type"] = choose(random, MESSAGE_TYPES),
): AnyMessage {
  const build = BUILDERS[type] as ((g: Gen) => AnyMessage) | undefined;
  if (build === undefined) throw new TypeError(`Cannot generate message: no generator for ${type}`);
  return build(gen(random, options));
}

/** A generated message and its encoding. */
export interface EncodedMessage {
  readonly message: AnyMessage;
  readonly bytes: Uint8Array;
}

/**
 * A valid message and its bytes (`encodeMessage` with the options' limits):
 * a message too large to encode is drawn again with sizes kept small.
 */
export function generateEncodedMessage(
  random: Random,
  options: MessageGeneratorOptions = {},
  type?: AnyMessage["type"],
): EncodedMessage {
  const limits = options.limits ?? DEFAULT_WIRE_LIMITS;
  for (let attempt = 0;; attempt++) {
    const message = generateMessage(
      random,
      attempt === 0 ? options : { ...options, edgeRate: 0 },
      type,
    );
    try {
      return { message, bytes: encodeMessage(message, limits) };
    } catch (error) {
      if (!(error instanceof RangeError) || attempt >= 8) throw error;
    }
  }
}
