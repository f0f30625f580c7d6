import assert from "node:assert/strict";
import { Decoder, Encoder } from "@msgpack/msgpack";
import fc from "fast-check";
import { bytesToHex } from "../../lib/wire/hex.ts";
import type {
  AnyMessage,
  ChatMessage,
  Hello,
  MemberInfo,
  MemberStatus,
  PeerId,
} from "../../lib/wire/message.ts";
import { isPeerId } from "../../lib/wire/fields.ts";
import { textHash } from "../../lib/wire/chat_text.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { encodeChatBody, encodeMessage } from "../../lib/wire/message_encode.ts";
import { MESSAGE_TYPE_CODES, PROTOCOL_MAGIC } from "../../lib/wire/message_layout.ts";
import { ARRAY_DEPTH_MAX } from "../../lib/wire/msgpack_reader.ts";
import { ProtocolError } from "../../lib/wire/protocol_error.ts";
import {
  DEFAULT_WIRE_LIMITS,
  MESSAGE_OVERHEAD_BYTES,
  type WireLimits,
} from "../../lib/wire/wire_limits.ts";

// ---------------------------------------------------------------------------
// Helpers

/** Encodes hand-made (possibly invalid) layouts; bigints become (u)int64. */
const rawEncoder = new Encoder({ useBigInt64: true });
const raw = (value: unknown): Uint8Array => rawEncoder.encode(wideIntsToBigInt(value));

/** With `useBigInt64` the encoder writes numbers beyond 32 bits as floats; bigints as (u)int64. */
function wideIntsToBigInt(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(wideIntsToBigInt);
  if (
    Number.isSafeInteger(value) && ((value as number) >= 2 ** 32 || (value as number) < -(2 ** 31))
  ) {
    return BigInt(value as number);
  }
  return value;
}

const ID_A_BYTES = new Uint8Array(32).fill(0xab);
const ID_B_BYTES = new Uint8Array(32).fill(0xcd);
const ID_A = bytesToHex(ID_A_BYTES);
const ID_B = bytesToHex(ID_B_BYTES);
const ADDR = "127.0.0.1:7000";

const rawHello = (): unknown[] => [1, "p2pchat", 5, ID_A_BYTES, ADDR, "ann", 0, 0];
const rawEntry = (): unknown[] => [ID_A_BYTES, ADDR, 3, 1];
const rawBody = (text = "hi"): unknown[] => [
  ID_A_BYTES,
  2,
  [[ID_A_BYTES, 2], [ID_B_BYTES, 5]],
  "ann",
  textHash(text),
  1_700_000_000_000,
];
const rawChat = (
  body: unknown[] = rawBody(),
  signature: unknown = new Uint8Array(64),
  text: unknown = "hi",
) => [8, raw(body), signature, 0, text];

function chatMessage(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    author: ID_A,
    seq: 2,
    clock: new Map([[ID_A, 2], [ID_B, 5]]),
    nick: "ann",
    text: "hi",
    ts: 1_700_000_000_000,
    signature: new Uint8Array(64).fill(7),
    ...overrides,
  };
}

function assertProtocolError(run: () => unknown, message: RegExp | string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ProtocolError, `expected a ProtocolError, got ${error}`);
    if (typeof message === "string") assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

/** Compare decoded messages, ignoring the chat `body` the decoder adds. */
function withoutBody(message: AnyMessage): unknown {
  if (message.type !== "chat") return structuredClone(message);
  const { body: _body, textHash: _textHash, ...rest } = message.message;
  return structuredClone({ type: "chat", message: rest });
}

// ---------------------------------------------------------------------------
// Arbitraries

const peerIdArb: fc.Arbitrary<PeerId> = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(
  bytesToHex,
);
const addrArb = fc.oneof(
  fc.ipV4(),
  fc.domain().filter((domain) => domain.length <= 253),
  fc.ipV6().map((ip) => `[${ip}]`),
).chain((host) => fc.integer({ min: 1, max: 65535 }).map((port) => `${host}:${port}`));
const nickArb = fc.string({
  unit: fc.constantFrom("a", "Z", "0", " ", "é", "中", "👋", "-", "_"),
  minLength: 1,
  maxLength: 8,
});
const textArb = fc.string({ unit: "binary", maxLength: 300 }).filter((text) => text.isWellFormed());
const uintArb = fc.maxSafeNat();
const statusArb = fc.constantFrom<MemberStatus>("alive", "suspect", "dead");
const memberArb: fc.Arbitrary<MemberInfo> = fc.record({
  id: peerIdArb,
  addr: addrArb,
  incarnation: uintArb,
  status: statusArb,
});
const clockArb = fc.uniqueArray(fc.tuple(peerIdArb, fc.integer({ min: 1, max: 2 ** 40 })), {
  maxLength: 12,
  selector: ([id]) => id,
}).map((entries) => new Map(entries));
const chatArb: fc.Arbitrary<ChatMessage> = fc.record({
  author: peerIdArb,
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  others: fc.uniqueArray(fc.tuple(peerIdArb, fc.integer({ min: 1, max: 2 ** 40 })), {
    maxLength: 20,
    selector: ([id]) => id,
  }),
  nick: nickArb,
  text: textArb,
  ts: fc.maxSafeInteger(),
  signature: fc.oneof(
    fc.constant(new Uint8Array(0)),
    fc.uint8Array({ minLength: 64, maxLength: 64 }),
  ),
}).map(({ author, seq, others, ...rest }) => ({
  author,
  seq,
  clock: new Map([...others.filter(([id]) => id !== author), [author, seq]]),
  ...rest,
}));

const messageArb: fc.Arbitrary<AnyMessage> = fc.oneof(
  fc.record({
    type: fc.constant("hello" as const),
    version: fc.constant(5),
    id: peerIdArb,
    addr: addrArb,
    nick: nickArb,
    role: fc.constantFrom("peer" as const, "bootstrap" as const),
    incarnation: fc.nat(),
  }),
  fc.constant({ type: "register" as const }),
  fc.constant({ type: "get-peers" as const }),
  fc.record({ type: fc.constant("get-peers" as const), all: fc.boolean() }),
  fc.record({
    type: fc.constant("peers" as const),
    peers: fc.uniqueArray(memberArb, { maxLength: 20, selector: (member) => member.id }),
  }),
  fc.record({ type: fc.constant("member" as const), member: memberArb }),
  fc.record({
    type: fc.constantFrom("ping" as const, "pong" as const),
    nonce: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  }),
  fc.record({ type: fc.constant("chat" as const), message: chatArb }),
  fc.record({ type: fc.constant("bye" as const), reason: textArb.filter((r) => r.length < 80) }),
  fc.record({
    type: fc.constant("prune" as const),
    authors: fc.array(peerIdArb, { maxLength: 5 }),
  }),
  fc.record({ type: fc.constant("have" as const), full: fc.boolean(), clock: clockArb }),
  fc.record({ type: fc.constant("skip" as const), clock: clockArb }),
  fc.record({
    type: fc.constant("want" as const),
    graft: fc.boolean(),
    ranges: fc.uniqueArray(
      fc.record({ author: peerIdArb, from: fc.nat(1000), span: fc.integer({ min: 1, max: 1000 }) })
        .map(({ author, from, span }) => ({ author, from, to: from + span })),
      { maxLength: 10, selector: (r) => r.author },
    ),
  }),
  fc.record({
    type: fc.constantFrom("probe" as const, "probe-ack" as const),
    target: peerIdArb,
    nonce: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  }),
);

