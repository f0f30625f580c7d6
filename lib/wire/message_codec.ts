/**
 * MessagePack encoding of every protocol message, with full validation of
 * what comes in. Each frame payload is one msgpack array whose first element
 * is a type code; PROTOCOL.md documents every layout.
 *
 * Decoding runs in three steps, each a defence of its own:
 *
 * 1. A shape scan of the raw bytes: only int (within ±(2^53 - 1)), str
 *    (valid UTF-8), bin and array values; arrays nest at most
 *    `ARRAY_DEPTH_MAX` deep and never claim more elements than there are
 *    bytes left (so a 64 KiB frame cannot make the decoder allocate hundreds
 *    of megabytes); no trailing bytes.
 * 2. The value is read from the checked bytes (bins are views into them).
 * 3. Every field is checked against the layout and the `WireLimits`.
 *
 * Every failure throws `ProtocolError`. Encoding checks the same rules and
 * throws `RangeError`/`TypeError` (misuse), so a node does not send what a
 * peer would refuse; the one exception is a chat's `body`, which is trusted
 * as received (it was validated when decoded) and forwarded verbatim.
 *
 * @module
 */

import { checkAddr } from "./address.ts";
import {
  checkInt,
  checkNick,
  checkPositive,
  checkStr,
  checkUint,
  describeValue as describe,
  type FieldFail as Fail,
  isPeerId,
} from "./fields.ts";
import { bytesToHex, hexToBytes } from "./hex.ts";
import { peerIdAt } from "./peer_id_interner.ts";
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
  type Role,
  type SeqRange,
  SIGNATURE_BYTES,
} from "./message.ts";
import type { VectorClock } from "../causal/vector_clock.ts";
import { ProtocolError } from "./protocol_error.ts";
import { decodeChatFast } from "./chat_fast_path.ts";
import { ARRAY_DEPTH_MAX, readMsgpackValue } from "./msgpack_reader.ts";
import { encodeMsgpack } from "./msgpack_writer.ts";
import { DEFAULT_WIRE_LIMITS, MESSAGE_OVERHEAD_BYTES, type WireLimits } from "./wire_limits.ts";

/** Second element of every hello: tells a p2pchat peer from anything else. */
export const PROTOCOL_MAGIC = "p2pchat";

// Kept importable from here: other layers use these names from the codec.
export { ARRAY_DEPTH_MAX, isPeerId, SIGNATURE_BYTES };

/** The type code, first element of every message array. */
export const MESSAGE_TYPE_CODES: Readonly<Record<AnyMessage["type"], number>> = Object.freeze({
  "hello": 1,
  "register": 2,
  "get-peers": 3,
  "peers": 4,
  "member": 5,
  "ping": 6,
  "pong": 7,
  "chat": 8,
  "bye": 9,
  "prune": 10,
  "have": 11,
  "want": 12,
  "skip": 13,
  "probe": 14,
  "probe-ack": 15,
  "direct": 16,
});

/** The fields of a chat message that its encoded body carries (and its signature covers). */
export type ChatBodyFields = Omit<ChatMessage, "signature" | "body">;

const ROLES: readonly Role[] = ["peer", "bootstrap"];
const STATUSES: readonly MemberStatus[] = ["alive", "suspect", "dead"];
const NONCE_LIMIT = 2 ** 32;

// ---------------------------------------------------------------------------
// Failures

type Subject = AnyMessage["type"] | "message";

function failures(
  verb: string,
  make: (message: string, cause: unknown) => Error,
): Record<Subject, Fail> {
  const table = {} as Record<Subject, Fail>;
  for (const subject of [...Object.keys(MESSAGE_TYPE_CODES), "message"] as Subject[]) {
    table[subject] = (detail, cause) => {
      throw make(`Cannot ${verb} ${subject}: ${detail}`, cause);
    };
  }
  return table;
}

const DECODE_FAIL: Readonly<Record<Subject, Fail>> = failures(
  "decode",
  (message, cause) => new ProtocolError(message, cause === undefined ? undefined : { cause }),
);
const ENCODE_FAIL: Readonly<Record<Subject, Fail>> = failures(
  "encode",
  (message) => new RangeError(message),
);

