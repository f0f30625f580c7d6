// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Writes the protocol conformance vectors, `tests/fixtures/protocol/vectors.json`
 * (PROTOCOL.md § Conformance vectors): byte strings a receiver is given, each
 * with the verdict PROTOCOL.md requires — `accepted` (with the decoded value
 * in a readable JSON form), `refused` (dropped, the connection stays) or
 * `closed` (a protocol error).
 *
 * The bytes are built here by hand with a small MessagePack writer of its own
 * that can choose any width, so that a case can use forms the project's
 * encoder never writes (uint 64 for 5, array 32, trailing elements, maps).
 * The expected verdicts and values are written out beside each case from the
 * rules of PROTOCOL.md, never taken from the decoder; the test
 * (`tests/wire/conformance_vectors_test.ts`) then checks the decoder against
 * them, and checks that this script still writes the committed file.
 *
 *   deno run --allow-write=tests/fixtures/protocol scripts/protocol_vectors.ts
 *
 * @module
 */

import { createHash } from "node:crypto";
import { importIdentityPkcs8, signWithIdentity } from "../lib/identity/identity.ts";
import { ed25519PublicKeyToX25519 } from "../lib/secure/ed25519_to_x25519.ts";
import { importX25519PrivateKey, x25519SharedSecret } from "../lib/secure/noise/x25519.ts";

/** Where the vectors are written, relative to the repository root. */
export const VECTORS_PATH = "tests/fixtures/protocol/vectors.json";

/** What a receiver does with the bytes of one case. */
export type Verdict = "accepted" | "refused" | "closed";

/** Which decoder a case is for (see `KINDS`). */
export type Kind =
  | "stream"
  | "transport-plaintext"
  | "message"
  | "handshake-payload"
  | "direct-box"
  | "direct-open"
  | "chat-signature";

/** One conformance case. */
export interface VectorCase {
  /** What the case checks, unique in the file. */
  readonly name: string;
  /** Which decoder the bytes are for. */
  readonly kind: Kind;
  /** The bytes, lowercase hex. */
  readonly hex: string;
  /** What the receiver must do. */
  readonly verdict: Verdict;
  /** For `accepted`: the decoded value (see `VALUE_FORMS`). */
  readonly value?: unknown;
  /** For `refused` and `closed`: the rule that the bytes break. */
  readonly why?: string;
}

/** What each kind of case holds and how a receiver runs it. */
export const KINDS: Readonly<Record<Kind, string>> = {
  "stream":
    "Bytes of a TCP stream, then the end of the stream: the frame layer (§ Framing). accepted: value is the list of frame payloads, in hex. closed: a bad length prefix (checked as soon as its 4 bytes are in) or a truncated frame at the end.",
  "transport-plaintext":
    "The plaintext of one decrypted Noise transport message (§ Transport): length-prefixed message payloads. accepted: value is the list of payloads, in hex. closed: the lengths do not add up.",
  "message":
    "One frame payload of the plain channel, or one payload of a transport plaintext: one encoded message (§ Encoding, § Messages). accepted: value is the message (see value_forms). closed: a protocol error.",
  "handshake-payload":
    "The plaintext payload of handshake message 3 or 4 (§ Handshake), without checking the binding signature. accepted: value is {hello, binding}. closed: the handshake fails.",
  "direct-box":
    "The box of a direct message as its addressee decodes it, before decryption (§ 16 direct). accepted: value is {eph, ciphertext} in hex. refused: the addressee drops the box; the connection stays.",
  "direct-open":
    "A whole box sealed to the recipient of direct_keys, opened with its key (§ 16 direct: decryption, the plaintext's layout and field rules, the signature). accepted: value is {from, nick, text, ts}. refused: the addressee drops the box.",
  "chat-signature":
    "One chat message (as for message), its signature checked as a node of the room chat_keys.room_tag checks it (§ 8 chat: plain and batch signatures). accepted: value is {author, seq}. refused: a forgery, dropped and counted.",
};

/** How the decoded values of accepted `message` cases are written. */
export const VALUE_FORMS: readonly string[] = [
  "Field names are those of PROTOCOL.md § Messages; `type` is the message name (hello, register, …).",
  "A bin is lowercase hex (a peer id is 64 hex digits); an int is a JSON number; a str is a JSON string.",
  "Flags (all, repair, full, graft) are booleans; an absent flag is false. role is 'peer' or 'bootstrap'; status 'alive', 'suspect' or 'dead'.",
  "An optional element that is absent is left out (total of peers; signature and nick of a member record; text of a chat: absent means the redacted form). Ignored elements are left out.",
  "hello: {type, version, id, addr, nick, role, incarnation, seen?} (an absent incarnation is 0; seen only when it is an address). peers: {type, peers: [record], total?}; member: {type, member: record}; record: {id, addr, incarnation, status, signature?, nick?}.",
  "chat: {type, repair, signature, body: {author, seq, clock, nick, textHash, ts, amends?: {kind: 'edit'|'delete', target}}, text?}. A clock is a list of [id, n] in wire order; in have, an entry whose third element is a 16-byte bin is [id, n, digest].",
  "want: {type, graft, ranges: [[author, from, to]]}. prune: {type, authors, sharedTree?} (repeats kept; sharedTree only when 1). direct: {type, to, id, hops, box}.",
];

// ---------------------------------------------------------------------------
// A MessagePack writer that can write any width (this script's own, so that
// the vectors do not depend on the encoder under test)

type Bytes = number[];

function cat(...parts: Bytes[]): Bytes {
  const out: Bytes = [];
  for (const part of parts) for (const b of part) out.push(b);
  return out;
}

function be(value: number | bigint, width: number): Bytes {
  let n = BigInt(value);
  if (n < 0n) n += 1n << BigInt(8 * width);
  const out: Bytes = [];
  for (let i = width - 1; i >= 0; i--) out.push(Number((n >> BigInt(8 * i)) & 0xffn));
  return out;
}

const u8 = (n: number): Bytes => [0xcc, ...be(n, 1)];
const u16 = (n: number): Bytes => [0xcd, ...be(n, 2)];
const u32 = (n: number): Bytes => [0xce, ...be(n, 4)];
const u64 = (n: number | bigint): Bytes => [0xcf, ...be(n, 8)];
const i8 = (n: number): Bytes => [0xd0, ...be(n, 1)];
const i16 = (n: number): Bytes => [0xd1, ...be(n, 2)];
const i32 = (n: number): Bytes => [0xd2, ...be(n, 4)];
const i64 = (n: number | bigint): Bytes => [0xd3, ...be(n, 8)];

/** The shortest int form. */
function int(n: number): Bytes {
  if (n >= 0 && n <= 0x7f) return [n];
  if (n < 0 && n >= -32) return [n + 0x100];
  if (n >= 0) return n <= 0xff ? u8(n) : n <= 0xffff ? u16(n) : n <= 0xffff_ffff ? u32(n) : u64(n);
  return n >= -0x80 ? i8(n) : n >= -0x8000 ? i16(n) : n >= -0x8000_0000 ? i32(n) : i64(n);
}

const utf8 = (text: string): Bytes => [...new TextEncoder().encode(text)];

/** A str of raw bytes (possibly not UTF-8), shortest header. */
function strBytes(bytes: Bytes): Bytes {
  const n = bytes.length;
  if (n <= 31) return [0xa0 | n, ...bytes];
  if (n <= 0xff) return cat([0xd9, n], bytes);
  if (n <= 0xffff) return cat([0xda, ...be(n, 2)], bytes);
  return cat([0xdb, ...be(n, 4)], bytes);
}
const str = (text: string): Bytes => strBytes(utf8(text));
const str8 = (text: string): Bytes => cat([0xd9, utf8(text).length], utf8(text));
const str16 = (text: string): Bytes => cat([0xda, ...be(utf8(text).length, 2)], utf8(text));
const str32 = (text: string): Bytes => cat([0xdb, ...be(utf8(text).length, 4)], utf8(text));

function bin(bytes: Bytes): Bytes {
  const n = bytes.length;
  if (n <= 0xff) return cat([0xc4, n], bytes);
  if (n <= 0xffff) return cat([0xc5, ...be(n, 2)], bytes);
  return cat([0xc6, ...be(n, 4)], bytes);
}
const bin16 = (bytes: Bytes): Bytes => cat([0xc5, ...be(bytes.length, 2)], bytes);
const bin32 = (bytes: Bytes): Bytes => cat([0xc6, ...be(bytes.length, 4)], bytes);

/** An array header announcing `count` elements (shortest form), then `items`. */
function arrOf(count: number, items: Bytes[]): Bytes {
  const head = count <= 15 ? [0x90 | count] : count <= 0xffff ? [0xdc, ...be(count, 2)] : [
    0xdd,
    ...be(count, 4),
  ];
  return cat(head, ...items);
}
const arr = (...items: Bytes[]): Bytes => arrOf(items.length, items);
const arr16 = (...items: Bytes[]): Bytes => cat([0xdc, ...be(items.length, 2)], ...items);
const arr32 = (...items: Bytes[]): Bytes => cat([0xdd, ...be(items.length, 4)], ...items);

/** `depth` arrays nested in each other, the innermost empty. */
function nested(depth: number): Bytes {
  let value: Bytes = [0x90];
  for (let i = 1; i < depth; i++) value = cat([0x91], value);
  return value;
}

const NIL: Bytes = [0xc0];
const TRUE: Bytes = [0xc3];
const FALSE: Bytes = [0xc2];
const EMPTY_MAP: Bytes = [0x80];
const F32_5: Bytes = [0xca, 0x40, 0xa0, 0x00, 0x00];
const F64_5: Bytes = [0xcb, 0x40, 0x14, 0, 0, 0, 0, 0, 0];
const FIXEXT1: Bytes = [0xd4, 0x01, 0x00];
const TIMESTAMP32: Bytes = [0xd6, 0xff, 0, 0, 0, 0];
const RESERVED: Bytes = [0xc1];

const hexOf = (bytes: Bytes | Uint8Array): string =>
  [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

const fill = (byte: number, n: number): Bytes => new Array<number>(n).fill(byte);

// ---------------------------------------------------------------------------
// Values used throughout

/** Peer ids: 32 bytes of one value. */
const ID_A = fill(0xaa, 32);
const ID_B = fill(0xbb, 32);
const ID_C = fill(0xcd, 32);
const HEX_A = hexOf(ID_A);
const HEX_B = hexOf(ID_B);
const HEX_C = hexOf(ID_C);

/** The i-th of many distinct ids (i < 65536): 0x11 bytes, then i big-endian. */
function manyId(i: number): Bytes {
  return cat(fill(0x11, 30), be(i, 2));
}

const SIGNATURE = fill(0x5a, 64);
const ADDR = "127.0.0.1:7000";

async function sha256(bytes: Bytes): Promise<Bytes> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)))];
}