// ---------------------------------------------------------------------------
// Round trips

const EXAMPLES: readonly AnyMessage[] = [
  { type: "hello", version: 5, id: ID_A, addr: ADDR, nick: "ann", role: "peer", incarnation: 0 },
  {
    type: "hello",
    version: 5,
    id: ID_B,
    addr: "[::1]:9",
    nick: "bö 👋",
    role: "bootstrap",
    incarnation: 7,
  },
  {
    type: "hello",
    version: 5,
    id: ID_A,
    addr: ADDR,
    nick: "ann",
    role: "peer",
    incarnation: 3,
    seen: "[2001:db8::7]:40000",
  },
  { type: "register" },
  { type: "get-peers" },
  { type: "get-peers", all: true },
  { type: "peers", peers: [], total: 12 },
  { type: "peers", peers: [] },
  {
    type: "peers",
    peers: [
      { id: ID_A, addr: ADDR, incarnation: 0, status: "alive" },
      { id: ID_B, addr: "example.org:65535", incarnation: 2 ** 53 - 1, status: "dead" },
    ],
  },
  { type: "member", member: { id: ID_B, addr: "h:1", incarnation: 7, status: "suspect" } },
  { type: "ping", nonce: 0 },
  { type: "pong", nonce: 2 ** 32 - 1 },
  { type: "chat", message: chatMessage() },
  { type: "chat", message: chatMessage({ signature: new Uint8Array(0), text: "", ts: -1 }) },
  { type: "bye", reason: "" },
  { type: "bye", reason: "shutting down" },
  { type: "prune", authors: [ID_A] },
  { type: "chat", message: chatMessage(), repair: true },
  { type: "have", full: true, clock: new Map() },
  { type: "have", full: false, clock: new Map([[ID_A, 3], [ID_B, 1]]) },
  {
    type: "have",
    full: false,
    clock: new Map([[ID_A, 3], [ID_B, 1]]),
    digests: new Map([[ID_B, new Uint8Array(16).fill(7)]]),
  },
  { type: "skip", clock: new Map([[ID_B, 40]]) },
  { type: "want", graft: true, ranges: [{ author: ID_A, from: 0, to: 5 }] },
  { type: "want", graft: false, ranges: [] },
  { type: "probe", target: ID_B, nonce: 17 },
  { type: "direct", to: ID_A, id: "0f".repeat(16), hops: 8, box: new Uint8Array([1, 2, 3]) },
  { type: "probe-ack", target: ID_B, nonce: 17 },
];

Deno.test("decodeMessage() rejects empty, duplicate and unknown-flag want ranges", () => {
  const bad = [
    raw([12, 1, [[ID_A_BYTES, 5, 5]]]),
    raw([12, 1, [[ID_A_BYTES, 1, 2], [ID_A_BYTES, 3, 4]]]),
    raw([12, 2, []]),
    raw([11, 0, [[ID_A_BYTES, 0]]]),
  ];
  for (const bytes of bad) assert.throws(() => decodeMessage(bytes), ProtocolError);
});

for (const example of EXAMPLES) {
  Deno.test(`decodeMessage() round-trips ${example.type} from encodeMessage()`, () => {
    const decoded = decodeMessage(encodeMessage(example));
    assert.deepEqual(withoutBody(decoded), withoutBody(example));
  });
}

Deno.test("decodeMessage() round-trips every message type from encodeMessage() (property)", () => {
  fc.assert(
    fc.property(messageArb, (message) => {
      assert.deepEqual(withoutBody(decodeMessage(encodeMessage(message))), withoutBody(message));
    }),
  );
});

Deno.test("encodeMessage() uses the documented layouts", () => {
  assert.deepEqual([...encodeMessage({ type: "register" })], [0x91, 2]);
  assert.deepEqual([...encodeMessage({ type: "get-peers" })], [0x91, 3]);
  assert.deepEqual([...encodeMessage({ type: "ping", nonce: 5 })], [0x92, 6, 5]);
  assert.deepEqual([...encodeMessage({ type: "pong", nonce: 300 })], [0x92, 7, 0xcd, 1, 44]);
  assert.deepEqual([...encodeMessage({ type: "bye", reason: "ok" })], [0x92, 9, 0xa2, 0x6f, 0x6b]);
  assert.deepEqual(encodeMessage(EXAMPLES[0]!), raw(rawHello()));
  assert.deepEqual(
    encodeMessage({
      type: "member",
      member: { id: ID_A, addr: ADDR, incarnation: 3, status: "suspect" },
    }),
    raw([5, ...rawEntry()]),
  );
  assert.deepEqual(
    encodeMessage({ type: "chat", message: chatMessage({ signature: new Uint8Array(64) }) }),
    raw(rawChat()),
  );
  assert.equal(MESSAGE_TYPE_CODES.bye, 9);
  assert.equal(PROTOCOL_MAGIC, "p2pchat");
});

Deno.test("decodeMessage() gives a chat a body copy that owns its bytes", () => {
  const bytes = encodeMessage({ type: "chat", message: chatMessage() });
  const decoded = decodeMessage(bytes);
  assert.equal(decoded.type, "chat");
  if (decoded.type !== "chat") return;
  const { body, signature } = decoded.message;
  assert.ok(body !== undefined);
  assert.notEqual(body.buffer, bytes.buffer);
  assert.equal(body.byteOffset, 0);
  assert.equal(body.buffer.byteLength, body.length);
  assert.notEqual(signature.buffer, bytes.buffer);
  const before = body.slice();
  bytes.fill(0);
  assert.deepEqual(body, before);
  assert.deepEqual(signature, new Uint8Array(64).fill(7));
});

Deno.test("encodeMessage() reuses a chat's body bytes verbatim", () => {
  // A body from a newer minor version, with a trailing field this node ignores.
  const body = raw([...rawBody(), [1, 1, "future field"], "future field"]);
  const bytes = raw([8, body, new Uint8Array(64), 0, "hi"]);
  const decoded = decodeMessage(bytes);
  assert.ok(decoded.type === "chat");
  assert.deepEqual(decoded.message.body, body);
  assert.deepEqual(encodeMessage(decoded), bytes);
  // Even when the fields say otherwise: the body is what the author signed.
  const altered = { type: "chat" as const, message: { ...decoded.message, nick: "forged" } };
  assert.deepEqual(encodeMessage(altered), bytes);
});