// ---------------------------------------------------------------------------
// Field checks, shared by decoding (wire values) and encoding (memory values)

function checkNonce(value: unknown, fail: Fail): number {
  const nonce = checkUint(value, "nonce", fail);
  if (nonce >= NONCE_LIMIT) fail(`nonce ${nonce} does not fit 32 bits`);
  return nonce;
}

/** Wire id (bin of 32 bytes) → in-memory id (lowercase hex). */
function decodeId(value: unknown, field: string, fail: Fail): PeerId {
  if (!(value instanceof Uint8Array) || value.length !== PEER_ID_BYTES) {
    fail(`${field} must be a bin of ${PEER_ID_BYTES} bytes, got ${describe(value)}`);
  }
  return peerIdAt(value, 0);
}

/**
 * Wire forms of ids encoded lately. The same ids come back in every clock a
 * node sends, and checking and converting them again was a sixth of a
 * sender's time. Entries are never handed out for writing: the encoder copies.
 */
const ID_BYTES = new Map<string, Uint8Array>();

/** Ids {@linkcode ID_BYTES} holds before it starts over. */
const ID_BYTES_CACHED_MAX = 4096;

/** In-memory id (lowercase hex) → wire id (bin of 32 bytes). */
function encodeId(value: unknown, field: string, fail: Fail): Uint8Array {
  const cached = typeof value === "string" ? ID_BYTES.get(value) : undefined;
  if (cached !== undefined) return cached;
  if (!isPeerId(value)) {
    fail(`${field} must be ${2 * PEER_ID_BYTES} lowercase hex digits, got ${describe(value)}`);
  }
  const bytes = hexToBytes(value);
  if (ID_BYTES.size >= ID_BYTES_CACHED_MAX) ID_BYTES.clear();
  ID_BYTES.set(value, bytes);
  return bytes;
}

function checkLength(array: readonly unknown[], min: number, fail: Fail): void {
  if (array.length < min) fail(`expected at least ${min} elements, got ${array.length}`);
}

function checkArray(value: unknown, field: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(`${field} must be an array, got ${describe(value)}`);
  return value;
}

/** Largest encoded message: what still fits one frame once encrypted. */
function messageBytesMax(limits: WireLimits): number {
  return limits.frameBytesMax - MESSAGE_OVERHEAD_BYTES;
}

/** Bytes of a MessagePack bin header for `length` bytes. */
function binHeaderBytes(length: number): number {
  return length <= 0xff ? 2 : length <= 0xffff ? 3 : 5;
}

/**
 * A chat is relayed byte for byte and may be sent on as a repair, one byte
 * longer (`[8, body, signature, 1]`): refuse one whose repair form would not
 * fit, so that every chat a node accepts it can also pass on.
 */
function checkRelayable(message: ChatMessage, bytesMax: number, fail: Fail): void {
  const body = message.body?.length ?? 0;
  const signature = message.signature.length;
  const repairForm = 3 + binHeaderBytes(body) + body + binHeaderBytes(signature) + signature;
  if (repairForm > bytesMax) {
    fail(`it would be ${repairForm} bytes as a repair, limit ${bytesMax}`);
  }
}

// ---------------------------------------------------------------------------
// Step 3: layouts

function decodeMemberAt(
  array: readonly unknown[],
  offset: number,
  prefix: string,
  limits: WireLimits,
  fail: Fail,
): MemberInfo {
  const id = decodeId(array[offset], `${prefix}id`, fail);
  const addr = checkAddr(array[offset + 1], `${prefix}addr`, limits, fail);
  const incarnation = checkUint(array[offset + 2], `${prefix}incarnation`, fail);
  const status = STATUSES[checkUint(array[offset + 3], `${prefix}status`, fail)];
  if (status === undefined) {
    fail(`${prefix}status must be 0 (alive), 1 (suspect) or 2 (dead), got ${array[offset + 3]}`);
  }
  return { id, addr, incarnation, status };
}