/** The readable form of a clock. */
const clockValue = (entries: [string, number][]): unknown[] => entries.map(([id, n]) => [id, n]);

// ---------------------------------------------------------------------------
// Direct messages sealed by hand (§ 16 direct), for the `direct-open` cases

/** Ed25519 seed (RFC 8032 private key) of the author of the chat-signature cases. */
export const CHAT_AUTHOR_SEED = fill(0x61, 32);

/** The room tag of the chat-signature cases (any 32 bytes stand for one). */
export const CHAT_ROOM_TAG = fill(0x52, 32);

/** SHA-256, through node:crypto: the batch trees are built here independently of lib/. */
const digest = (...parts: Bytes[]): Bytes => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(new Uint8Array(part));
  return [...hash.digest()];
};

/** The texts of the chat-signature cases' batch of 3 (seq 1 to 3). */
const CHAT_BATCH_TEXTS = ["one", "two", "three"];

/** A chat body of the chat-signature cases: `author`'s message `seq`, clock `{author: seq}`. */
const chatBody = (authorId: Bytes, seq: number, text: string): Bytes =>
  arr(
    bin(authorId),
    int(seq),
    arr(arr(bin(authorId), int(seq))),
    str("ann"),
    bin(digest(utf8(text))),
    u64(CHAT_TS),
  );

/** The `ts` of the chat-signature cases. */
const CHAT_TS = 1_700_000_000_000;

/** RFC 9162 § 2.1.1's tree hash over the leaf inputs `bodies`, and each leaf's audit path. */
function batchTree(bodies: readonly Bytes[]): { root: Bytes; paths: Bytes[][] } {
  if (bodies.length === 1) return { root: digest([0], bodies[0]!), paths: [[]] };
  let k = 1;
  while (k * 2 < bodies.length) k *= 2;
  const left = batchTree(bodies.slice(0, k));
  const right = batchTree(bodies.slice(k));
  return {
    root: digest([1], left.root, right.root),
    paths: [
      ...left.paths.map((path) => [...path, right.root]),
      ...right.paths.map((path) => [...path, left.root]),
    ],
  };
}

/** Ed25519 seeds (RFC 8032 private keys) of the direct-message cases. */
export const DIRECT_SEEDS = {
  recipient: fill(0x72, 32),
  sender: fill(0x73, 32),
  other: fill(0x74, 32),
} as const;

const ED25519_PKCS8_PREFIX = [
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
];

async function identityFromSeed(seed: Bytes) {
  return await importIdentityPkcs8(new Uint8Array(cat(ED25519_PKCS8_PREFIX, seed)));
}

/** A box to `recipient` with the X25519 private key `ephSeed`, its plaintext made from eph's public key. */
async function sealBox(
  recipient: Uint8Array,
  ephSeed: Bytes,
  plaintext: (ephPublic: Bytes) => Promise<Bytes>,
): Promise<Bytes> {
  const eph = await importX25519PrivateKey(new Uint8Array(ephSeed));
  const ephPublic = [...eph.publicKey];
  const recipientX = ed25519PublicKeyToX25519(recipient);
  const ikm = await crypto.subtle.importKey(
    "raw",
    await x25519SharedSecret(eph.privateKey, recipientX),
    "HKDF",
    false,
    ["deriveKey"],
  );
  const key = await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(utf8("p2pchat-direct-v1")),
      info: new Uint8Array(cat(ephPublic, [...recipientX])),
    },
    ikm,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt"],
  );
  const ciphertext = await crypto.subtle.encrypt(
    {
      name: "AES-GCM",
      iv: new Uint8Array(12),
      additionalData: new Uint8Array(cat([...recipient], ephPublic)),
    },
    key,
    new Uint8Array(await plaintext(ephPublic)),
  );
  return arr(bin(ephPublic), bin([...new Uint8Array(ciphertext)]));
}

// ---------------------------------------------------------------------------
// The cases