Deno.test("encodeChatBody() encodes equal fields to equal bytes whatever the clock order", () => {
  const fields = chatMessage();
  const reversed = { ...fields, clock: new Map([...fields.clock].reverse()) };
  assert.deepEqual(encodeChatBody(fields), encodeChatBody(reversed));
  assert.deepEqual(encodeChatBody(fields), raw(rawBody()));
});

Deno.test("encodeMessage() encodes a chat without body from its fields", () => {
  const message = chatMessage();
  const bytes = encodeMessage({ type: "chat", message });
  assert.deepEqual(bytes, raw([8, encodeChatBody(message), message.signature, 0, "hi"]));
});

// ---------------------------------------------------------------------------
// Version rules

const TRAILING: readonly [string, unknown[]][] = [
  ["hello", [...rawHello(), "extra", [1, 2]]],
  ["register", [2, 1]],
  ["get-peers", [3, 0, "x"]],
  ["peers", [4, [[ID_A_BYTES, ADDR, 3, 0, new Uint8Array(64), "extra"]], 99]],
  ["member", [5, ID_A_BYTES, ADDR, 3, 2, new Uint8Array(64), new Uint8Array(3)]],
  ["ping", [6, 1, 2]],
  ["pong", [7, 1, [[]]]],
  ["chat", [...rawChat([...rawBody(), [1, 1], "x"]), "extra"]],
  ["bye", [9, "r", 1]],
];

for (const [type, layout] of TRAILING) {
  Deno.test(`decodeMessage() ignores trailing extra elements of ${type}`, () => {
    assert.equal(decodeMessage(raw(layout)).type, type);
  });
}

Deno.test("decodeMessage() ignores trailing extra elements of clock entries", () => {
  const body = rawBody();
  body[2] = [[ID_A_BYTES, 2, "extra"], [ID_B_BYTES, 5]];
  assert.equal(decodeMessage(raw(rawChat(body))).type, "chat");
});

Deno.test("decodeMessage() reads a have entry's third element as a version digest only when it is 16 bytes", () => {
  const digest = new Uint8Array(16).fill(9);
  const have = decodeMessage(raw([11, 0, [[ID_A_BYTES, 2, digest], [ID_B_BYTES, 5, "x"]]]));
  assert.equal(have.type, "have");
  assert.deepEqual(have.type === "have" && [...(have.digests ?? [])], [[ID_A, digest]]);
  const other = decodeMessage(raw([11, 0, [[ID_A_BYTES, 2, new Uint8Array(8)]]]));
  assert.equal(other.type === "have" && other.digests, undefined, "another length is ignored");
  // A clock entry of a chat never carries a digest: its third element stays ignored.
  const body = rawBody();
  body[2] = [[ID_A_BYTES, 2, digest], [ID_B_BYTES, 5]];
  assert.equal(decodeMessage(raw(rawChat(body))).type, "chat");
  assert.throws(
    () =>
      encodeMessage({
        type: "have",
        full: false,
        clock: new Map([[ID_A, 1]]),
        digests: new Map([[ID_A, new Uint8Array(3)]]),
      }),
    RangeError,
  );
});

// ---------------------------------------------------------------------------
// Validation: each case breaks exactly one rule

const SMALL: WireLimits = { ...DEFAULT_WIRE_LIMITS, clockEntriesMax: 2, peersPerMessageMax: 2 };
const big = (n: bigint) => n; // marks (u)int64 values in the tables below

interface Violation {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly message: RegExp | string;
  readonly limits?: WireLimits;
}

function hello(index: number, value: unknown): Uint8Array {
  return raw(rawHello().with(index, value));
}
function entry(index: number, value: unknown): Uint8Array {
  return raw([4, [rawEntry(), rawEntry().with(0, ID_B_BYTES).with(index, value)]]);
}
function body(index: number, value: unknown): Uint8Array {
  return raw(rawChat(rawBody().with(index, value)));
}
function clock(entries: unknown[]): Uint8Array {
  return body(2, entries);
}