function encodeMember(
  member: MemberInfo,
  prefix: string,
  limits: WireLimits,
  fail: Fail,
): unknown[] {
  const status = STATUSES.indexOf(member.status);
  if (status < 0) {
    fail(`${prefix}status must be alive, suspect or dead, got ${describe(member.status)}`);
  }
  return [
    encodeId(member.id, `${prefix}id`, fail),
    checkAddr(member.addr, `${prefix}addr`, limits, fail),
    checkUint(member.incarnation, `${prefix}incarnation`, fail),
    status,
  ];
}

function decodeHello(array: readonly unknown[], limits: WireLimits): Hello {
  const fail: Fail = DECODE_FAIL.hello;
  checkLength(array, 7, fail);
  if (array[1] !== PROTOCOL_MAGIC) {
    fail(`magic must be '${PROTOCOL_MAGIC}', got ${describe(array[1])}`);
  }
  const version = checkUint(array[2], "version", fail);
  if (version !== PROTOCOL_VERSION) {
    fail(`version ${version} is not supported, this node speaks version ${PROTOCOL_VERSION}`);
  }
  const id = decodeId(array[3], "id", fail);
  const addr = checkAddr(array[4], "addr", limits, fail);
  const nick = checkNick(array[5], "nick", limits, fail);
  const role = ROLES[checkUint(array[6], "role", fail)];
  if (role === undefined) fail(`role must be 0 (peer) or 1 (bootstrap), got ${array[6]}`);
  // The incarnation came after the first layout: absent means 0.
  const incarnation = array.length > 7 ? checkUint(array[7], "incarnation", fail) : 0;
  return { type: "hello", version, id, addr, nick, role, incarnation };
}

/** A clock on the wire: `[[id, n], …]`, n ≥ 1, ids distinct, at most `clockEntriesMax`. */
function decodeClock(value: unknown, limits: WireLimits, fail: Fail): Map<PeerId, number> {
  const entries = checkArray(value, "clock", fail);
  if (entries.length > limits.clockEntriesMax) {
    fail(`clock has ${entries.length} entries, limit ${limits.clockEntriesMax}`);
  }
  const clock = new Map<PeerId, number>();
  for (let i = 0; i < entries.length; i++) {
    const entry = checkArray(entries[i], `clock[${i}]`, fail);
    checkLength(entry, 2, fail);
    const id = decodeId(entry[0], `clock[${i}].id`, fail);
    const n = checkPositive(entry[1], `clock[${i}].n`, fail);
    if (clock.has(id)) fail(`clock has id ${id} twice`);
    clock.set(id, n);
  }
  return clock;
}

/** Encodes a clock sorted by id, so equal clocks give equal bytes. */
function encodeClock(clock: VectorClock, limits: WireLimits, fail: Fail): unknown[] {
  if (clock.size > limits.clockEntriesMax) {
    fail(`clock has ${clock.size} entries, limit ${limits.clockEntriesMax}`);
  }
  return [...clock.keys()].sort().map((id) => [
    encodeId(id, "clock id", fail),
    checkPositive(clock.get(id), `clock entry of ${id}`, fail),
  ]);
}

function checkFlag(value: unknown, field: string, fail: Fail): boolean {
  if (value !== 0 && value !== 1) fail(`${field} must be 0 or 1, got ${describe(value)}`);
  return value === 1;
}

function decodeRanges(value: unknown, limits: WireLimits, fail: Fail): SeqRange[] {
  const list = checkArray(value, "ranges", fail);
  if (list.length > limits.clockEntriesMax) {
    fail(`${list.length} ranges, limit ${limits.clockEntriesMax}`);
  }
  const ranges: SeqRange[] = [];
  const seen = new Set<PeerId>();
  for (let i = 0; i < list.length; i++) {
    const entry = checkArray(list[i], `ranges[${i}]`, fail);
    checkLength(entry, 3, fail);
    const author = decodeId(entry[0], `ranges[${i}].author`, fail);
    const from = checkUint(entry[1], `ranges[${i}].from`, fail);
    const to = checkPositive(entry[2], `ranges[${i}].to`, fail);
    if (to <= from) fail(`ranges[${i}] is empty: to ${to} ≤ from ${from}`);
    if (seen.has(author)) fail(`ranges name author ${author} twice`);
    seen.add(author);
    ranges.push({ author, from, to });
  }
  return ranges;
}