/** Builds every case, in file order. */
export async function buildVectors(): Promise<VectorCase[]> {
  const cases: VectorCase[] = [];
  const add = (kind: Kind, name: string, bytes: Bytes, verdict: Verdict, extra: {
    value?: unknown;
    why?: string;
  }): void => {
    cases.push({ name, kind, hex: hexOf(bytes), verdict, ...extra });
  };
  const ok = (kind: Kind, name: string, bytes: Bytes, value: unknown) =>
    add(kind, name, bytes, "accepted", { value });
  const closed = (kind: Kind, name: string, bytes: Bytes, why: string) =>
    add(kind, name, bytes, "closed", { why });
  const refused = (kind: Kind, name: string, bytes: Bytes, why: string) =>
    add(kind, name, bytes, "refused", { why });
  const message = (name: string, bytes: Bytes, value: unknown) => ok("message", name, bytes, value);
  const bad = (name: string, bytes: Bytes, why: string) => closed("message", name, bytes, why);

  // -- stream: the frame layer ----------------------------------------------
  const ping5 = arr(int(6), int(5));
  const pong9 = arr(int(7), int(9));
  ok("stream", "one frame: ping 5", cat(be(3, 4), ping5), [hexOf(ping5)]);
  ok("stream", "two frames in one read", cat(be(3, 4), ping5, be(3, 4), pong9), [
    hexOf(ping5),
    hexOf(pong9),
  ]);
  ok("stream", "an empty stream", [], []);
  ok("stream", "a frame of 1 byte (the smallest)", cat(be(1, 4), [0x07]), ["07"]);
  const largest = fill(0x61, 65535);
  ok("stream", "a frame of frameBytesMax (65535) bytes", cat(be(65535, 4), largest), [
    hexOf(largest),
  ]);
  closed("stream", "length 0", cat(be(0, 4), ping5), "1 ≤ L: a length of 0 closes");
  closed(
    "stream",
    "length 65536, one over frameBytesMax, without its body",
    be(65536, 4),
    "L > frameBytesMax closes as soon as the prefix is in, before any body",
  );
  closed("stream", "length 2^32 − 1", be(0xffff_ffff, 4), "L > frameBytesMax");
  closed("stream", "the stream ends inside the prefix", [0, 0, 0], "a truncated frame");
  closed(
    "stream",
    "the stream ends inside the body",
    cat(be(3, 4), [0x92, 0x06]),
    "a truncated frame",
  );
  closed(
    "stream",
    "a good frame, then a bad length",
    cat(be(3, 4), ping5, be(0, 4)),
    "length 0 (the good frame before it may be handled)",
  );

  // -- transport plaintext ----------------------------------------------------
  ok("transport-plaintext", "one payload: ping 5", cat(be(3, 4), ping5), [hexOf(ping5)]);
  ok("transport-plaintext", "two payloads: ping 5, pong 9", cat(be(3, 4), ping5, be(3, 4), pong9), [
    hexOf(ping5),
    hexOf(pong9),
  ]);
  closed(
    "transport-plaintext",
    "an empty plaintext",
    [],
    "a transport message carries at least one payload",
  );
  closed(
    "transport-plaintext",
    "inner length 0",
    cat(be(0, 4), ping5),
    "inner lengths are at least 1",
  );
  closed(
    "transport-plaintext",
    "inner length over what is left",
    cat(be(4, 4), ping5),
    "the lengths must add up exactly",
  );
  closed(
    "transport-plaintext",
    "bytes left that cannot hold a length",
    cat(be(3, 4), ping5, [0]),
    "the lengths must add up exactly",
  );

  // -- message: the encoding rules, shown on ping ------------------------------
  message("ping: shortest form", ping5, { type: "ping", nonce: 5 });
  const widths: [string, Bytes][] = [
    ["uint 8", u8(5)],
    ["uint 16", u16(5)],
    ["uint 32", u32(5)],
    ["uint 64", u64(5)],
    ["int 8", i8(5)],
    ["int 16", i16(5)],
    ["int 32", i32(5)],
    ["int 64", i64(5)],
  ];
  for (const [width, five] of widths) {
    message(`ping: nonce 5 as ${width}`, arr(int(6), five), { type: "ping", nonce: 5 });
  }
  message("ping: type code 6 as uint 64", arr(u64(6), int(5)), { type: "ping", nonce: 5 });
  message("ping: type code 6 as int 64", arr(i64(6), int(5)), { type: "ping", nonce: 5 });
  message("ping: the array as array 16", arr16(int(6), int(5)), { type: "ping", nonce: 5 });
  message("ping: the array as array 32", arr32(int(6), int(5)), { type: "ping", nonce: 5 });
  message("ping: nonce 2^32 − 1, the largest", arr(int(6), u32(0xffff_ffff)), {
    type: "ping",
    nonce: 0xffff_ffff,
  });
  bad("ping: nonce 2^32", arr(int(6), u64(2 ** 32)), "a nonce is below 2^32");
  bad("ping: nonce −1", arr(int(6), int(-1)), "a nonce is a uint");
  bad("ping: nonce −1 as int 64", arr(int(6), i64(-1)), "a nonce is a uint");
  const notInts: [string, Bytes][] = [
    ["nil", NIL],
    ["true", TRUE],
    ["false", FALSE],
    ["float 32 (5.0)", F32_5],
    ["float 64 (5.0)", F64_5],
    ["an empty map", EMPTY_MAP],
    ["a str", str("5")],
    ["a bin", bin([5])],
    ["an array", arr(int(5))],
    ["an extension", FIXEXT1],
    ["a timestamp extension", TIMESTAMP32],
    ["the reserved byte c1", RESERVED],
  ];
  for (const [what, value] of notInts) {
    bad(`ping: nonce is ${what}`, arr(int(6), value), "the nonce must be an int");
  }
  message("ping: one trailing element (a str)", arr(int(6), int(5), str("later")), {
    type: "ping",
    nonce: 5,
  });
  message(
    "ping: trailing elements of every allowed family",
    arr(int(6), int(5), int(-7), bin([1, 2]), arr(str("x"), arr())),
    { type: "ping", nonce: 5 },
  );
  for (const [what, value] of notInts.slice(0, 7).concat(notInts.slice(9))) {
    if (what === "a str") continue;
    bad(
      `ping: a trailing ${what}`,
      arr(int(6), int(5), value),
      "ignored elements obey § Encoding too",
    );
  }
  message("ping: a trailing element nesting to depth 8", arr(int(6), int(5), nested(7)), {
    type: "ping",
    nonce: 5,
  });
  bad(
    "ping: a trailing element nesting to depth 9",
    arr(int(6), int(5), nested(8)),
    "arrays nest at most 8 deep",
  );
  message("ping: a trailing uint 64 of 2^53 − 1", arr(int(6), int(5), u64(2 ** 53 - 1)), {
    type: "ping",
    nonce: 5,
  });
  bad(
    "ping: a trailing uint 64 of 2^53",
    arr(int(6), int(5), u64(2 ** 53)),
    "ints lie within ±(2^53 − 1)",
  );
  bad(
    "ping: a trailing uint 64 of 2^64 − 1",
    arr(int(6), int(5), u64(2n ** 64n - 1n)),
    "ints lie within ±(2^53 − 1)",
  );
  message("ping: a trailing int 64 of −(2^53 − 1)", arr(int(6), int(5), i64(-(2 ** 53 - 1))), {
    type: "ping",
    nonce: 5,
  });
  bad(
    "ping: a trailing int 64 of −2^53",
    arr(int(6), int(5), i64(-(2 ** 53))),
    "ints lie within ±(2^53 − 1)",
  );
  // UTF-8, in a trailing str.
  const utf8Cases: [string, Bytes, boolean][] = [
    ["U+20AC (3 bytes)", [0xe2, 0x82, 0xac], true],
    ["U+1F600 (4 bytes)", [0xf0, 0x9f, 0x98, 0x80], true],
    ["a leading U+FEFF", [0xef, 0xbb, 0xbf, 0x61], true],
    ["U+10FFFF", [0xf4, 0x8f, 0xbf, 0xbf], true],
    ["an overlong NUL (c0 80)", [0xc0, 0x80], false],
    ["an overlong U+20AC (f0 82 82 ac)", [0xf0, 0x82, 0x82, 0xac], false],
    ["a surrogate (ed a0 80)", [0xed, 0xa0, 0x80], false],
    ["U+110000 (f4 90 80 80)", [0xf4, 0x90, 0x80, 0x80], false],
    ["a lone continuation byte", [0x80], false],
    ["a truncated sequence", [0xe2, 0x82], false],
    ["the byte ff", [0xff], false],
  ];
  for (const [what, bytes, valid] of utf8Cases) {
    const frame = arr(int(6), int(5), strBytes(bytes));
    if (valid) message(`ping: a trailing str with ${what}`, frame, { type: "ping", nonce: 5 });
    else bad(`ping: a trailing str with ${what}`, frame, "a str is valid UTF-8");
  }
  bad("ping: a byte after the array", cat(ping5, [0x00]), "a payload is exactly one value");
  bad("ping: missing its nonce", arr(int(6)), "a missing element");
  bad("an empty array", arr(), "a message is a non-empty array");
  bad("not an array (the int 6)", int(6), "a message is an array");
  bad("not an array (a map)", [0x81, 0x06, 0x05], "maps are not allowed");
  bad("nil", NIL, "a message is an array");
  bad("an array announcing more elements than there are bytes", [
    0xdd,
    0xff,
    0xff,
    0xff,
    0xff,
    0x06,
  ], "truncated");
  bad("an array cut short", [0x93, 0x06, 0x05], "truncated");
  bad(
    "type code 0 (the rejection frame's, no message)",
    arr(int(0), int(1)),
    "an unknown type code",
  );
  bad("type code 17", arr(int(17)), "an unknown type code");
  bad("type code −1", arr(int(-1)), "an unknown type code");
  bad("type code as a str", arr(str("6"), int(5)), "the type code is an int");
  bad(
    "a frame payload of 65516 bytes (a ping padded by a trailing bin)",
    arr(int(6), int(5), bin(fill(0, 65510))),
    "an encoded message is at most frameBytesMax − 20 = 65515 bytes",
  );
  message(
    "a frame payload of 65515 bytes (a ping padded by a trailing bin)",
    arr(int(6), int(5), bin(fill(0, 65509))),
    { type: "ping", nonce: 5 },
  );

  // -- pong, probe, probe-ack --------------------------------------------------
  message("pong", arr(int(7), int(9)), { type: "pong", nonce: 9 });
  message("pong: nonce 0", arr(int(7), int(0)), { type: "pong", nonce: 0 });
  bad("pong: nonce 2^32", arr(int(7), u64(2 ** 32)), "a nonce is below 2^32");
  message("pong: nonce as int 64, a trailing element", arr(int(7), i64(9), bin([1])), {
    type: "pong",
    nonce: 9,
  });
  for (const [code, type] of [[14, "probe"], [15, "probe-ack"]] as const) {
    message(type, arr(int(code), bin(ID_B), int(7)), { type, target: HEX_B, nonce: 7 });
    message(
      `${type}: target as bin 32, nonce as uint 64, a trailing element`,
      arr(int(code), bin32(ID_B), u64(7), str("x")),
      { type, target: HEX_B, nonce: 7 },
    );
    bad(
      `${type}: target of 31 bytes`,
      arr(int(code), bin(fill(0xbb, 31)), int(7)),
      "a peer id is a bin of 32 bytes",
    );
    bad(
      `${type}: target of 33 bytes`,
      arr(int(code), bin(fill(0xbb, 33)), int(7)),
      "a peer id is a bin of 32 bytes",
    );
    bad(`${type}: target as a str`, arr(int(code), str(HEX_B), int(7)), "a peer id is a bin");
    bad(`${type}: nonce 2^32`, arr(int(code), bin(ID_B), u64(2 ** 32)), "a nonce is below 2^32");
    bad(`${type}: missing its nonce`, arr(int(code), bin(ID_B)), "a missing element");
  }

  // -- register, get-peers ------------------------------------------------------
  message("register", arr(int(2)), { type: "register" });
  message("register: a trailing element", arr(int(2), str("later")), { type: "register" });
  bad("register: a trailing nil", arr(int(2), NIL), "ignored elements obey § Encoding too");
  message("get-peers: a sample", arr(int(3)), { type: "get-peers", all: false });
  message("get-peers: all = 0", arr(int(3), int(0)), { type: "get-peers", all: false });
  message("get-peers: all = 1", arr(int(3), int(1)), { type: "get-peers", all: true });
  message("get-peers: all = 1 as uint 64, a trailing element", arr(int(3), u64(1), int(9)), {
    type: "get-peers",
    all: true,
  });
  bad("get-peers: all = 2", arr(int(3), int(2)), "a flag is 0 or 1");
  bad("get-peers: all = true (a boolean)", arr(int(3), TRUE), "booleans are not allowed");

  // -- hello ----------------------------------------------------------------------
  const helloValue = (fields: Partial<Record<string, unknown>> = {}) => ({
    type: "hello",
    version: 5,
    id: HEX_A,
    addr: ADDR,
    nick: "ann",
    role: "peer",
    incarnation: 5,
    ...fields,
  });
  const hello = (
    over: Partial<
      Record<"magic" | "version" | "id" | "addr" | "nick" | "role" | "incarnation", Bytes>
    > = {},
    extra: Bytes[] = [],
  ) =>
    arr(
      int(1),
      over.magic ?? str("p2pchat"),
      over.version ?? int(5),
      over.id ?? bin(ID_A),
      over.addr ?? str(ADDR),
      over.nick ?? str("ann"),
      over.role ?? int(0),
      over.incarnation ?? int(5),
      ...extra,
    );
  message("hello", hello(), helloValue());
  message(
    "hello: of a bootstrap",
    hello({ nick: str("bootstrap"), role: int(1), incarnation: int(0) }),
    helloValue({ nick: "bootstrap", role: "bootstrap", incarnation: 0 }),
  );
  message(
    "hello: without incarnation (7 elements)",
    arr(int(1), str("p2pchat"), int(5), bin(ID_A), str(ADDR), str("ann"), int(0)),
    helloValue({ incarnation: 0 }),
  );
  message(
    "hello: every field in its widest form",
    hello({
      magic: str32("p2pchat"),
      version: u64(5),
      id: bin32(ID_A),
      addr: str16(ADDR),
      nick: str8("ann"),
      role: i64(0),
      incarnation: u64(5),
    }),
    helloValue(),
  );
  message(
    "hello: trailing elements",
    hello({}, [str("capability"), arr(int(1), int(2))]),
    helloValue(),
  );
  message(
    "hello: seen, the address the sender sees the connection come from",
    hello({}, [str("203.0.113.7:51234")]),
    helloValue({ seen: "203.0.113.7:51234" }),
  );
  message(
    "hello: seen as an IPv6 address, then trailing elements",
    hello({}, [str("[2001:db8::7]:40000"), int(1)]),
    helloValue({ seen: "[2001:db8::7]:40000" }),
  );
  message(
    "hello: seen that is not an address is ignored",
    hello({}, [str("999.1.1.1:7000")]),
    helloValue(),
  );
  message(
    "hello: seen that is a relayed address is ignored (seen is direct)",
    hello({}, [str(`203.0.113.7:7000/relay/${"ab".repeat(32)}`)]),
    helloValue(),
  );
  message("hello: seen that is not a str is ignored", hello({}, [int(7)]), helloValue());
  message(
    "hello: incarnation 2^53 − 1",
    hello({ incarnation: u64(2 ** 53 - 1) }),
    helloValue({ incarnation: 2 ** 53 - 1 }),
  );
  bad(
    "hello: incarnation 2^53",
    hello({ incarnation: u64(2 ** 53) }),
    "ints lie within ±(2^53 − 1)",
  );
  bad("hello: incarnation −1", hello({ incarnation: int(-1) }), "incarnation is a uint");
  bad("hello: magic 'P2PCHAT'", hello({ magic: str("P2PCHAT") }), "the magic is 'p2pchat'");
  bad("hello: version 3", hello({ version: int(3) }), "another major version");
  bad("hello: version 4", hello({ version: int(4) }), "another major version");
  bad("hello: version 6", hello({ version: int(6) }), "another major version");
  bad("hello: role 2", hello({ role: int(2) }), "role is 0 or 1");
  bad(
    "hello: 6 elements",
    arr(int(1), str("p2pchat"), int(5), bin(ID_A), str(ADDR), str("ann")),
    "a missing element",
  );
  bad(
    "hello: id of 31 bytes",
    hello({ id: bin(fill(0xaa, 31)) }),
    "a peer id is a bin of 32 bytes",
  );
  bad("hello: id as a str of 64 hex digits", hello({ id: str(HEX_A) }), "a peer id is a bin");
  bad("hello: an empty nick", hello({ nick: str("") }), "a nick has at least 1 byte");
  message(
    "hello: a nick of 32 bytes",
    hello({ nick: str("n".repeat(32)) }),
    helloValue({ nick: "n".repeat(32) }),
  );
  bad(
    "hello: a nick of 33 bytes",
    hello({ nick: str("n".repeat(33)) }),
    "a nick is at most nickBytesMax (32) bytes",
  );
  message(
    "hello: a nick of 8 emoji (32 UTF-8 bytes)",
    hello({ nick: str("😀".repeat(8)) }),
    helloValue({ nick: "😀".repeat(8) }),
  );
  bad(
    "hello: a nick of 9 emoji (36 UTF-8 bytes)",
    hello({ nick: str("😀".repeat(9)) }),
    "a nick is at most 32 UTF-8 bytes: a character above U+FFFF counts 4",
  );
  message(
    "hello: a nick of 10 three-byte characters (30 bytes)",
    hello({ nick: str("€".repeat(10)) }),
    helloValue({ nick: "€".repeat(10) }),
  );
  bad(
    "hello: a nick of 11 three-byte characters (33 bytes)",
    hello({ nick: str("€".repeat(11)) }),
    "a nick is at most 32 bytes",
  );
  bad("hello: a nick with a newline", hello({ nick: str("a\nb") }), "no control characters");
  bad("hello: a nick with DEL", hello({ nick: str("a\x7fb") }), "no control characters");
  bad("hello: a nick with U+0085 (C1)", hello({ nick: str("a\u0085b") }), "no control characters");
  bad(
    "hello: a nick of invalid UTF-8",
    hello({ nick: strBytes([0x61, 0xc0, 0x80]) }),
    "a str is valid UTF-8",
  );
  // Addresses.
  const addrs: [string, boolean, string][] = [
    ["example.org:7000", true, ""],
    ["Example-1.ORG:65535", true, ""],
    ["localhost:1", true, ""],
    ["1.2.3.a:7000", true, "a letter: a hostname"],
    ["0x7f.1:7000", true, "a letter: a hostname"],
    ["0.0.0.0:7000", true, ""],
    ["255.255.255.255:7000", true, ""],
    ["[::1]:7000", true, ""],
    ["[::]:7000", true, ""],
    ["[2001:DB8::1]:7000", true, ""],
    ["[::ffff:1.2.3.4]:7000", true, ""],
    ["[1:2:3:4:5:6:7:8]:7000", true, ""],
    [`${"a".repeat(63)}.org:7000`, true, "a label of 63 characters"],
    [
      `${["a", "b", "c"].map((c) => c.repeat(63)).join(".")}.${"d".repeat(61)}:65535`,
      true,
      "a hostname of 253 characters (259 bytes)",
    ],
    ["01.2.3.4:7000", false, "digits and dots: IPv4, and IPv4 has no leading zeros"],
    ["999.1.1.1:7000", false, "digits and dots: IPv4, and 999 > 255"],
    ["256.0.0.1:7000", false, "digits and dots: IPv4, and 256 > 255"],
    ["1.2.3:7000", false, "digits and dots: IPv4 needs 4 parts"],
    ["1.2.3.4.5:7000", false, "digits and dots: IPv4 needs 4 parts"],
    ["1234:7000", false, "digits only: IPv4, not valid"],
    ["1.2.3.4.:7000", false, "digits and dots: not IPv4"],
    [
      `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.e:65535`,
      false,
      "a hostname of 257 characters",
    ],
    [`1.2.3.4:7000/relay/${"ab".repeat(32)}`, true, "a relayed address"],
    [`[::1]:7000/relay/${"0f".repeat(32)}`, true, "a relayed address, IPv6 relay"],
    [
      `${["a", "b", "c"].map((c) => c.repeat(63)).join(".")}.${"d".repeat(61)}:65535/relay/${
        "ab".repeat(32)
      }`,
      true,
      "the longest relayed address (330 bytes)",
    ],
    [`1.2.3.4:7000/relay/${"AB".repeat(32)}`, false, "a relayed id in uppercase hex"],
    [`1.2.3.4:7000/relay/${"ab".repeat(31)}`, false, "a relayed id of 62 digits"],
    [`1.2.3.4/relay/${"ab".repeat(32)}`, false, "a relay without a port"],
    [`1.2.3.4:7000/relay/${"ab".repeat(32)}/relay/${"ab".repeat(32)}`, false, "a relay of a relay"],
    [
      `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.${
        "e".repeat(63)
      }.f:1`,
      false,
      "337 bytes: over addrBytesMax (336)",
    ],
  ];
  for (const [addr, valid, note] of addrs) {
    const name = `hello: addr ${
      addr.length > 40 ? `${addr.slice(0, 20)}…(${addr.length} chars)` : addr
    }${note === "" || !valid ? "" : ` (${note})`}`;
    if (valid) message(name, hello({ addr: str(addr) }), helloValue({ addr }));
    else bad(name, hello({ addr: str(addr) }), `an invalid addr: ${note}`);
  }

  // -- peers, member ------------------------------------------------------------
  const entry = (id: Bytes, extra: Bytes[] = [], status = 0) =>
    arr(bin(id), str(ADDR), int(3), int(status), ...extra);
  const record = (id: string, fields: Record<string, unknown> = {}) => ({
    id,
    addr: ADDR,
    incarnation: 3,
    status: "alive",
    ...fields,
  });
  message("peers: an empty list", arr(int(4), arr()), { type: "peers", peers: [] });
  message("peers: an empty list, total 7", arr(int(4), arr(), int(7)), {
    type: "peers",
    peers: [],
    total: 7,
  });
  message(
    "peers: a rumor, a signed record, a signed record with a nick",
    arr(
      int(4),
      arr(entry(ID_A), entry(ID_B, [bin(SIGNATURE)]), entry(ID_C, [bin(SIGNATURE), str("cid")])),
      int(2),
    ),
    {
      type: "peers",
      peers: [
        record(HEX_A),
        record(HEX_B, { signature: hexOf(SIGNATURE) }),
        record(HEX_C, { signature: hexOf(SIGNATURE), nick: "cid" }),
      ],
      total: 2,
    },
  );
  message(
    "peers: statuses suspect and dead",
    arr(int(4), arr(entry(ID_A, [], 1), entry(ID_B, [], 2))),
    {
      type: "peers",
      peers: [record(HEX_A, { status: "suspect" }), record(HEX_B, { status: "dead" })],
    },
  );
  message(
    "peers: a signature of 63 bytes is ignored (a rumor)",
    arr(int(4), arr(entry(ID_A, [bin(fill(0x5a, 63)), str("ann")]))),
    {
      type: "peers",
      peers: [record(HEX_A)],
    },
  );
  message(
    "peers: a signature on a suspect record is ignored",
    arr(int(4), arr(entry(ID_A, [bin(SIGNATURE)], 1))),
    {
      type: "peers",
      peers: [record(HEX_A, { status: "suspect" })],
    },
  );
  message("peers: a signature as a str is ignored", arr(int(4), arr(entry(ID_A, [str("sig")]))), {
    type: "peers",
    peers: [record(HEX_A)],
  });
  message(
    "peers: a nick that is not a str is ignored",
    arr(int(4), arr(entry(ID_A, [bin(SIGNATURE), bin([1])]))),
    {
      type: "peers",
      peers: [record(HEX_A, { signature: hexOf(SIGNATURE) })],
    },
  );
  message(
    "peers: an entry with trailing elements after its nick",
    arr(int(4), arr(entry(ID_A, [bin(SIGNATURE), str("ann"), int(1), str("x")]))),
    {
      type: "peers",
      peers: [record(HEX_A, { signature: hexOf(SIGNATURE), nick: "ann" })],
    },
  );
  message("peers: a trailing element after total", arr(int(4), arr(), int(7), str("x")), {
    type: "peers",
    peers: [],
    total: 7,
  });
  bad(
    "peers: an empty nick on a signed record",
    arr(int(4), arr(entry(ID_A, [bin(SIGNATURE), str("")]))),
    "a nick there is checked like a hello's",
  );
  bad(
    "peers: a nick with a control character",
    arr(int(4), arr(entry(ID_A, [bin(SIGNATURE), str("a\tb")]))),
    "a nick there is checked like a hello's",
  );
  bad(
    "peers: the same id twice",
    arr(int(4), arr(entry(ID_A), entry(ID_A))),
    "an id appears at most once",
  );
  bad("peers: status 3", arr(int(4), arr(entry(ID_A, [], 3))), "status is 0, 1 or 2");
  bad(
    "peers: an entry of 3 elements",
    arr(int(4), arr(arr(bin(ID_A), str(ADDR), int(3)))),
    "a missing element",
  );
  bad("peers: an entry that is not an array", arr(int(4), arr(bin(ID_A))), "an entry is an array");
  bad("peers: the list missing", arr(int(4)), "a missing element");
  bad("peers: total −1", arr(int(4), arr(), int(-1)), "total is a uint");
  bad(
    "peers: an entry with an invalid addr",
    arr(int(4), arr(arr(bin(ID_A), str("01.2.3.4:1"), int(3), int(0)))),
    "an invalid addr",
  );
  const manyEntries = (n: number) =>
    Array.from({ length: n }, (_, i) => arr(bin(manyId(i)), str("1.2.3.4:5"), int(0), int(0)));
  message("peers: 256 entries (peersPerMessageMax)", arr(int(4), arrOf(256, manyEntries(256))), {
    type: "peers",
    peers: Array.from(
      { length: 256 },
      (_, i) => ({ id: hexOf(manyId(i)), addr: "1.2.3.4:5", incarnation: 0, status: "alive" }),
    ),
  });
  bad(
    "peers: 257 entries",
    arr(int(4), arrOf(257, manyEntries(257))),
    "at most peersPerMessageMax (256) entries",
  );
  message("member: a rumor", arr(int(5), bin(ID_A), str(ADDR), int(3), int(1)), {
    type: "member",
    member: record(HEX_A, { status: "suspect" }),
  });
  message(
    "member: signed dead, with a nick",
    arr(int(5), bin(ID_A), str(ADDR), int(3), int(2), bin(SIGNATURE), str("ann")),
    {
      type: "member",
      member: record(HEX_A, { status: "dead", signature: hexOf(SIGNATURE), nick: "ann" }),
    },
  );
  message(
    "member: signed alive, widest forms, a trailing element",
    arr(u64(5), bin32(ID_A), str32(ADDR), u64(3), u64(0), bin32(SIGNATURE), str("ann"), str("x")),
    {
      type: "member",
      member: record(HEX_A, { signature: hexOf(SIGNATURE), nick: "ann" }),
    },
  );
  bad(
    "member: 4 fields (status missing)",
    arr(int(5), bin(ID_A), str(ADDR), int(3)),
    "a missing element",
  );
  bad("member: status 3", arr(int(5), bin(ID_A), str(ADDR), int(3), int(3)), "status is 0, 1 or 2");

  // -- chat ---------------------------------------------------------------------
  const HI_HASH = await sha256(utf8("hi"));
  const EMPTY_HASH = await sha256([]);
  const TS = 1_700_000_000_000;
  /** The body of PROTOCOL.md's example: ab…ab seq 2, clock {ab: 2, cd: 5}, "ann", "hi". */
  const exampleBody = (
    over: Partial<Record<"author" | "seq" | "clock" | "nick" | "hash" | "ts", Bytes>> = {},
    extra: Bytes[] = [],
  ) =>
    arr(
      over.author ?? bin(fill(0xab, 32)),
      over.seq ?? int(2),
      over.clock ?? arr(arr(bin(fill(0xab, 32)), int(2)), arr(bin(ID_C), int(5))),
      over.nick ?? str("ann"),
      over.hash ?? bin(HI_HASH),
      over.ts ?? u64(TS),
      ...extra,
    );
  const HEX_AB = "ab".repeat(32);
  const bodyValue = (fields: Record<string, unknown> = {}) => ({
    author: HEX_AB,
    seq: 2,
    clock: clockValue([[HEX_AB, 2], [HEX_C, 5]]),
    nick: "ann",
    textHash: hexOf(HI_HASH),
    ts: TS,
    ...fields,
  });
  const chatValue = (fields: Record<string, unknown> = {}, body: Record<string, unknown> = {}) => ({
    type: "chat",
    repair: false,
    signature: "",
    body: bodyValue(body),
    text: "hi",
    ...fields,
  });
  const chat = (body: Bytes, tail: Bytes[] = [bin([]), int(0), str("hi")]) =>
    arr(int(8), bin(body), ...tail);
  message("chat: PROTOCOL.md's example", chat(exampleBody()), chatValue());
  message(
    "chat: its redacted form",
    chat(exampleBody(), [bin([]), int(0)]),
    (({ text: _, ...rest }) => rest)(chatValue()),
  );
  message(
    "chat: without repair (3 elements, redacted)",
    chat(exampleBody(), [bin([])]),
    (({ text: _, ...rest }) => rest)(chatValue()),
  );
  message(
    "chat: as a repair, signed",
    chat(exampleBody(), [bin(SIGNATURE), int(1), str("hi")]),
    chatValue({ repair: true, signature: hexOf(SIGNATURE) }),
  );
  message(
    "chat: a trailing element after text",
    chat(exampleBody(), [bin([]), int(0), str("hi"), str("later")]),
    chatValue(),
  );
  message(
    "chat: the text as str 32, the body as bin 32",
    arr(int(8), bin32(exampleBody()), bin([]), u64(0), str32("hi")),
    chatValue(),
  );
  message(
    "chat: a body with a trailing element after the amendment",
    chat(exampleBody({}, [arr(int(1), int(1)), str("later")])),
    chatValue({}, { amends: { kind: "edit", target: 1 } }),
  );
  message(
    "chat: clock entries out of order, with trailing elements",
    chat(
      exampleBody({
        clock: arr(arr(bin(ID_C), int(5), str("x")), arr(bin(fill(0xab, 32)), int(2))),
      }),
    ),
    chatValue({}, { clock: clockValue([[HEX_C, 5], [HEX_AB, 2]]) }),
  );
  message(
    "chat: ts negative, as int 64",
    chat(exampleBody({ ts: i64(-5) })),
    chatValue({}, { ts: -5 }),
  );
  message(
    "chat: an edit of seq 1",
    chat(exampleBody({}, [arr(int(1), int(1))])),
    chatValue({}, { amends: { kind: "edit", target: 1 } }),
  );
  message(
    "chat: an amendment with a trailing element",
    chat(exampleBody({}, [arr(int(1), int(1), str("x"))])),
    chatValue({}, { amends: { kind: "edit", target: 1 } }),
  );
  message(
    "chat: a delete of seq 1 (empty text)",
    chat(exampleBody({ hash: bin(EMPTY_HASH) }, [arr(int(2), int(1))]), [bin([]), int(0), str("")]),
    chatValue({ text: "" }, { textHash: hexOf(EMPTY_HASH), amends: { kind: "delete", target: 1 } }),
  );
  bad(
    "chat: a delete with a text",
    chat(exampleBody({}, [arr(int(2), int(1))])),
    "a delete's text is empty",
  );
  bad("chat: amendment kind 3", chat(exampleBody({}, [arr(int(3), int(1))])), "kind is 1 or 2");
  bad("chat: amendment target 0", chat(exampleBody({}, [arr(int(1), int(0))])), "1 ≤ target < seq");
  bad(
    "chat: amendment target = seq",
    chat(exampleBody({}, [arr(int(1), int(2))])),
    "1 ≤ target < seq",
  );
  bad("chat: amendment of 1 element", chat(exampleBody({}, [arr(int(1))])), "a missing element");
  bad(
    "chat: body element 7 that is not an amendment",
    chat(exampleBody({}, [str("later")])),
    "element 7 of a body is an amendment",
  );
  bad(
    "chat: text not matching textHash",
    chat(exampleBody(), [bin([]), int(0), str("ho")]),
    "SHA-256 of the text equals textHash",
  );
  bad(
    "chat: text as a bin",
    chat(exampleBody(), [bin([]), int(0), bin(utf8("hi"))]),
    "text is a str",
  );
  bad("chat: repair 2", chat(exampleBody(), [bin([]), int(2), str("hi")]), "a flag is 0 or 1");
  bad(
    "chat: signature of 63 bytes",
    chat(exampleBody(), [bin(fill(0x5a, 63)), int(0), str("hi")]),
    "a signature is 0 or 64 bytes or a batch signature",
  );
  bad(
    "chat: signature of 1 byte",
    chat(exampleBody(), [bin([1]), int(0), str("hi")]),
    "a signature is 0 or 64 bytes or a batch signature",
  );
  // rootSignature:64 ‖ index:u16 ‖ count:u16 ‖ path:32×L (§ 8 chat: batch signatures).
  const batch = (index: number, count: number, nodes: number) => [
    ...SIGNATURE,
    index >> 8,
    index & 0xff,
    count >> 8,
    count & 0xff,
    ...fill(0x77, 32 * nodes),
  ];
  message(
    "chat: a batch signature, leaf 0 of 3 (2 path nodes)",
    chat(exampleBody(), [bin(batch(0, 3, 2)), int(0), str("hi")]),
    chatValue({ signature: hexOf(batch(0, 3, 2)) }),
  );
  message(
    "chat: a batch signature, leaf 2 of 3 (1 path node)",
    chat(exampleBody(), [bin(batch(2, 3, 1)), int(0), str("hi")]),
    chatValue({ signature: hexOf(batch(2, 3, 1)) }),
  );
  message(
    "chat: a batch signature, leaf 255 of 256 (8 path nodes, the longest)",
    chat(exampleBody(), [bin(batch(255, 256, 8)), int(0), str("hi")]),
    chatValue({ signature: hexOf(batch(255, 256, 8)) }),
  );
  bad(
    "chat: a batch signature whose path is one node short",
    chat(exampleBody(), [bin(batch(0, 3, 1)), int(0), str("hi")]),
    "the path has exactly the length the leaf's position needs",
  );
  bad(
    "chat: a batch signature whose path is one node long",
    chat(exampleBody(), [bin(batch(2, 3, 2)), int(0), str("hi")]),
    "the path has exactly the length the leaf's position needs",
  );
  bad(
    "chat: a batch signature of count 1",
    chat(exampleBody(), [bin(batch(0, 1, 1)), int(0), str("hi")]),
    "a batch holds 2 to 256 messages",
  );
  bad(
    "chat: a batch signature of count 257",
    chat(exampleBody(), [bin(batch(0, 257, 9)), int(0), str("hi")]),
    "a batch holds 2 to 256 messages",
  );
  bad(
    "chat: a batch signature whose index is its count",
    chat(exampleBody(), [bin(batch(3, 3, 1)), int(0), str("hi")]),
    "index < count",
  );
  bad("chat: signature missing", arr(int(8), bin(exampleBody())), "a missing element");
  bad(
    "chat: body as an array, not a bin",
    arr(int(8), exampleBody(), bin([]), int(0), str("hi")),
    "body is a bin",
  );
  bad(
    "chat: a byte after the body's array",
    chat(cat(exampleBody(), [0x00])),
    "a body is exactly one value",
  );
  bad(
    "chat: a body of 5 elements",
    chat(
      arr(
        bin(fill(0xab, 32)),
        int(2),
        arr(arr(bin(fill(0xab, 32)), int(2))),
        str("ann"),
        bin(HI_HASH),
      ),
    ),
    "a missing element",
  );
  bad(
    "chat: a body with a map",
    chat(exampleBody({}, [arr(int(1), int(1)), EMPTY_MAP])),
    "maps are not allowed, in a body too",
  );
  message(
    "chat: a body nesting to depth 8",
    chat(exampleBody({}, [arr(int(1), int(1)), nested(7)])),
    chatValue({}, { amends: { kind: "edit", target: 1 } }),
  );
  bad(
    "chat: a body nesting to depth 9",
    chat(exampleBody({}, [arr(int(1), int(1)), nested(8)])),
    "arrays nest at most 8 deep, counted from the body's own array",
  );
  bad(
    "chat: author of 31 bytes",
    chat(exampleBody({ author: bin(fill(0xab, 31)) })),
    "a peer id is a bin of 32 bytes",
  );
  bad(
    "chat: seq 0",
    chat(exampleBody({ seq: int(0), clock: arr(arr(bin(fill(0xab, 32)), int(0))) })),
    "seq ≥ 1",
  );
  bad(
    "chat: clock without the author",
    chat(exampleBody({ clock: arr(arr(bin(ID_C), int(5))) })),
    "clock[author] = seq",
  );
  bad(
    "chat: clock[author] = 3, seq 2",
    chat(exampleBody({ clock: arr(arr(bin(fill(0xab, 32)), int(3))) })),
    "clock[author] = seq: a protocol error, not a refusal",
  );
  bad(
    "chat: a clock entry with n = 0",
    chat(exampleBody({ clock: arr(arr(bin(fill(0xab, 32)), int(2)), arr(bin(ID_C), int(0))) })),
    "n ≥ 1",
  );
  bad(
    "chat: a clock naming an id twice",
    chat(
      exampleBody({
        clock: arr(
          arr(bin(fill(0xab, 32)), int(2)),
          arr(bin(ID_C), int(5)),
          arr(bin(ID_C), int(6)),
        ),
      }),
    ),
    "no id twice",
  );
  bad(
    "chat: a clock entry of 1 element",
    chat(exampleBody({ clock: arr(arr(bin(fill(0xab, 32)), int(2)), arr(bin(ID_C))) })),
    "a missing element",
  );
  bad("chat: an empty nick", chat(exampleBody({ nick: str("") })), "a nick has at least 1 byte");
  bad(
    "chat: textHash of 31 bytes",
    chat(exampleBody({ hash: bin(HI_HASH.slice(1)) })),
    "textHash is 32 bytes",
  );
  bad("chat: ts as a float", chat(exampleBody({ ts: F64_5 })), "ts is an int");
  // Texts at the limit.
  for (
    const [what, text, valid] of [
      ["4096 ASCII bytes", "t".repeat(4096), true],
      ["4097 ASCII bytes", "t".repeat(4097), false],
      ["1024 emoji (4096 bytes)", "😀".repeat(1024), true],
      ["1025 emoji (4100 bytes)", "😀".repeat(1025), false],
      ["2048 emoji (8192 bytes)", "😀".repeat(2048), false],
      ["1365 three-byte characters and 1 byte (4096 bytes)", `${"€".repeat(1365)}t`, true],
      ["1366 three-byte characters (4098 bytes)", "€".repeat(1366), false],
    ] as const
  ) {
    const hash = await sha256(utf8(text));
    const frame = chat(exampleBody({ hash: bin(hash) }), [bin([]), int(0), str(text)]);
    if (valid) {
      message(`chat: a text of ${what}`, frame, chatValue({ text }, { textHash: hexOf(hash) }));
    } else {bad(
        `chat: a text of ${what}`,
        frame,
        "a text is at most textBytesMax (4096) UTF-8 bytes",
      );}
  }
  // Clocks at the limit.
  const bigClock = (n: number) =>
    arrOf(n, [
      arr(bin(fill(0xab, 32)), int(2)),
      ...Array.from({ length: n - 1 }, (_, i) => arr(bin(manyId(i)), int(1))),
    ]);
  message(
    "chat: a clock of 1024 entries (clockEntriesMax)",
    chat(exampleBody({ clock: bigClock(1024) })),
    chatValue({}, {
      clock: [[HEX_AB, 2], ...Array.from({ length: 1023 }, (_, i) => [hexOf(manyId(i)), 1])],
    }),
  );
  bad(
    "chat: a clock of 1025 entries",
    chat(exampleBody({ clock: bigClock(1025) })),
    "at most clockEntriesMax (1024) entries",
  );
  // Size: the repair form must fit 65515 bytes.
  const paddedChat = (padding: number) =>
    arr(int(8), bin(exampleBody({}, [arr(int(1), int(1)), bin(fill(0, padding))])), bin([]));
  const fixedPart = paddedChat(300).length - 300;
  message(
    "chat: 3 elements, 65514 bytes (its repair form is 65515)",
    paddedChat(65514 - fixedPart),
    (({ text: _, ...rest }) => rest)(chatValue({}, { amends: { kind: "edit", target: 1 } })),
  );
  bad(
    "chat: 3 elements, 65515 bytes (its repair form would be 65516)",
    paddedChat(65515 - fixedPart),
    "every accepted chat fits its repair form in 65515 bytes",
  );

  // -- bye, prune -----------------------------------------------------------------
  message("bye", arr(int(9), str("leaving")), { type: "bye", reason: "leaving" });
  message("bye: an empty reason", arr(int(9), str("")), { type: "bye", reason: "" });
  message("bye: a reason of 256 bytes", arr(int(9), str("r".repeat(256))), {
    type: "bye",
    reason: "r".repeat(256),
  });
  bad(
    "bye: a reason of 257 bytes",
    arr(int(9), str("r".repeat(257))),
    "a reason is at most reasonBytesMax (256) bytes",
  );
  bad("bye: without a reason", arr(int(9)), "a missing element");
  bad("bye: a reason as a bin", arr(int(9), bin(utf8("x"))), "reason is a str");
  message("bye: a trailing element", arr(int(9), str("done"), arr(int(1))), {
    type: "bye",
    reason: "done",
  });
  message("prune", arr(int(10), arr(bin(ID_A), bin(ID_B))), {
    type: "prune",
    authors: [HEX_A, HEX_B],
  });
  message("prune: an empty list", arr(int(10), arr()), { type: "prune", authors: [] });
  message(
    "prune: an author repeated (allowed)",
    arr(int(10), arr(bin(ID_A), bin(ID_B), bin(ID_A))),
    { type: "prune", authors: [HEX_A, HEX_B, HEX_A] },
  );
  bad(
    "prune: an author of 33 bytes",
    arr(int(10), arr(bin(fill(0xaa, 33)))),
    "a peer id is a bin of 32 bytes",
  );
  bad(
    "prune: 1025 authors",
    arr(int(10), arrOf(1025, Array.from({ length: 1025 }, (_, i) => bin(manyId(i))))),
    "at most clockEntriesMax (1024) authors",
  );
  bad("prune: the list missing", arr(int(10)), "a missing element");
  message("prune: a trailing element", arr(int(10), arr(bin(ID_A)), str("x")), {
    type: "prune",
    authors: [HEX_A],
  });
  message("prune: leaving the shared tree", arr(int(10), arr(bin(ID_A)), int(1)), {
    type: "prune",
    authors: [HEX_A],
    sharedTree: true,
  });
  message("prune: sharedTree 0", arr(int(10), arr(bin(ID_A)), int(0)), {
    type: "prune",
    authors: [HEX_A],
  });
  message("prune: sharedTree 2 (ignored)", arr(int(10), arr(bin(ID_A)), int(2)), {
    type: "prune",
    authors: [HEX_A],
  });
  message("prune: only the shared tree", arr(int(10), arr(), int(1), str("later")), {
    type: "prune",
    authors: [],
    sharedTree: true,
  });

  // -- have, want, skip -------------------------------------------------------------
  const DIGEST = fill(0xd1, 16);
  message("have: lazy, an empty clock", arr(int(11), int(0), arr()), {
    type: "have",
    full: false,
    clock: [],
  });
  message("have: full", arr(int(11), int(1), arr(arr(bin(ID_A), int(3)), arr(bin(ID_B), u64(1)))), {
    type: "have",
    full: true,
    clock: [[HEX_A, 3], [HEX_B, 1]],
  });
  message(
    "have: entries with a version digest",
    arr(int(11), int(0), arr(arr(bin(ID_A), int(3), bin(DIGEST)), arr(bin(ID_B), int(1)))),
    {
      type: "have",
      full: false,
      clock: [[HEX_A, 3, hexOf(DIGEST)], [HEX_B, 1]],
    },
  );
  message(
    "have: a digest of 15 bytes is ignored",
    arr(int(11), int(0), arr(arr(bin(ID_A), int(3), bin(fill(0xd1, 15))))),
    {
      type: "have",
      full: false,
      clock: [[HEX_A, 3]],
    },
  );
  message(
    "have: a digest as a str is ignored",
    arr(int(11), int(0), arr(arr(bin(ID_A), int(3), str("d")))),
    {
      type: "have",
      full: false,
      clock: [[HEX_A, 3]],
    },
  );
  message(
    "have: an entry with a trailing element after the digest",
    arr(int(11), int(0), arr(arr(bin(ID_A), int(3), bin(DIGEST), int(9)))),
    {
      type: "have",
      full: false,
      clock: [[HEX_A, 3, hexOf(DIGEST)]],
    },
  );
  bad("have: an entry with n = 0", arr(int(11), int(0), arr(arr(bin(ID_A), int(0)))), "n ≥ 1");
  bad(
    "have: an id twice",
    arr(int(11), int(0), arr(arr(bin(ID_A), int(1)), arr(bin(ID_A), int(2)))),
    "no id twice",
  );
  bad("have: full = 2", arr(int(11), int(2), arr()), "a flag is 0 or 1");
  bad(
    "have: an entry of 1 element",
    arr(int(11), int(0), arr(arr(bin(ID_A)))),
    "a missing element",
  );
  message("have: a trailing element after the clock", arr(int(11), int(0), arr(), int(1)), {
    type: "have",
    full: false,
    clock: [],
  });
  bad(
    "have: 1025 entries",
    arr(
      int(11),
      int(1),
      arrOf(1025, Array.from({ length: 1025 }, (_, i) => arr(bin(manyId(i)), int(1)))),
    ),
    "at most clockEntriesMax (1024) entries",
  );
  message("want", arr(int(12), int(0), arr(arr(bin(ID_A), int(0), int(3)))), {
    type: "want",
    graft: false,
    ranges: [[HEX_A, 0, 3]],
  });
  message(
    "want: graft, two ranges, trailing elements",
    arr(
      int(12),
      int(1),
      arr(arr(bin(ID_A), int(2), int(3), str("x")), arr(bin(ID_B), u64(7), u64(9))),
      int(0),
    ),
    {
      type: "want",
      graft: true,
      ranges: [[HEX_A, 2, 3], [HEX_B, 7, 9]],
    },
  );
  message("want: no ranges", arr(int(12), int(0), arr()), {
    type: "want",
    graft: false,
    ranges: [],
  });
  bad("want: to = from", arr(int(12), int(0), arr(arr(bin(ID_A), int(3), int(3)))), "to > from");
  bad("want: to < from", arr(int(12), int(0), arr(arr(bin(ID_A), int(4), int(3)))), "to > from");
  bad("want: to = 0", arr(int(12), int(0), arr(arr(bin(ID_A), int(0), int(0)))), "to ≥ 1");
  bad(
    "want: from −1",
    arr(int(12), int(0), arr(arr(bin(ID_A), int(-1), int(3)))),
    "from is a uint",
  );
  bad(
    "want: an author twice",
    arr(int(12), int(0), arr(arr(bin(ID_A), int(0), int(1)), arr(bin(ID_A), int(2), int(3)))),
    "each author at most once",
  );
  bad(
    "want: a range of 2 elements",
    arr(int(12), int(0), arr(arr(bin(ID_A), int(0)))),
    "a missing element",
  );
  bad(
    "want: 1025 ranges",
    arr(
      int(12),
      int(0),
      arrOf(1025, Array.from({ length: 1025 }, (_, i) => arr(bin(manyId(i)), int(0), int(1)))),
    ),
    "at most clockEntriesMax (1024) ranges",
  );
  message("skip", arr(int(13), arr(arr(bin(ID_A), int(5)))), { type: "skip", clock: [[HEX_A, 5]] });
  message("skip: an empty clock, a trailing element", arr(int(13), arr(), str("x")), {
    type: "skip",
    clock: [],
  });
  message(
    "skip: a trailing element in an entry",
    arr(int(13), arr(arr(bin(ID_A), int(5), bin(DIGEST)))),
    { type: "skip", clock: [[HEX_A, 5]] },
  );
  bad("skip: n = 0", arr(int(13), arr(arr(bin(ID_A), int(0)))), "n ≥ 1");
  bad(
    "skip: an id twice",
    arr(int(13), arr(arr(bin(ID_A), int(5)), arr(bin(ID_A), int(6)))),
    "no id twice",
  );
  bad("skip: the clock missing", arr(int(13)), "a missing element");

  // -- direct ---------------------------------------------------------------------
  const DIRECT_ID = fill(0x1d, 16);
  const BOX = arr(bin(fill(0xe0, 32)), bin(fill(0xc1, 16)));
  const directValue = (fields: Record<string, unknown> = {}) => ({
    type: "direct",
    to: HEX_B,
    id: hexOf(DIRECT_ID),
    hops: 8,
    box: hexOf(BOX),
    ...fields,
  });
  message("direct", arr(int(16), bin(ID_B), bin(DIRECT_ID), int(8), bin(BOX)), directValue());
  message(
    "direct: hops 16, a trailing element",
    arr(int(16), bin(ID_B), bin(DIRECT_ID), int(16), bin(BOX), str("x")),
    directValue({ hops: 16 }),
  );
  message(
    "direct: hops 0",
    arr(int(16), bin(ID_B), bin(DIRECT_ID), int(0), bin(BOX)),
    directValue({ hops: 0 }),
  );
  message(
    "direct: a box of 1 byte (carriers do not look inside)",
    arr(int(16), bin(ID_B), bin(DIRECT_ID), int(8), bin([7])),
    directValue({ box: "07" }),
  );
  message(
    "direct: a box of 8192 bytes",
    arr(int(16), bin(ID_B), bin(DIRECT_ID), int(8), bin(fill(7, 8192))),
    directValue({ box: hexOf(fill(7, 8192)) }),
  );
  bad(
    "direct: a box of 8193 bytes",
    arr(int(16), bin(ID_B), bin(DIRECT_ID), int(8), bin(fill(7, 8193))),
    "a box is 1–8192 bytes",
  );
  bad(
    "direct: an empty box",
    arr(int(16), bin(ID_B), bin(DIRECT_ID), int(8), bin([])),
    "a box is 1–8192 bytes",
  );
  bad(
    "direct: hops 17",
    arr(int(16), bin(ID_B), bin(DIRECT_ID), int(17), bin(BOX)),
    "hops is at most 16",
  );
  bad(
    "direct: an id of 15 bytes",
    arr(int(16), bin(ID_B), bin(fill(0x1d, 15)), int(8), bin(BOX)),
    "id is 16 bytes",
  );
  bad(
    "direct: an id of 17 bytes",
    arr(int(16), bin(ID_B), bin(fill(0x1d, 17)), int(8), bin(BOX)),
    "id is 16 bytes",
  );
  bad(
    "direct: to of 31 bytes",
    arr(int(16), bin(fill(0xbb, 31)), bin(DIRECT_ID), int(8), bin(BOX)),
    "a peer id is a bin of 32 bytes",
  );
  bad(
    "direct: the box missing",
    arr(int(16), bin(ID_B), bin(DIRECT_ID), int(8)),
    "a missing element",
  );

  // -- handshake payload ------------------------------------------------------------
  const HELLO = hello();
  const BINDING = fill(0x5b, 64);
  const payloadValue = (fields: Record<string, unknown> = {}) => ({
    hello: helloValue(fields),
    binding: hexOf(BINDING),
  });
  ok("handshake-payload", "[hello, binding]", arr(bin(HELLO), bin(BINDING)), payloadValue());
  ok(
    "handshake-payload",
    "the hello as bin 16, the binding as bin 32",
    arr(bin16(HELLO), bin32(BINDING)),
    payloadValue(),
  );
  ok(
    "handshake-payload",
    "the payload as array 16",
    arr16(bin(HELLO), bin(BINDING)),
    payloadValue(),
  );
  ok(
    "handshake-payload",
    "a payload with a trailing element",
    arr(bin(HELLO), bin(BINDING), str("later")),
    payloadValue(),
  );
  ok(
    "handshake-payload",
    "a hello of 7 elements",
    arr(
      bin(arr(int(1), str("p2pchat"), int(5), bin(ID_A), str(ADDR), str("ann"), int(0))),
      bin(BINDING),
    ),
    payloadValue({ incarnation: 0 }),
  );
  ok(
    "handshake-payload",
    "a hello with a trailing element",
    arr(bin(hello({}, [str("x")])), bin(BINDING)),
    payloadValue(),
  );
  closed(
    "handshake-payload",
    "a byte after the payload's array",
    cat(arr(bin(HELLO), bin(BINDING)), [0]),
    "a payload is exactly one value",
  );
  closed("handshake-payload", "a payload of one element", arr(bin(HELLO)), "a missing element");
  closed(
    "handshake-payload",
    "a binding of 63 bytes",
    arr(bin(HELLO), bin(fill(0x5b, 63))),
    "binding is 64 bytes",
  );
  closed(
    "handshake-payload",
    "the hello as a str",
    arr(strBytes(HELLO.slice(0, 31)), bin(BINDING)),
    "hello is a bin",
  );
  closed(
    "handshake-payload",
    "a byte after the hello, inside its bin",
    arr(bin(cat(HELLO, [0])), bin(BINDING)),
    "the hello is exactly one value",
  );
  closed(
    "handshake-payload",
    "a ping instead of a hello",
    arr(bin(ping5), bin(BINDING)),
    "the payload carries a hello",
  );
  closed(
    "handshake-payload",
    "a hello of version 2",
    arr(bin(hello({ version: int(2) })), bin(BINDING)),
    "another major version",
  );
  closed(
    "handshake-payload",
    "a hello with an invalid addr",
    arr(bin(hello({ addr: str("999.1.1.1:1") })), bin(BINDING)),
    "an invalid addr",
  );
  closed("handshake-payload", "a payload that is a map", EMPTY_MAP, "the payload is an array");

  // -- direct box -------------------------------------------------------------------
  const EPH = fill(0xe0, 32);
  const CIPHERTEXT = fill(0xc1, 16);
  const boxValue = { eph: hexOf(EPH), ciphertext: hexOf(CIPHERTEXT) };
  ok("direct-box", "a box [eph, ciphertext]", arr(bin(EPH), bin(CIPHERTEXT)), boxValue);
  ok("direct-box", "a box in its widest forms", arr32(bin32(EPH), bin16(CIPHERTEXT)), boxValue);
  refused(
    "direct-box",
    "a trailing element (a box has exactly 2)",
    arr(bin(EPH), bin(CIPHERTEXT), str("x")),
    "the box is exactly [eph, ciphertext]: not extensible",
  );
  refused(
    "direct-box",
    "a box of one element",
    arr(bin(EPH)),
    "the box is exactly [eph, ciphertext]",
  );
  refused(
    "direct-box",
    "eph of 31 bytes",
    arr(bin(fill(0xe0, 31)), bin(CIPHERTEXT)),
    "eph is 32 bytes",
  );
  refused(
    "direct-box",
    "ciphertext of 15 bytes (shorter than the tag)",
    arr(bin(EPH), bin(fill(0xc1, 15))),
    "the ciphertext holds at least the 16-byte tag",
  );
  refused(
    "direct-box",
    "a byte after the box's array",
    cat(arr(bin(EPH), bin(CIPHERTEXT)), [0]),
    "a box is exactly one value",
  );
  refused(
    "direct-box",
    "eph as a str",
    arr(strBytes(fill(0x61, 32)), bin(CIPHERTEXT)),
    "eph is a bin",
  );

  // -- direct-open: whole boxes, opened with the recipient's key ---------------------
  const recipient = await identityFromSeed(DIRECT_SEEDS.recipient);
  const sender = await identityFromSeed(DIRECT_SEEDS.sender);
  const other = await identityFromSeed(DIRECT_SEEDS.other);
  let ephCounter = 0;
  interface PlainOptions {
    nick?: string;
    text?: string;
    ts?: number;
    fields?: Partial<Record<"from" | "nick" | "text" | "ts" | "signature", Bytes>>;
    header?: (items: Bytes[]) => Bytes;
    extra?: Bytes[];
    withoutSignature?: boolean;
    signer?: typeof sender;
    to?: typeof recipient;
  }
  /** A box from `sender` (unless told otherwise), its signature made as § 16 direct says. */
  const box = (o: PlainOptions = {}) => {
    const to = o.to ?? recipient;
    ephCounter++;
    return sealBox(to.publicKey, fill(ephCounter, 32), async (ephPublic) => {
      const from = [...sender.publicKey];
      const nick = o.nick ?? "ann";
      const text = o.text ?? "psst";
      const ts = o.ts ?? TS;
      const body = arr(bin(from), str(nick), str(text), int(ts));
      const signed = cat(utf8("p2pchat-direct:"), [...recipient.publicKey], ephPublic, body);
      const signature = [...await signWithIdentity(o.signer ?? sender, new Uint8Array(signed))];
      const items = [
        o.fields?.from ?? bin(from),
        o.fields?.nick ?? str(nick),
        o.fields?.text ?? str(text),
        o.fields?.ts ?? int(ts),
        ...(o.withoutSignature === true ? [] : [o.fields?.signature ?? bin(signature)]),
        ...(o.extra ?? []),
      ];
      return (o.header ?? ((items: Bytes[]) => arrOf(items.length, items)))(items);
    });
  };
  const opened = (fields: Record<string, unknown> = {}) => ({
    from: sender.id,
    nick: "ann",
    text: "psst",
    ts: TS,
    ...fields,
  });
  const openOk = async (name: string, o: PlainOptions, value: unknown) =>
    ok("direct-open", name, await box(o), value);
  const openRefused = async (name: string, o: PlainOptions, why: string) =>
    refused("direct-open", name, await box(o), why);
  await openOk("a direct message", {}, opened());
  await openOk("every plaintext field in its widest form", {
    header: (items) => arr32(...items),
    fields: {
      from: bin32([...sender.publicKey]),
      nick: str32("ann"),
      text: str16("psst"),
      ts: u64(TS),
    },
  }, opened());
  await openOk("an empty text", { text: "" }, opened({ text: "" }));
  await openOk("ts negative", { ts: -1 }, opened({ ts: -1 }));
  await openOk(
    "a text of 4096 bytes",
    { text: "t".repeat(4096) },
    opened({ text: "t".repeat(4096) }),
  );
  await openRefused(
    "a text of 4097 bytes",
    { text: "t".repeat(4097) },
    "a text is at most textBytesMax (4096) bytes",
  );
  await openOk(
    "a text of 1024 emoji (4096 UTF-8 bytes)",
    { text: "😀".repeat(1024) },
    opened({ text: "😀".repeat(1024) }),
  );
  await openRefused("a text of 1025 emoji (4100 UTF-8 bytes; a chat would take it)", {
    text: "😀".repeat(1025),
  }, "a plaintext counts exact UTF-8 bytes");
  await openOk("a nick of 32 bytes", { nick: "n".repeat(32) }, opened({ nick: "n".repeat(32) }));
  await openRefused(
    "a nick of 33 bytes",
    { nick: "n".repeat(33) },
    "a nick is at most nickBytesMax (32) bytes",
  );
  await openRefused("a nick of 16 emoji (64 UTF-8 bytes; a hello would take it)", {
    nick: "😀".repeat(16),
  }, "a plaintext counts exact UTF-8 bytes");
  await openRefused("an empty nick", { nick: "" }, "a nick has at least 1 byte");
  await openRefused("a nick with a newline", { nick: "a\nb" }, "no control characters");
  await openRefused(
    "a plaintext of 6 elements",
    { extra: [str("later")] },
    "the plaintext is exactly 5 elements: not extensible",
  );
  await openRefused(
    "a plaintext of 4 elements (no signature)",
    { withoutSignature: true },
    "the plaintext is exactly 5 elements",
  );
  await openRefused("a byte after the plaintext's array", {
    header: (items) => cat(arrOf(items.length, items), [0]),
  }, "the plaintext is exactly one value");
  await openRefused(
    "from of 31 bytes",
    { fields: { from: bin([...sender.publicKey].slice(1)) } },
    "from is 32 bytes",
  );
  await openRefused(
    "a signature of 63 bytes",
    { fields: { signature: bin(fill(0x5a, 63)) } },
    "the signature is 64 bytes",
  );
  await openRefused("ts as a float", { fields: { ts: F64_5 } }, "ts is an int");
  await openRefused("the nick as a bin", { fields: { nick: bin(utf8("ann")) } }, "nick is a str");
  await openRefused(
    "a text of invalid UTF-8",
    { fields: { text: strBytes([0x70, 0xff]) } },
    "a str is valid UTF-8",
  );
  await openRefused(
    "ts as a map",
    { fields: { ts: EMPTY_MAP } },
    "maps are not allowed",
  );
  await openRefused(
    "signed by another identity than from",
    { signer: other },
    "the signature verifies with from's key",
  );
  await openRefused(
    "signed over another ts",
    { fields: { ts: int(TS + 1) } },
    "the signature covers the body re-encoded from the decoded fields",
  );
  await openRefused(
    "sealed to another recipient",
    { to: other },
    "it does not decrypt under the recipient's key",
  );
  const tampered = await box();
  tampered[tampered.length - 1]! ^= 1;
  refused("direct-open", "a ciphertext with one bit flipped", tampered, "it does not authenticate");
  refused(
    "direct-open",
    "an eph of small order (zero)",
    arr(bin(fill(0, 32)), bin(fill(0xc1, 32))),
    "an eph of small order is refused",
  );
  const oversized = arr(bin(fill(0xe0, 32)), bin(fill(0xc1, 8193 - 38)));
  if (oversized.length !== 8193) throw new Error(`oversized box is ${oversized.length} bytes`);
  refused(
    "direct-open",
    "a box of 8193 bytes",
    oversized,
    "a box is at most 8192 bytes, checked before any cryptography",
  );

  // -- chat-signature: plain and batch signatures, checked with the author's key ------
  const author = await identityFromSeed(CHAT_AUTHOR_SEED);
  const authorId = [...author.publicKey];
  const body = (seq: number, text: string) => chatBody(authorId, seq, text);
  const signedChat = (seq: number, text: string, signature: Bytes) =>
    arr(int(8), bin(body(seq, text)), bin(signature), int(0), str(text));
  const signed = async (domain: string, data: Bytes, by = author) => [
    ...await signWithIdentity(by, new Uint8Array(cat(utf8(domain), CHAT_ROOM_TAG, data))),
  ];
  const authentic = (seq: number) => ({ author: author.id, seq });
  const verified = (name: string, bytes: Bytes, seq: number) =>
    ok("chat-signature", name, bytes, authentic(seq));
  const forged = (name: string, bytes: Bytes, why: string) =>
    refused("chat-signature", name, bytes, why);
  const plain = await signed("p2pchat-room-chat:", body(1, "one"));
  verified("a plain signature", signedChat(1, "one", plain), 1);
  forged(
    "a plain signature over another body",
    signedChat(2, "two", plain),
    "the signature covers the body",
  );
  const texts = CHAT_BATCH_TEXTS;
  const tree3 = batchTree(texts.map((t, i) => body(i + 1, t)));
  const rootSignature = await signed("p2pchat-room-chat-batch:", tree3.root);
  const batchSignature = (index: number, count: number, path: Bytes[], sig = rootSignature) => [
    ...sig,
    index >> 8,
    index & 0xff,
    count >> 8,
    count & 0xff,
    ...path.flat(),
  ];
  texts.forEach((text, i) =>
    verified(
      `a batch of 3, leaf ${i}`,
      signedChat(i + 1, text, batchSignature(i, 3, tree3.paths[i]!)),
      i + 1,
    )
  );
  const pair = batchTree(["one", "two"].map((t, i) => body(i + 1, t)));
  const pairSignature = await signed("p2pchat-room-chat-batch:", pair.root);
  verified(
    "a batch of 2, leaf 1",
    signedChat(2, "two", batchSignature(1, 2, pair.paths[1]!, pairSignature)),
    2,
  );
  const flipped = tree3.paths[0]!.map((node, i) =>
    i === 1 ? [node[0]! ^ 1, ...node.slice(1)] : node
  );
  forged(
    "a batch of 3, leaf 0 with a path node altered",
    signedChat(1, "one", batchSignature(0, 3, flipped)),
    "the path leads to the signed root",
  );
  forged(
    "a batch of 3, leaf 1's signature on leaf 0's body",
    signedChat(1, "one", batchSignature(1, 3, tree3.paths[1]!)),
    "the path leads to the signed root",
  );
  // The signed root binds the bodies; index and count only steer the walk up the path.
  verified(
    "a batch of 3, leaf 2 walked as leaf 1 of 2 (its path is the same)",
    signedChat(3, "three", batchSignature(1, 2, tree3.paths[2]!)),
    3,
  );
  forged(
    "a batch root signed with the plain chat domain",
    signedChat(
      1,
      "one",
      batchSignature(0, 3, tree3.paths[0]!, await signed("p2pchat-room-chat:", tree3.root)),
    ),
    "a root is signed under p2pchat-room-chat-batch:",
  );
  forged(
    "a batch root signed by another key",
    signedChat(
      1,
      "one",
      batchSignature(
        0,
        3,
        tree3.paths[0]!,
        await signed(
          "p2pchat-room-chat-batch:",
          tree3.root,
          await identityFromSeed(DIRECT_SEEDS.other),
        ),
      ),
    ),
    "the author's key signs the root",
  );

  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`Duplicate case name: ${c.name}`);
    names.add(c.name);
  }
  return cases;
}