const VIOLATIONS: readonly Violation[] = [
  // Any message
  {
    name: "a payload that would not fit a frame once encrypted",
    bytes: new Uint8Array(65516),
    message: /65516 bytes, limit 65515 \(frame minus encryption overhead\)/,
  },
  { name: "a non-array message", bytes: raw(6), message: /expected a non-empty array, got 6/ },
  { name: "an empty array", bytes: raw([]), message: /expected a non-empty array, got array of 0/ },
  {
    name: "an unknown type code",
    bytes: raw([17]),
    message: "Cannot decode message: unknown type code 17",
  },
  {
    name: "a type code that is a str",
    bytes: raw(["ping", 1]),
    message: /unknown type code str 'ping'/,
  },
  { name: "a map", bytes: raw([6, new Map([[1, 2]])]), message: /map at byte 2 is not allowed/ },
  { name: "an empty map", bytes: raw([6, {}]), message: /map at byte 2 is not allowed/ },
  {
    name: "an extension value",
    bytes: raw([6, new Date(0)]),
    message: /extension at byte 2 is not allowed/,
  },
  { name: "a float", bytes: raw([6, 1.5]), message: /float at byte 2 is not allowed/ },
  {
    name: "a float with an integral value",
    bytes: new Uint8Array([0x92, 6, 0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),
    message: /float/,
  },
  { name: "a nil", bytes: raw([9, null]), message: /nil at byte 2 is not allowed/ },
  { name: "a boolean", bytes: raw([9, true]), message: /boolean at byte 2 is not allowed/ },
  {
    name: "the reserved byte 0xc1",
    bytes: new Uint8Array([0x92, 6, 0xc1]),
    message: /reserved byte 0xc1/,
  },
  {
    name: "a str that is not UTF-8",
    bytes: new Uint8Array([0x92, 9, 0xa2, 0xc3, 0x28]),
    message: /str at byte 2 is not valid UTF-8/,
  },
  {
    name: "a str with an encoded surrogate",
    bytes: new Uint8Array([0x92, 9, 0xa3, 0xed, 0xa0, 0x80]),
    message: /not valid UTF-8/,
  },
  {
    name: "a str with an overlong encoding",
    bytes: new Uint8Array([0x92, 9, 0xa2, 0xc0, 0x80]),
    message: /not valid UTF-8/,
  },
  {
    name: "bytes after the message",
    bytes: new Uint8Array([0x91, 2, 0]),
    message: /1 extra bytes after the MessagePack value/,
  },
  {
    name: "a truncated message",
    bytes: new Uint8Array([0x92, 6, 0xcd, 1]),
    message: /truncated at byte 2/,
  },
  {
    name: "a truncated str",
    bytes: new Uint8Array([0x92, 9, 0xa5, 0x61]),
    message: /truncated in the str/,
  },
  {
    name: "a truncated uint32",
    bytes: new Uint8Array([0x92, 6, 0xce, 0, 0]),
    message: /truncated/,
  },
  {
    name: "an array claiming more elements than bytes follow",
    bytes: new Uint8Array([0x92, 6, 0xdd, 0, 1, 0, 0, 1]),
    message: /array at byte 2 has 65536 elements but only 1 bytes follow/,
  },
  {
    name: "arrays nested too deep",
    bytes: raw([9, Array.from({ length: ARRAY_DEPTH_MAX }).reduce<unknown>((inner) => [inner], 1)]),
    message: `Cannot decode message: arrays nest deeper than ${ARRAY_DEPTH_MAX}`,
  },
  // hello
  {
    name: "a hello with too few elements",
    bytes: raw(rawHello().slice(0, 6)),
    message: "Cannot decode hello: expected at least 7 elements, got 6",
  },
  {
    name: "a hello with the wrong magic",
    bytes: hello(1, "p2pchaT"),
    message: "Cannot decode hello: magic must be 'p2pchat', got str 'p2pchaT'",
  },
  {
    name: "a hello with a bin magic",
    bytes: hello(1, new TextEncoder().encode("p2pchat")),
    message: /magic must be 'p2pchat', got bin of 7 bytes/,
  },
  {
    name: "a hello of another major version",
    bytes: hello(2, 1),
    message: "Cannot decode hello: version 1 is not supported, this node speaks version 5",
  },
  {
    name: "a hello with a negative version",
    bytes: hello(2, -1),
    message: /version must be an unsigned safe integer, got -1/,
  },
  {
    name: "a hello with a 31-byte id",
    bytes: hello(3, new Uint8Array(31)),
    message: "Cannot decode hello: id must be a bin of 32 bytes, got bin of 31 bytes",
  },
  {
    name: "a hello with a str id",
    bytes: hello(3, ID_A),
    message: /id must be a bin of 32 bytes, got str/,
  },
  {
    name: "a hello with an address without port",
    bytes: hello(4, "127.0.0.1"),
    message: "Cannot decode hello: addr '127.0.0.1' is invalid: expected HOST:PORT",
  },
  {
    name: "a hello with port 0",
    bytes: hello(4, "h:0"),
    message: /addr 'h:0' is invalid: port '0' is not a number from 1 to 65535/,
  },
  { name: "a hello with port 65536", bytes: hello(4, "h:65536"), message: /port '65536'/ },
  {
    name: "a hello with an address over addrBytesMax",
    bytes: hello(4, `${"a.".repeat(170)}a:1`),
    message: /addr is 343 bytes, limit 336/,
  },
  {
    name: "a hello with an empty nick",
    bytes: hello(5, ""),
    message: "Cannot decode hello: nick is empty",
  },
  {
    name: "a hello with a nick over nickBytesMax",
    bytes: hello(5, "é".repeat(17)),
    message: "Cannot decode hello: nick is 34 bytes, limit 32",
  },
  {
    name: "a hello with a control character in the nick",
    bytes: hello(5, "a\u001b[31m"),
    message: "Cannot decode hello: nick 'a\\u001b[31m' contains a control character",
  },
  {
    name: "a hello with a C1 control character in the nick",
    bytes: hello(5, "a\u0085"),
    message: /contains a control character/,
  },
  {
    name: "a hello with role 2",
    bytes: hello(6, 2),
    message: "Cannot decode hello: role must be 0 (peer) or 1 (bootstrap), got 2",
  },
  // peers
  {
    name: "a peers without its list",
    bytes: raw([4]),
    message: "Cannot decode peers: expected at least 2 elements, got 1",
  },
  {
    name: "a peers list that is not an array",
    bytes: raw([4, ID_A_BYTES]),
    message: /peers must be an array, got bin of 32 bytes/,
  },
  {
    name: "a peers list over peersPerMessageMax",
    bytes: raw([4, [
      rawEntry(),
      rawEntry().with(0, ID_B_BYTES),
      rawEntry().with(0, new Uint8Array(32)),
    ]]),
    limits: SMALL,
    message: "Cannot decode peers: list has 3 peers, limit 2",
  },
  {
    name: "a peers list with a duplicate id",
    bytes: raw([4, [rawEntry(), rawEntry()]]),
    message: `Cannot decode peers: list has id ${ID_A} twice`,
  },
  {
    name: "a peers entry that is not an array",
    bytes: raw([4, [7]]),
    message: /peers\[0\] must be an array, got 7/,
  },
  {
    name: "a peers entry with too few elements",
    bytes: raw([4, [rawEntry().slice(0, 3)]]),
    message: /expected at least 4 elements, got 3/,
  },
  {
    name: "a peers entry with a short id",
    bytes: entry(0, new Uint8Array(33)),
    message: /peers\[1\]\.id must be a bin of 32 bytes, got bin of 33 bytes/,
  },
  {
    name: "a peers entry with a bad address",
    bytes: entry(1, "::1:80"),
    message: /peers\[1\]\.addr '::1:80' is invalid: an IPv6 host needs brackets/,
  },
  {
    name: "a peers entry with a negative incarnation",
    bytes: entry(2, -3),
    message: /peers\[1\]\.incarnation must be an unsigned safe integer, got -3/,
  },
  {
    name: "a peers entry with an incarnation over 2^53 - 1",
    bytes: entry(2, big(2n ** 53n)),
    message: /Cannot decode message: int at byte \d+ is outside ±\(2\^53 - 1\)/,
  },
  {
    name: "a peers entry with status 3",
    bytes: entry(3, 3),
    message: /peers\[1\]\.status must be 0 \(alive\), 1 \(suspect\) or 2 \(dead\), got 3/,
  },
  // member
  {
    name: "a member with too few elements",
    bytes: raw([5, ...rawEntry().slice(0, 3)]),
    message: "Cannot decode member: expected at least 5 elements, got 4",
  },
  {
    name: "a member with a str id",
    bytes: raw([5, ...rawEntry().with(0, "x")]),
    message: /member: id must be a bin of 32 bytes/,
  },
  {
    name: "a member with an invalid address",
    bytes: raw([5, ...rawEntry().with(1, "host:port")]),
    message: /member: addr 'host:port' is invalid/,
  },
  {
    name: "a member with a str incarnation",
    bytes: raw([5, ...rawEntry().with(2, "1")]),
    message: /incarnation must be an unsigned safe integer, got str '1'/,
  },
  {
    name: "a member with status 7",
    bytes: raw([5, ...rawEntry().with(3, 7)]),
    message: /status must be 0 \(alive\)/,
  },
  // ping, pong
  {
    name: "a ping without nonce",
    bytes: raw([6]),
    message: "Cannot decode ping: expected at least 2 elements, got 1",
  },
  {
    name: "a ping with a nonce of 2^32",
    bytes: raw([6, 2 ** 32]),
    message: "Cannot decode ping: nonce 4294967296 does not fit 32 bits",
  },
  {
    name: "a pong with a negative nonce",
    bytes: raw([7, -1]),
    message: /Cannot decode pong: nonce must be an unsigned safe integer, got -1/,
  },
  // chat
  {
    name: "a chat without signature",
    bytes: raw([8, raw(rawBody())]),
    message: "Cannot decode chat: expected at least 3 elements, got 2",
  },
  {
    name: "a chat whose body is an array, not a bin",
    bytes: raw([8, rawBody(), new Uint8Array(0)]),
    message: /body must be a bin, got array of 6/,
  },
  {
    name: "a chat with a 63-byte signature",
    bytes: raw(rawChat(rawBody(), new Uint8Array(63))),
    message:
      "Cannot decode chat: signature must be a bin of 0 or 64 bytes or a batch signature, got bin of 63 bytes",
  },
  {
    name: "a chat with a str signature",
    bytes: raw(rawChat(rawBody(), "")),
    message: /signature must be a bin/,
  },
  {
    name: "a chat whose body is not MessagePack",
    bytes: raw([8, new Uint8Array([0xc1]), new Uint8Array(0)]),
    message: /Cannot decode chat: reserved byte 0xc1/,
  },
  {
    name: "a chat whose body is not an array",
    bytes: raw([8, raw("hi"), new Uint8Array(0)]),
    message: /body must be an array, got str 'hi'/,
  },
  {
    name: "a chat body with too few elements",
    bytes: raw(rawChat(rawBody().slice(0, 5))),
    message: "Cannot decode chat: expected at least 6 elements, got 5",
  },
  {
    name: "a chat with a 32-char str author",
    bytes: body(0, "a".repeat(32)),
    message: /author must be a bin of 32 bytes, got str/,
  },
  {
    name: "a chat with seq 0",
    bytes: raw(rawChat(rawBody().with(1, 0).with(2, [[ID_A_BYTES, 0]]))),
    message: "Cannot decode chat: seq must be at least 1, got 0",
  },
  {
    name: "a chat with a seq over 2^53 - 1",
    bytes: body(1, big(2n ** 63n)),
    message: /Cannot decode chat: int at byte 35 is outside ±\(2\^53 - 1\)/,
  },
  {
    name: "a chat whose clock is not an array",
    bytes: body(2, 5),
    message: /clock must be an array, got 5/,
  },
  {
    name: "a chat with a clock over clockEntriesMax",
    bytes: clock([[ID_A_BYTES, 2], [ID_B_BYTES, 1], [new Uint8Array(32), 1]]),
    limits: SMALL,
    message: "Cannot decode chat: clock has 3 entries, limit 2",
  },
  {
    name: "a chat with a clock over the default clockEntriesMax",
    bytes: clock([
      [ID_A_BYTES, 2],
      ...Array.from(
        { length: 1024 },
        (_, i) => [new Uint8Array(32).fill(i % 256).fill(i >> 8, 0, 1), 1],
      ),
    ]),
    message: "Cannot decode chat: clock has 1025 entries, limit 1024",
  },
  {
    name: "a chat with a clock entry that is not an array",
    bytes: clock([[ID_A_BYTES, 2], 5]),
    message: /clock\[1\] must be an array, got 5/,
  },
  {
    name: "a chat with a clock entry of one element",
    bytes: clock([[ID_A_BYTES, 2], [ID_B_BYTES]]),
    message: /expected at least 2 elements, got 1/,
  },
  {
    name: "a chat with a clock id of 16 bytes",
    bytes: clock([[ID_A_BYTES, 2], [new Uint8Array(16), 1]]),
    message: /clock\[1\]\.id must be a bin of 32 bytes, got bin of 16 bytes/,
  },
  {
    name: "a chat with a clock count of 0",
    bytes: clock([[ID_A_BYTES, 2], [ID_B_BYTES, 0]]),
    message: "Cannot decode chat: clock[1].n must be at least 1, got 0",
  },
  {
    name: "a chat with a negative clock count",
    bytes: clock([[ID_A_BYTES, 2], [ID_B_BYTES, -4]]),
    message: /clock\[1\]\.n must be an unsigned safe integer, got -4/,
  },
  {
    name: "a chat with a duplicate clock id",
    bytes: clock([[ID_A_BYTES, 2], [ID_B_BYTES, 1], [ID_B_BYTES, 3]]),
    message: `Cannot decode chat: clock has id ${ID_B} twice`,
  },
  {
    name: "a chat whose clock lacks the author",
    bytes: clock([[ID_B_BYTES, 5]]),
    message: "Cannot decode chat: clock[author] is absent, expected seq 2",
  },
  {
    name: "a chat whose clock disagrees with seq",
    bytes: clock([[ID_A_BYTES, 3], [ID_B_BYTES, 5]]),
    message: "Cannot decode chat: clock[author] is 3, expected seq 2",
  },
  {
    name: "a chat with an empty nick",
    bytes: body(3, ""),
    message: "Cannot decode chat: nick is empty",
  },
  {
    name: "a chat with a nick over nickBytesMax",
    bytes: body(3, "n".repeat(33)),
    message: "Cannot decode chat: nick is 33 bytes, limit 32",
  },
  {
    name: "a chat with a newline in the nick",
    bytes: body(3, "a\nb"),
    message: /nick 'a\\u000ab' contains a control character/,
  },
  {
    name: "a chat with a bin nick",
    bytes: body(3, new Uint8Array(3)),
    message: /nick must be a str, got bin of 3 bytes/,
  },
  {
    name: "a chat with a text over textBytesMax",
    bytes: raw(rawChat(rawBody("t".repeat(4097)), new Uint8Array(64), "t".repeat(4097))),
    message: "Cannot decode chat: text is 4097 bytes, limit 4096",
  },
  {
    name: "a chat with a text over textBytesMax in UTF-8 bytes, not characters",
    bytes: raw(rawChat(rawBody("é".repeat(2049)), new Uint8Array(64), "é".repeat(2049))),
    message: "Cannot decode chat: text is 4098 bytes, limit 4096",
  },
  {
    name: "a chat with a bin text",
    bytes: raw(rawChat(rawBody(), new Uint8Array(64), new Uint8Array(1))),
    message: /text must be a str/,
  },
  {
    name: "a chat whose text does not match the hash in its body",
    bytes: raw(rawChat(rawBody("hi"), new Uint8Array(64), "ho")),
    message: "Cannot decode chat: text does not match the hash in its body",
  },
  {
    name: "a chat with a str in place of the text hash",
    bytes: body(4, "hi"),
    message: /textHash must be a bin of 32 bytes, got str/,
  },
  {
    name: "an edit of a later or the same seq",
    bytes: raw(rawChat([...rawBody(), [1, 2]])),
    message: "Cannot decode chat: amends target must be an earlier seq (1 to 1), got 2",
  },
  {
    name: "an amendment of an unknown kind",
    bytes: raw(rawChat([...rawBody(), [3, 1]])),
    message: "Cannot decode chat: amends kind must be 1 (edit) or 2 (delete), got 3",
  },
  {
    name: "a delete with a text",
    bytes: raw(rawChat([...rawBody(), [2, 1]])),
    message: "Cannot decode chat: a delete must have an empty text",
  },
  {
    name: "a chat with a ts under -(2^53 - 1)",
    bytes: body(5, big(-(2n ** 60n))),
    message: /Cannot decode chat: int at byte \d+ is outside/,
  },
  {
    name: "a chat with a str ts",
    bytes: body(5, "2024"),
    message: /ts must be a safe integer, got str '2024'/,
  },
  // bye
  {
    name: "a bye without reason",
    bytes: raw([9]),
    message: "Cannot decode bye: expected at least 2 elements, got 1",
  },
  {
    name: "a bye with a reason over reasonBytesMax",
    bytes: raw([9, "r".repeat(257)]),
    message: "Cannot decode bye: reason is 257 bytes, limit 256",
  },
  { name: "a bye with a uint reason", bytes: raw([9, 1]), message: /reason must be a str, got 1/ },
];

for (const { name, bytes, message, limits } of VIOLATIONS) {
  Deno.test(`decodeMessage() rejects ${name}`, () => {
    assertProtocolError(() => decodeMessage(bytes, limits), message);
  });
}

Deno.test("decodeMessage() accepts the values at each limit", () => {
  const at = (layout: unknown[]) => decodeMessage(raw(layout));
  assert.equal(at(rawHello().with(5, "é".repeat(16))).type, "hello");
  // The longest valid address: a 253-character hostname and a 5-digit port.
  const host = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`;
  assert.equal(at(rawHello().with(4, `${host}:65535`)).type, "hello");
  assert.equal(at([9, "r".repeat(256)]).type, "bye");
  assert.equal(at([6, 2 ** 32 - 1]).type, "ping");
  assert.equal(
    at(
      rawChat(
        rawBody("t".repeat(4096)).with(5, -(2 ** 53 - 1)),
        new Uint8Array(64),
        "t".repeat(4096),
      ),
    )
      .type,
    "chat",
  );
  assert.equal(
    at([4, Array.from({ length: 256 }, (_, i) => rawEntry().with(0, new Uint8Array(32).fill(i)))])
      .type,
    "peers",
  );
});

/** A ping whose nonce is written as a 64-bit int, whatever its value. */
function pingWithInt64(value: bigint, signed: boolean): Uint8Array {
  const bytes = new Uint8Array([0x92, 6, signed ? 0xd3 : 0xcf, 0, 0, 0, 0, 0, 0, 0, 0]);
  const view = new DataView(bytes.buffer, 3);
  if (signed) view.setBigInt64(0, value);
  else view.setBigUint64(0, value);
  return bytes;
}

Deno.test("decodeMessage() accepts 64-bit ints exactly within ±(2^53 - 1) (property)", () => {
  const limit = 2n ** 53n - 1n;
  fc.assert(
    fc.property(
      fc.oneof(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: -limit - 3n, max: -limit + 3n }),
        fc.bigInt({ min: limit - 3n, max: limit + 3n }),
      ),
      (value) => {
        const bytes = pingWithInt64(value, true);
        const inRange = value >= -limit && value <= limit;
        if (inRange && value >= 0n && value < 2n ** 32n) {
          assert.equal(decodeMessage(bytes).type, "ping");
        } else if (inRange) {
          // Passes the encoding rules, then fails the nonce range.
          assertProtocolError(() => decodeMessage(bytes), /^Cannot decode ping: nonce/);
        } else {
          assertProtocolError(() => decodeMessage(bytes), /int at byte 2 is outside/);
        }
      },
    ),
  );
});

Deno.test("decodeMessage() accepts any int width, shortest or not", () => {
  const ping = decodeMessage(pingWithInt64(5n, false));
  assert.deepEqual(ping, { type: "ping", nonce: 5 });
  assert.deepEqual(decodeMessage(pingWithInt64(7n, true)), { type: "ping", nonce: 7 });
  assert.deepEqual(decodeMessage(new Uint8Array([0x92, 7, 0xd0, 9])), { type: "pong", nonce: 9 });
  assertProtocolError(() => decodeMessage(pingWithInt64(2n ** 53n, false)), /outside/);
});

Deno.test("decodeMessage() applies the encoding rules inside ignored trailing elements", () => {
  assertProtocolError(() => decodeMessage(raw([2, 1.5])), /float at byte 2/);
  const unsafe = new Uint8Array([0x92, 2, 0xcf, 0xff, 0, 0, 0, 0, 0, 0, 0]);
  assertProtocolError(() => decodeMessage(unsafe), /int at byte 2 is outside/);
});

Deno.test("decodeMessage() counts an empty array towards the nesting depth", () => {
  const nested = Array.from({ length: ARRAY_DEPTH_MAX - 1 }).reduce<unknown>(
    (inner) => [inner],
    [],
  );
  assertProtocolError(() => decodeMessage(raw([2, nested])), /arrays nest deeper than 8/);
});

Deno.test("decodeMessage() allows arrays nested ARRAY_DEPTH_MAX deep", () => {
  const nested = Array.from({ length: ARRAY_DEPTH_MAX - 1 }).reduce<unknown>((inner) => [inner], 1);
  assert.equal(decodeMessage(raw([2, nested])).type, "register");
});

Deno.test("decodeMessage() uses the given limits", () => {
  const limits = { ...DEFAULT_WIRE_LIMITS, textBytesMax: 3, reasonBytesMax: 1, frameBytesMax: 40 };
  assertProtocolError(() => decodeMessage(raw([9, "ab"]), limits), /reason is 2 bytes, limit 1/);
  assertProtocolError(
    () => decodeMessage(raw(rawChat(rawBody("abcd"), new Uint8Array(64), "abcd")), limits),
    /bytes, limit 20/,
  );
  assert.equal(decodeMessage(raw([9, "a"]), limits).type, "bye");
});

Deno.test("decodeMessage() refuses a 64 KiB array bomb without allocating for its claims", () => {
  // Nested array16 headers each claiming 1024 elements: without the shape
  // scan this makes the msgpack decoder allocate ~180 MB.
  const bomb = new Uint8Array(65514);
  for (let i = 0; i + 3 <= bomb.length; i += 3) bomb.set([0xdc, 0x04, 0x00], i);
  assertProtocolError(() => decodeMessage(bomb), /arrays nest deeper than|only \d+ bytes follow/);
});

Deno.test("decodeMessage() throws only ProtocolError on mutated messages (property)", () => {
  const mutation = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom("flip", "set", "insert", "delete", "truncate"),
    byte: fc.integer({ min: 0, max: 255 }),
  });
  fc.assert(
    fc.property(
      messageArb,
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      (message, mutations) => {
        let bytes = [...encodeMessage(message)];
        for (const { at, kind, byte } of mutations) {
          const i = at % (bytes.length + 1);
          if (kind === "flip") bytes[i] = (bytes[i] ?? 0) ^ (1 << (byte % 8));
          else if (kind === "set") bytes[i] = byte;
          else if (kind === "insert") bytes.splice(i, 0, byte);
          else if (kind === "delete") bytes.splice(i, 1);
          else bytes = bytes.slice(0, i);
        }
        let decoded: AnyMessage;
        try {
          decoded = decodeMessage(new Uint8Array(bytes));
        } catch (error) {
          assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${error}`);
          assert.match(error.message, /^Cannot decode [a-z-]+: \S/);
          return;
        }
        // What a node accepts, it can also send.
        encodeMessage(decoded);
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("decodeMessage() throws only ProtocolError on random bytes (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      try {
        decodeMessage(bytes);
      } catch (error) {
        assert.ok(error instanceof ProtocolError, `not a ProtocolError: ${error}`);
      }
    }),
    { numRuns: 2000 },
  );
});