function decodeChatBody(body: Uint8Array, limits: WireLimits): ChatBodyFields {
  const fail: Fail = DECODE_FAIL.chat;
  const array = checkArray(readMsgpackValue(body, fail), "body", fail);
  checkLength(array, 6, fail);
  const author = decodeId(array[0], "author", fail);
  const seq = checkPositive(array[1], "seq", fail);
  const clock = decodeClock(array[2], limits, fail);
  const own = clock.get(author);
  if (own !== seq) fail(`clock[author] is ${own ?? "absent"}, expected seq ${seq}`);
  const nick = checkNick(array[3], "nick", limits, fail);
  const text = checkStr(array[4], "text", limits.textBytesMax, fail);
  const ts = checkInt(array[5], "ts", fail);
  return { author, seq, clock, nick, text, ts };
}

/**
 * Decode and validate one frame payload.
 *
 * @param bytes The payload; it is not retained (a chat keeps its own copy of the body).
 * @param limits Limits to enforce. Default `DEFAULT_WIRE_LIMITS`. A decoder
 * is cached per limits object, so pass the same object every time.
 * @throws {ProtocolError} for anything that breaks PROTOCOL.md, e.g.
 * "Cannot decode chat: clock has 2000 entries, limit 1024".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeMessage, encodeMessage } from "./message_codec.ts";
 *
 * const message = decodeMessage(encodeMessage({ type: "ping", nonce: 7 }));
 * assert.ok(message.type === "ping" && message.nonce === 7);
 * ```
 */