/** The whole file: a header, then the cases. */
export async function vectorsFile(): Promise<string> {
  const chatAuthor = await identityFromSeed(CHAT_AUTHOR_SEED);
  const file = {
    description:
      "p2pchat wire protocol conformance vectors (PROTOCOL.md § Conformance vectors). Generated by scripts/protocol_vectors.ts; do not edit by hand.",
    protocol_version: 5,
    limits: {
      frameBytesMax: 65535,
      textBytesMax: 4096,
      nickBytesMax: 32,
      addrBytesMax: 336,
      clockEntriesMax: 1024,
      peersPerMessageMax: 256,
      reasonBytesMax: 256,
    },
    verdicts: {
      accepted: "decoded and handled; value is the decoded value",
      refused: "dropped; the connection stays",
      closed: "a protocol error: the connection closes",
    },
    kinds: KINDS,
    value_forms: VALUE_FORMS,
    chat_keys: {
      note:
        "The author (its Ed25519 seed and id) and the room tag of the chat-signature cases; batch_root is the root of their batch of 3 (texts one, two, three; seq 1 to 3).",
      author_seed: hexOf(CHAT_AUTHOR_SEED),
      author: (await identityFromSeed(CHAT_AUTHOR_SEED)).id,
      room_tag: hexOf(CHAT_ROOM_TAG),
      batch_root: hexOf(
        batchTree(
          CHAT_BATCH_TEXTS.map((text, i) => chatBody([...chatAuthor.publicKey], i + 1, text)),
        ).root,
      ),
    },
    direct_keys: {
      note:
        "Ed25519 seeds (RFC 8032 private keys) and ids of the direct-open cases: every box is sealed to recipient, from sender.",
      recipient_seed: hexOf(DIRECT_SEEDS.recipient),
      recipient: (await identityFromSeed(DIRECT_SEEDS.recipient)).id,
      sender_seed: hexOf(DIRECT_SEEDS.sender),
      sender: (await identityFromSeed(DIRECT_SEEDS.sender)).id,
    },
  };
  // One case a line: the file diffs case by case and stays readable.
  const header = JSON.stringify(file, null, 1).replace(/\n}$/, "");
  const cases = (await buildVectors()).map((c) => JSON.stringify(c));
  return `${header},\n "cases": [\n${cases.join(",\n")}\n ]\n}\n`;
}

if (import.meta.main) {
  const text = await vectorsFile();
  await Deno.mkdir("tests/fixtures/protocol", { recursive: true });
  await Deno.writeTextFile(VECTORS_PATH, text);
  console.log(`Wrote ${VECTORS_PATH} (${text.length} bytes)`);
}