// ---------------------------------------------------------------------------
// Encoding checks and sizes

Deno.test("encodeMessage() fits a maximal chat in a frame with room for the AEAD tag", () => {
  const author = ID_A;
  const clock = new Map<PeerId, number>([[author, Number.MAX_SAFE_INTEGER]]);
  for (let i = 0; clock.size < DEFAULT_WIRE_LIMITS.clockEntriesMax; i++) {
    clock.set(
      bytesToHex(new Uint8Array(32).fill(i % 256).fill(i >> 8, 0, 1)),
      Number.MAX_SAFE_INTEGER,
    );
  }
  const message = chatMessage({
    author,
    seq: Number.MAX_SAFE_INTEGER,
    clock,
    nick: "n".repeat(DEFAULT_WIRE_LIMITS.nickBytesMax),
    text: "t".repeat(DEFAULT_WIRE_LIMITS.textBytesMax),
    ts: -Number.MAX_SAFE_INTEGER,
    signature: new Uint8Array(64),
  });
  const bytes = encodeMessage({ type: "chat", message });
  assert.ok(
    bytes.length <= DEFAULT_WIRE_LIMITS.frameBytesMax - MESSAGE_OVERHEAD_BYTES,
    `${bytes.length}`,
  );
  const decoded = decodeMessage(bytes);
  assert.ok(decoded.type === "chat");
  assert.equal(decoded.message.clock.size, 1024);
});