export function decodeMessage(
  bytes: Uint8Array,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
): AnyMessage {
  const failMessage: Fail = DECODE_FAIL.message;
  // What this node could not send on, it does not take in.
  const bytesMax = messageBytesMax(limits);
  if (bytes.length > bytesMax) {
    failMessage(`${bytes.length} bytes, limit ${bytesMax} (frame minus encryption overhead)`);
  }
  if (bytes[1] === MESSAGE_TYPE_CODES.chat && (bytes[0] === 0x93 || bytes[0] === 0x94)) {
    // The common case, read in one pass; anything unusual takes the general path below.
    const fast = decodeChatFast(bytes, limits);
    if (fast !== undefined) {
      checkRelayable(fast.message, bytesMax, DECODE_FAIL.chat);
      return fast.repair === undefined
        ? { type: "chat", message: fast.message }
        : { type: "chat", message: fast.message, repair: fast.repair };
    }
  }
  const value = readMsgpackValue(bytes, failMessage);
  if (!Array.isArray(value) || value.length === 0) {
    failMessage(`expected a non-empty array, got ${describe(value)}`);
  }
  const code = value[0];
  switch (code) {
    case 1:
      return decodeHello(value, limits);
    case 2:
      return { type: "register" };
    case 3: {
      // `all` came after the first layout: absent means a sample.
      if (value.length < 2) return { type: "get-peers" };
      return { type: "get-peers", all: checkFlag(value[1], "all", DECODE_FAIL["get-peers"]) };
    }
    case 4: {
      const fail: Fail = DECODE_FAIL.peers;
      checkLength(value, 2, fail);
      const list = checkArray(value[1], "peers", fail);
      if (list.length > limits.peersPerMessageMax) {
        fail(`list has ${list.length} peers, limit ${limits.peersPerMessageMax}`);
      }
      const peers: MemberInfo[] = [];
      const seen = new Set<PeerId>();
      for (let i = 0; i < list.length; i++) {
        const entry = checkArray(list[i], `peers[${i}]`, fail);
        checkLength(entry, 4, fail);
        const member = decodeMemberAt(entry, 0, `peers[${i}].`, limits, fail);
        if (seen.has(member.id)) fail(`list has id ${member.id} twice`);
        seen.add(member.id);
        peers.push(member);
      }
      // `total` came after the first layout.
      if (value.length < 3) return { type: "peers", peers };
      return { type: "peers", peers, total: checkUint(value[2], "total", fail) };
    }
    case 5: {
      const fail: Fail = DECODE_FAIL.member;
      checkLength(value, 5, fail);
      return { type: "member", member: decodeMemberAt(value, 1, "", limits, fail) };
    }
    case 6:
    case 7: {
      const type = code === 6 ? "ping" : "pong";
      const fail: Fail = DECODE_FAIL[type];
      checkLength(value, 2, fail);
      return { type, nonce: checkNonce(value[1], fail) };
    }
    case 8: {
      const fail: Fail = DECODE_FAIL.chat;
      checkLength(value, 3, fail);
      const body = value[1];
      if (!(body instanceof Uint8Array)) fail(`body must be a bin, got ${describe(body)}`);
      const signature = value[2];
      if (
        !(signature instanceof Uint8Array) ||
        (signature.length !== 0 && signature.length !== SIGNATURE_BYTES)
      ) {
        fail(
          `signature must be a bin of 0 or ${SIGNATURE_BYTES} bytes, got ${describe(signature)}`,
        );
      }
      // Copies: the message outlives the frame buffer it came in.
      const ownBody = body.slice();
      const fields = decodeChatBody(ownBody, limits);
      const message = { ...fields, signature: signature.slice(), body: ownBody };
      checkRelayable(message, messageBytesMax(limits), fail);
      // `repair` came after the first layout: absent means a tree push.
      if (value.length < 4) return { type: "chat", message };
      return { type: "chat", message, repair: checkFlag(value[3], "repair", fail) };
    }
    case 9: {
      const fail: Fail = DECODE_FAIL.bye;
      checkLength(value, 2, fail);
      return { type: "bye", reason: checkStr(value[1], "reason", limits.reasonBytesMax, fail) };
    }
    case 10: {
      const fail: Fail = DECODE_FAIL.prune;
      checkLength(value, 2, fail);
      const list = checkArray(value[1], "authors", fail);
      if (list.length > limits.clockEntriesMax) {
        fail(`${list.length} authors, limit ${limits.clockEntriesMax}`);
      }
      return { type: "prune", authors: list.map((id, i) => decodeId(id, `authors[${i}]`, fail)) };
    }
    case 11:
    case 13: {
      if (code === 11) {
        const fail: Fail = DECODE_FAIL.have;
        checkLength(value, 3, fail);
        return {
          type: "have",
          full: checkFlag(value[1], "full", fail),
          clock: decodeClock(value[2], limits, fail),
        };
      }
      const fail: Fail = DECODE_FAIL.skip;
      checkLength(value, 2, fail);
      return { type: "skip", clock: decodeClock(value[1], limits, fail) };
    }
    case 12: {
      const fail: Fail = DECODE_FAIL.want;
      checkLength(value, 3, fail);
      return {
        type: "want",
        graft: checkFlag(value[1], "graft", fail),
        ranges: decodeRanges(value[2], limits, fail),
      };
    }
    case 14:
    case 15: {
      const type = code === 14 ? "probe" : "probe-ack";
      const fail: Fail = DECODE_FAIL[type];
      checkLength(value, 3, fail);
      return {
        type,
        target: decodeId(value[1], "target", fail),
        nonce: checkNonce(value[2], fail),
      };
    }
    case 16: {
      const fail: Fail = DECODE_FAIL.direct;
      checkLength(value, 5, fail);
      const to = decodeId(value[1], "to", fail);
      const idBytes = value[2];
      if (!(idBytes instanceof Uint8Array) || idBytes.length !== DIRECT_ID_BYTES) {
        fail(`id must be a bin of ${DIRECT_ID_BYTES} bytes, got ${describe(idBytes)}`);
      }
      const hops = checkUint(value[3], "hops", fail);
      if (hops > DIRECT_HOPS_MAX) fail(`hops is ${hops}, limit ${DIRECT_HOPS_MAX}`);
      const box = value[4];
      if (!(box instanceof Uint8Array) || box.length === 0 || box.length > DIRECT_BOX_BYTES_MAX) {
        fail(`box must be a bin of 1..${DIRECT_BOX_BYTES_MAX} bytes, got ${describe(box)}`);
      }
      return { type: "direct", to, id: bytesToHex(idBytes), hops, box: box.slice() };
    }
    default:
      return failMessage(`unknown type code ${describe(code)}`);
  }
}