Deno.test("encodeMessage() rejects a message longer than frameBytesMax minus the encryption overhead", () => {
  const host = `${"h".repeat(63)}.${"o".repeat(63)}.${"s".repeat(63)}.${"t".repeat(61)}`;
  const peers = Array.from({ length: 256 }, (_, i): MemberInfo => ({
    id: bytesToHex(new Uint8Array(32).fill(i)),
    addr: `${host}:65535`,
    incarnation: Number.MAX_SAFE_INTEGER,
    status: "alive",
  }));
  assert.throws(() => encodeMessage({ type: "peers", peers }), {
    name: "RangeError",
    message: /^Cannot encode peers: \d+ bytes, limit 65515 \(frame minus encryption overhead\)$/,
  });
  // 213 entries of the largest size still fit, 214 do not (see PROTOCOL.md, "Limits").
  assert.equal(encodeMessage({ type: "peers", peers: peers.slice(0, 213) }).length, 65396);
  assert.throws(() => encodeMessage({ type: "peers", peers: peers.slice(0, 214) }), RangeError);
});

const BAD_ENCODES: readonly [string, () => unknown, RegExp][] = [
  [
    "an uppercase peer id",
    () =>
      encodeMessage({ ...(EXAMPLES[0] as AnyMessage & { type: "hello" }), id: ID_A.toUpperCase() }),
    /Cannot encode hello: id must be 64 lowercase hex digits/,
  ],
  [
    "an invalid address",
    () => encodeMessage({ ...(EXAMPLES[0] as AnyMessage & { type: "hello" }), addr: "nowhere" }),
    /Cannot encode hello: addr 'nowhere' is invalid/,
  ],
  [
    "an invalid seen address",
    () => encodeMessage({ ...(EXAMPLES[0] as AnyMessage & { type: "hello" }), seen: "1.2.3.4" }),
    /Cannot encode hello: seen '1\.2\.3\.4' is invalid/,
  ],
  [
    "an unknown role",
    () =>
      encodeMessage({
        ...(EXAMPLES[0] as AnyMessage & { type: "hello" }),
        role: "admin" as "peer",
      }),
    /role must be peer or bootstrap/,
  ],
  [
    "a nonce of 2^32",
    () => encodeMessage({ type: "ping", nonce: 2 ** 32 }),
    /Cannot encode ping: nonce 4294967296 does not fit 32 bits/,
  ],
  [
    "a fractional nonce",
    () => encodeMessage({ type: "pong", nonce: 1.5 }),
    /nonce must be an unsigned safe integer, got 1.5/,
  ],
  [
    "an unknown status",
    () =>
      encodeMessage({
        type: "member",
        member: { id: ID_A, addr: ADDR, incarnation: 1, status: "gone" as "dead" },
      }),
    /status must be alive, suspect or dead/,
  ],
  [
    "a duplicate peer",
    () =>
      encodeMessage({
        type: "peers",
        peers: [{ id: ID_A, addr: ADDR, incarnation: 1, status: "alive" }, {
          id: ID_A,
          addr: ADDR,
          incarnation: 2,
          status: "dead",
        }],
      }),
    /list has id a+b*.* twice|twice/,
  ],
  [
    "too many peers",
    () =>
      encodeMessage({
        type: "peers",
        peers: Array.from(
          { length: 3 },
          (_, i) => ({
            id: bytesToHex(new Uint8Array(32).fill(i)),
            addr: ADDR,
            incarnation: 0,
            status: "alive" as const,
          }),
        ),
      }, SMALL),
    /list has 3 peers, limit 2/,
  ],
  [
    "a chat with seq 0",
    () =>
      encodeMessage({
        type: "chat",
        message: chatMessage({ seq: 0, clock: new Map([[ID_A, 0]]) }),
      }),
    /seq must be at least 1/,
  ],
  [
    "a chat whose clock disagrees with seq",
    () => encodeMessage({ type: "chat", message: chatMessage({ seq: 3 }) }),
    /Cannot encode chat: clock\[author\] is 2, expected seq 3/,
  ],
  [
    "a chat with a clock over clockEntriesMax",
    () =>
      encodeMessage({
        type: "chat",
        message: chatMessage({ clock: new Map([[ID_A, 2], [ID_B, 1], ["00".repeat(32), 1]]) }),
      }, SMALL),
    /clock has 3 entries, limit 2/,
  ],
  [
    "a chat with a bad clock id",
    () =>
      encodeMessage({
        type: "chat",
        message: chatMessage({ clock: new Map([[ID_A, 2], ["xyz", 1]]) }),
      }),
    /clock id must be 64 lowercase hex digits, got str 'xyz'/,
  ],
  [
    "a chat with a clock count of 0",
    () =>
      encodeMessage({
        type: "chat",
        message: chatMessage({ clock: new Map([[ID_A, 2], [ID_B, 0]]) }),
      }),
    /clock entry of c+d*.* must be at least 1|must be at least 1/,
  ],
  [
    "a chat with a long text",
    () => encodeMessage({ type: "chat", message: chatMessage({ text: "x".repeat(4097) }) }),
    /Cannot encode chat: text is 4097 bytes, limit 4096/,
  ],
  [
    "a chat with a lone surrogate",
    () => encodeMessage({ type: "chat", message: chatMessage({ text: "a\ud800" }) }),
    /text is not well-formed Unicode/,
  ],
  [
    "a chat with a fractional ts",
    () => encodeMessage({ type: "chat", message: chatMessage({ ts: 0.5 }) }),
    /ts must be a safe integer, got 0.5/,
  ],
  [
    "a chat with a 32-byte signature",
    () => encodeMessage({ type: "chat", message: chatMessage({ signature: new Uint8Array(32) }) }),
    /signature must be 0 or 64 bytes or a batch signature, got bin of 32 bytes/,
  ],
  [
    "a bye with a long reason",
    () => encodeMessage({ type: "bye", reason: "r".repeat(257) }),
    /reason is 257 bytes, limit 256/,
  ],
];

for (const [name, run, message] of BAD_ENCODES) {
  Deno.test(`encodeMessage() rejects ${name} with a RangeError`, () => {
    assert.throws(run, (error: unknown) => {
      assert.ok(error instanceof RangeError, `expected a RangeError, got ${error}`);
      assert.match(error.message, message);
      return true;
    });
  });
}

Deno.test("encodeMessage() rejects an unknown message type with a TypeError", () => {
  assert.throws(() => encodeMessage({ type: "shout" } as unknown as AnyMessage), {
    name: "TypeError",
    message: "Cannot encode message: unknown type str 'shout'",
  });
});

Deno.test("isPeerId() accepts 64 lowercase hex digits only", () => {
  assert.ok(isPeerId(ID_A));
  assert.ok(!isPeerId(ID_A.toUpperCase()));
  assert.ok(!isPeerId(ID_A.slice(2)));
  assert.ok(!isPeerId(`${ID_A.slice(1)}g`));
  assert.ok(!isPeerId(ID_A_BYTES));
});

Deno.test("decodeMessage() reads a hello without incarnation (the first layout) as incarnation 0", () => {
  const hello = decodeMessage(raw(rawHello().slice(0, 7)));
  assert.equal(hello.type, "hello");
  assert.equal((hello as Hello).incarnation, 0);
});