/**
 * Encode a chat body, `[author, seq, clock, nick, text, ts]`: the bytes an
 * author signs and every relay forwards unchanged. Clock entries are sorted
 * by id, so equal fields give equal bytes.
 *
 * @param limits Limits to check against. Default `DEFAULT_WIRE_LIMITS`.
 * @throws {RangeError} if a field breaks a rule `decodeMessage` enforces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeChatBody } from "./message_codec.ts";
 *
 * const author = "ab".repeat(32);
 * const body = encodeChatBody({
 *   author, seq: 1, clock: new Map([[author, 1]]), nick: "ann", text: "hi", ts: 0,
 * });
 * assert.ok(body instanceof Uint8Array);
 * ```
 */
export function encodeChatBody(
  fields: ChatBodyFields,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
): Uint8Array {
  const fail: Fail = ENCODE_FAIL.chat;
  const author = encodeId(fields.author, "author", fail);
  const seq = checkPositive(fields.seq, "seq", fail);
  const own = fields.clock.get(fields.author);
  if (own !== seq) fail(`clock[author] is ${own ?? "absent"}, expected seq ${seq}`);
  const clock = encodeClock(fields.clock, limits, fail);
  const nick = checkNick(fields.nick, "nick", limits, fail);
  const text = checkStr(fields.text, "text", limits.textBytesMax, fail);
  const ts = checkInt(fields.ts, "ts", fail);
  return encodeMsgpack([author, seq, clock, nick, text, ts]);
}

/**
 * Encode a message as one frame payload. A chat whose `body` is set is
 * encoded with those bytes verbatim (relays forward byte for byte); without
 * it the body is encoded from the fields by `encodeChatBody`.
 *
 * @param limits Limits to check against. Default `DEFAULT_WIRE_LIMITS`.
 * @throws {RangeError} if a field breaks a rule `decodeMessage` enforces, or
 * the result exceeds `frameBytesMax - MESSAGE_OVERHEAD_BYTES` (65515) bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMessage } from "./message_codec.ts";
 *
 * assert.equal(encodeMessage({ type: "register" }).join(), "145,2");
 * ```
 */
export function encodeMessage(
  message: AnyMessage,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
): Uint8Array {
  let value: unknown[];
  switch (message.type) {
    case "hello": {
      const fail: Fail = ENCODE_FAIL.hello;
      const role = ROLES.indexOf(message.role);
      if (role < 0) fail(`role must be peer or bootstrap, got ${describe(message.role)}`);
      value = [
        MESSAGE_TYPE_CODES.hello,
        PROTOCOL_MAGIC,
        checkUint(message.version, "version", fail),
        encodeId(message.id, "id", fail),
        checkAddr(message.addr, "addr", limits, fail),
        checkNick(message.nick, "nick", limits, fail),
        role,
        checkUint(message.incarnation ?? 0, "incarnation", fail),
      ];
      break;
    }
    case "register":
      value = [MESSAGE_TYPE_CODES.register];
      break;
    case "get-peers":
      value = message.all === undefined ? [MESSAGE_TYPE_CODES["get-peers"]] : [
        MESSAGE_TYPE_CODES["get-peers"],
        message.all ? 1 : 0,
      ];
      break;
    case "peers": {
      const fail: Fail = ENCODE_FAIL.peers;
      if (message.peers.length > limits.peersPerMessageMax) {
        fail(`list has ${message.peers.length} peers, limit ${limits.peersPerMessageMax}`);
      }
      const seen = new Set<PeerId>();
      const list = message.peers.map((member, i) => {
        if (seen.has(member.id)) fail(`list has id ${member.id} twice`);
        seen.add(member.id);
        return encodeMember(member, `peers[${i}].`, limits, fail);
      });
      value = message.total === undefined
        ? [MESSAGE_TYPE_CODES.peers, list]
        : [MESSAGE_TYPE_CODES.peers, list, checkUint(message.total, "total", fail)];
      break;
    }
    case "member":
      value = [
        MESSAGE_TYPE_CODES.member,
        ...encodeMember(message.member, "", limits, ENCODE_FAIL.member),
      ];
      break;
    case "ping":
    case "pong":
      value = [
        MESSAGE_TYPE_CODES[message.type],
        checkNonce(message.nonce, ENCODE_FAIL[message.type]),
      ];
      break;
    case "chat": {
      const fail: Fail = ENCODE_FAIL.chat;
      const { signature } = message.message;
      if (
        !(signature instanceof Uint8Array) ||
        (signature.length !== 0 && signature.length !== SIGNATURE_BYTES)
      ) {
        fail(`signature must be 0 or ${SIGNATURE_BYTES} bytes, got ${describe(signature)}`);
      }
      const body = message.message.body ?? encodeChatBody(message.message, limits);
      value = message.repair === true
        ? [MESSAGE_TYPE_CODES.chat, body, signature, 1]
        : [MESSAGE_TYPE_CODES.chat, body, signature];
      break;
    }
    case "bye":
      value = [
        MESSAGE_TYPE_CODES.bye,
        checkStr(message.reason, "reason", limits.reasonBytesMax, ENCODE_FAIL.bye),
      ];
      break;
    case "prune": {
      const fail: Fail = ENCODE_FAIL.prune;
      if (message.authors.length > limits.clockEntriesMax) {
        fail(`${message.authors.length} authors, limit ${limits.clockEntriesMax}`);
      }
      value = [
        MESSAGE_TYPE_CODES.prune,
        message.authors.map((id, i) => encodeId(id, `authors[${i}]`, fail)),
      ];
      break;
    }
    case "have":
      value = [
        MESSAGE_TYPE_CODES.have,
        message.full ? 1 : 0,
        encodeClock(message.clock, limits, ENCODE_FAIL.have),
      ];
      break;
    case "skip":
      value = [MESSAGE_TYPE_CODES.skip, encodeClock(message.clock, limits, ENCODE_FAIL.skip)];
      break;
    case "want": {
      const fail: Fail = ENCODE_FAIL.want;
      if (message.ranges.length > limits.clockEntriesMax) {
        fail(`${message.ranges.length} ranges, limit ${limits.clockEntriesMax}`);
      }
      const seen = new Set<PeerId>();
      const ranges = message.ranges.map((range, i) => {
        if (seen.has(range.author)) fail(`ranges name author ${range.author} twice`);
        seen.add(range.author);
        const from = checkUint(range.from, `ranges[${i}].from`, fail);
        const to = checkPositive(range.to, `ranges[${i}].to`, fail);
        if (to <= from) fail(`ranges[${i}] is empty: to ${to} ≤ from ${from}`);
        return [encodeId(range.author, `ranges[${i}].author`, fail), from, to];
      });
      value = [MESSAGE_TYPE_CODES.want, message.graft ? 1 : 0, ranges];
      break;
    }
    case "direct": {
      const fail: Fail = ENCODE_FAIL.direct;
      if (message.hops > DIRECT_HOPS_MAX) fail(`hops is ${message.hops}, limit ${DIRECT_HOPS_MAX}`);
      if (message.box.length === 0 || message.box.length > DIRECT_BOX_BYTES_MAX) {
        fail(`box is ${message.box.length} bytes, expected 1..${DIRECT_BOX_BYTES_MAX}`);
      }
      const idBytes = hexToBytes(message.id);
      if (idBytes.length !== DIRECT_ID_BYTES) fail(`id must be ${DIRECT_ID_BYTES} bytes of hex`);
      value = [
        MESSAGE_TYPE_CODES.direct,
        encodeId(message.to, "to", fail),
        idBytes,
        checkUint(message.hops, "hops", fail),
        message.box,
      ];
      break;
    }
    case "probe":
    case "probe-ack": {
      const fail: Fail = ENCODE_FAIL[message.type];
      value = [
        MESSAGE_TYPE_CODES[message.type],
        encodeId(message.target, "target", fail),
        checkNonce(message.nonce, fail),
      ];
      break;
    }
    default: {
      const unknown: { readonly type?: unknown } = message;
      throw new TypeError(`Cannot encode message: unknown type ${describe(unknown.type)}`);
    }
  }
  const bytes = encodeMsgpack(value);
  const bytesMax = messageBytesMax(limits);
  if (bytes.length > bytesMax) {
    ENCODE_FAIL[message.type](
      `${bytes.length} bytes, limit ${bytesMax} (frame minus encryption overhead)`,
    );
  }
  return bytes;
}