Deno.test("decodeMessage() rejects a hello whose incarnation is not a uint", () => {
  assert.throws(() => decodeMessage(raw(rawHello().with(7, -1))), ProtocolError);
  assert.throws(() => decodeMessage(raw(rawHello().with(7, "1"))), ProtocolError);
});

Deno.test("decodeMessage() checks a direct message's id, hops and box size", () => {
  const ok = [16, ID_A_BYTES, new Uint8Array(16), 3, new Uint8Array(10)];
  assert.equal(decodeMessage(raw(ok)).type, "direct");
  assert.throws(() => decodeMessage(raw(ok.with(2, new Uint8Array(15)))), ProtocolError);
  assert.throws(() => decodeMessage(raw(ok.with(3, 17))), ProtocolError);
  assert.throws(() => decodeMessage(raw(ok.with(4, new Uint8Array(0)))), ProtocolError);
  assert.throws(() => decodeMessage(raw(ok.with(4, new Uint8Array(8193)))), ProtocolError);
});

Deno.test("encodeChatBody() encodes every id right across many more ids than it remembers", () => {
  // The encoder keeps the wire form of recent ids (a few thousand) and starts
  // over when full: ids before and after that point must come out the same.
  const idOf = (i: number): PeerId =>
    bytesToHex(new Uint8Array(32).fill(i % 251).map((b, j) => b ^ (j === 0 ? i >> 8 : 0)));
  const check = (i: number): void => {
    const author = idOf(i);
    const other = idOf(i + 1);
    const body = encodeChatBody({
      author,
      seq: 2,
      clock: new Map([[author, 2], [other, 1]]),
      nick: "n",
      text: `${i}`,
      ts: 0,
    });
    const fields = new Decoder().decode(body) as unknown[];
    assert.equal(bytesToHex(fields[0] as Uint8Array), author);
    assert.deepEqual(
      (fields[2] as [Uint8Array, number][]).map(([id, n]) => [bytesToHex(id), n]),
      [[author, 2], [other, 1]].sort(([a], [b]) => (a! < b! ? -1 : 1)),
    );
  };
  for (let i = 0; i < 10_000; i++) check(i);
  for (let i = 0; i < 10_000; i += 97) check(i);
  assert.throws(
    () =>
      encodeChatBody({
        author: "AB".repeat(32),
        seq: 1,
        clock: new Map([["AB".repeat(32), 1]]),
        nick: "n",
        text: "",
        ts: 0,
      }),
    RangeError,
  );
});

Deno.test("encodeMessage() puts a signed record's nick after its signature, and leaves it out of an unsigned one", () => {
  const signature = new Uint8Array(64).fill(1);
  const member: MemberInfo = {
    id: ID_A,
    addr: ADDR,
    incarnation: 2,
    status: "alive",
    signature,
    nick: "bob",
  };
  const back = decodeMessage(encodeMessage({ type: "member", member }));
  assert.deepEqual(back, { type: "member", member });
  const { signature: _, ...unsigned } = member;
  assert.deepEqual(decodeMessage(encodeMessage({ type: "member", member: unsigned })), {
    type: "member",
    member: { id: ID_A, addr: ADDR, incarnation: 2, status: "alive" },
  });
  assert.throws(
    () => encodeMessage({ type: "member", member: { ...member, nick: "a\u0007b" } }),
    /nick/,
  );
});

Deno.test("decodeMessage() checks a record's nick like a hello's", () => {
  assert.throws(
    () => decodeMessage(raw([5, ID_A_BYTES, ADDR, 3, 0, new Uint8Array(64), "x".repeat(33)])),
    /Cannot decode member: nick/,
  );
  assert.throws(
    () => decodeMessage(raw([5, ID_A_BYTES, ADDR, 3, 0, new Uint8Array(64), ""])),
    /Cannot decode member: nick is empty/,
  );
});
