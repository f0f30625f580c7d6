/**
 * Encoding of every protocol message through the one writer
 * (`msgpack_writer.ts`). Encoding checks the rules decoding enforces and
 * throws `RangeError`/`TypeError` (misuse), so a node does not send what a
 * peer would refuse; the one exception is a chat's `body`, which is trusted
 * as received (it was validated when decoded) and forwarded verbatim.
 *
 * @module
 */

import type { VectorClock } from "../causal/vector_clock.ts";
import { isChatSignatureForm } from "./batch_signature.ts";
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
import { hexToBytes } from "./hex.ts";
import {
  type AnyMessage,
  DIRECT_BOX_BYTES_MAX,
  DIRECT_HOPS_MAX,
  DIRECT_ID_BYTES,
  type MemberInfo,
  PEER_ID_BYTES,
  type PeerId,
  SIGNATURE_BYTES,
  TEXT_HASH_BYTES,
  VERSION_DIGEST_BYTES,
} from "./message.ts";
import {
  type ChatBodyFields,
  checkNonce,
  failures,
  MESSAGE_TYPE_CODES,
  messageBytesMax,
  PROTOCOL_MAGIC,
  ROLES,
  STATUSES,
  type Subject,
} from "./message_layout.ts";
import { AMENDMENT_CODES, amendmentProblem, chatTextHash } from "./chat_text.ts";
import { encodeMsgpack } from "./msgpack_writer.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "./wire_limits.ts";

const ENCODE_FAIL: Readonly<Record<Subject, Fail>> = failures(
  "encode",
  (message) => new RangeError(message),
);

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

function encodeMember(
  member: MemberInfo,
  prefix: string,
  limits: WireLimits,
  fail: Fail,
  unsignedNick = false,
): unknown[] {
  const status = STATUSES.indexOf(member.status);
  if (status < 0) {
    fail(`${prefix}status must be alive, suspect or dead, got ${describe(member.status)}`);
  }
  const fields: unknown[] = [
    encodeId(member.id, `${prefix}id`, fail),
    checkAddr(member.addr, `${prefix}addr`, limits, fail),
    checkUint(member.incarnation, `${prefix}incarnation`, fail),
    status,
  ];
  const signature = member.signature;
  if (signature !== undefined) {
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) {
      fail(`${prefix}signature must be ${SIGNATURE_BYTES} bytes, got ${describe(signature)}`);
    }
    if (member.status === "suspect") fail(`${prefix}signature on a suspect record`);
    fields.push(signature);
  }
  // The nick comes after the signature in the layout: only the member's own
  // (signed) record names it. A record not signed (yet: a node's own record
  // is signed on its way out, where the runtime signs records) goes without.
  if (member.nick !== undefined && (signature !== undefined || unsignedNick)) {
    fields.push(checkNick(member.nick, `${prefix}nick`, limits, fail));
  }
  return fields;
}

/**
 * The bytes a member signs for its own record: `[id, addr, incarnation,
 * status]` as MessagePack, exactly as a `member` entry carries them before
 * the signature, and `nick` appended as a fifth element when the record
 * names one (`[id, addr, incarnation, status, nick]`).
 *
 * @throws {RangeError} if a field could not go on the wire.
 */
export function encodeMemberRecord(member: MemberInfo): Uint8Array {
  const fields = encodeMember(
    {
      id: member.id,
      addr: member.addr,
      incarnation: member.incarnation,
      status: member.status,
      ...(member.nick === undefined ? {} : { nick: member.nick }),
    },
    "",
    DEFAULT_WIRE_LIMITS,
    ENCODE_FAIL.member,
    true,
  );
  return encodeMsgpack(fields);
}

/**
 * Encodes a clock sorted by id, so equal clocks give equal bytes; an entry
 * with a version digest (in `have`) carries it as a third element.
 */
function encodeClock(
  clock: VectorClock,
  limits: WireLimits,
  fail: Fail,
  digests?: ReadonlyMap<PeerId, Uint8Array>,
): unknown[] {
  if (clock.size > limits.clockEntriesMax) {
    fail(`clock has ${clock.size} entries, limit ${limits.clockEntriesMax}`);
  }
  return [...clock.keys()].sort().map((id) => {
    const entry: unknown[] = [
      encodeId(id, "clock id", fail),
      checkPositive(clock.get(id), `clock entry of ${id}`, fail),
    ];
    const digest = digests?.get(id);
    if (digest !== undefined) {
      if (!(digest instanceof Uint8Array) || digest.length !== VERSION_DIGEST_BYTES) {
        fail(`digest of ${id} must be ${VERSION_DIGEST_BYTES} bytes, got ${describe(digest)}`);
      }
      entry.push(digest);
    }
    return entry;
  });
}

/**
 * Encode a chat body, `[author, seq, clock, nick, textHash, ts]` (and
 * `[kind, target]` after it for an edit or delete): the bytes an author signs
 * and every relay forwards unchanged. The body carries SHA-256 of the text,
 * not the text, so that a redacted copy still verifies (`chat_text.ts`).
 * Clock entries are sorted by id, so equal fields give equal bytes.
 *
 * @param limits Limits to check against. Default `DEFAULT_WIRE_LIMITS`.
 * @throws {RangeError} if a field breaks a rule `decodeMessage` enforces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeChatBody } from "./message_encode.ts";
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
  if (fields.redacted !== true) checkStr(fields.text, "text", limits.textBytesMax, fail);
  let hash: Uint8Array;
  try {
    hash = chatTextHash(fields);
  } catch (error) {
    return fail((error as Error).message, error);
  }
  if (hash.length !== TEXT_HASH_BYTES) {
    fail(`textHash must be ${TEXT_HASH_BYTES} bytes, got ${hash.length}`);
  }
  const ts = checkInt(fields.ts, "ts", fail);
  if (fields.amends === undefined) return encodeMsgpack([author, seq, clock, nick, hash, ts]);
  const problem = amendmentProblem(fields.amends, seq, hash);
  if (problem !== undefined) fail(problem);
  const amends = [AMENDMENT_CODES[fields.amends.kind], fields.amends.target];
  return encodeMsgpack([author, seq, clock, nick, hash, ts, amends]);
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
 * import { encodeMessage } from "./message_encode.ts";
 *
 * assert.equal(encodeMessage({ type: "register" }).join(), "145,2");
 * ```
 */
export function encodeMessage(
  message: AnyMessage,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
): Uint8Array {
  const type: unknown = message.type;
  if (typeof type !== "string" || !Object.hasOwn(ENCODERS, type)) {
    throw new TypeError(`Cannot encode message: unknown type ${describe(type)}`);
  }
  const encode = ENCODERS[type as AnyMessage["type"]] as Encoder<AnyMessage>;
  const bytes = encodeMsgpack(encode(message, limits));
  const bytesMax = messageBytesMax(limits);
  if (bytes.length > bytesMax) {
    ENCODE_FAIL[message.type](
      `${bytes.length} bytes, limit ${bytesMax} (frame minus encryption overhead)`,
    );
  }
  return bytes;
}

/** Checks the fields of one message type and lays them out as an array (type code first). */
type Encoder<M extends AnyMessage> = (message: M, limits: WireLimits) => unknown[];

type MessageOf<T extends AnyMessage["type"]> = Extract<AnyMessage, { type: T }>;

const ENCODERS: { readonly [T in AnyMessage["type"]]: Encoder<MessageOf<T>> } = {
  "hello": (message, limits) => {
    const fail: Fail = ENCODE_FAIL.hello;
    const role = ROLES.indexOf(message.role);
    if (role < 0) fail(`role must be peer or bootstrap, got ${describe(message.role)}`);
    return [
      MESSAGE_TYPE_CODES.hello,
      PROTOCOL_MAGIC,
      checkUint(message.version, "version", fail),
      encodeId(message.id, "id", fail),
      checkAddr(message.addr, "addr", limits, fail),
      checkNick(message.nick, "nick", limits, fail),
      role,
      checkUint(message.incarnation ?? 0, "incarnation", fail),
      ...(message.seen === undefined ? [] : [checkAddr(message.seen, "seen", limits, fail)]),
    ];
  },
  "register": () => [MESSAGE_TYPE_CODES.register],
  "get-peers": (message) =>
    message.all === undefined
      ? [MESSAGE_TYPE_CODES["get-peers"]]
      : [MESSAGE_TYPE_CODES["get-peers"], message.all ? 1 : 0],
  "peers": (message, limits) => {
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
    return message.total === undefined
      ? [MESSAGE_TYPE_CODES.peers, list]
      : [MESSAGE_TYPE_CODES.peers, list, checkUint(message.total, "total", fail)];
  },
  "member": (message, limits) => [
    MESSAGE_TYPE_CODES.member,
    ...encodeMember(message.member, "", limits, ENCODE_FAIL.member),
  ],
  "ping": (message) => [MESSAGE_TYPE_CODES.ping, checkNonce(message.nonce, ENCODE_FAIL.ping)],
  "pong": (message) => [MESSAGE_TYPE_CODES.pong, checkNonce(message.nonce, ENCODE_FAIL.pong)],
  "chat": (message, limits) => {
    const fail: Fail = ENCODE_FAIL.chat;
    const { signature } = message.message;
    if (!(signature instanceof Uint8Array) || !isChatSignatureForm(signature)) {
      fail(
        `signature must be 0 or ${SIGNATURE_BYTES} bytes or a batch signature, ` +
          `got ${describe(signature)}`,
      );
    }
    const body = message.message.body ?? encodeChatBody(message.message, limits);
    const repair = message.repair === true ? 1 : 0;
    // The text travels outside the signed body; the redacted form leaves it out.
    if (message.message.redacted === true) {
      return [MESSAGE_TYPE_CODES.chat, body, signature, repair];
    }
    const text = checkStr(message.message.text, "text", limits.textBytesMax, fail);
    return [MESSAGE_TYPE_CODES.chat, body, signature, repair, text];
  },
  "bye": (message, limits) => [
    MESSAGE_TYPE_CODES.bye,
    checkStr(message.reason, "reason", limits.reasonBytesMax, ENCODE_FAIL.bye),
  ],
  "prune": (message, limits) => {
    const fail: Fail = ENCODE_FAIL.prune;
    if (message.authors.length > limits.clockEntriesMax) {
      fail(`${message.authors.length} authors, limit ${limits.clockEntriesMax}`);
    }
    const authors = message.authors.map((id, i) => encodeId(id, `authors[${i}]`, fail));
    // Written only when set, so a plain prune keeps its two elements.
    return message.sharedTree === true
      ? [MESSAGE_TYPE_CODES.prune, authors, 1]
      : [MESSAGE_TYPE_CODES.prune, authors];
  },
  "have": (message, limits) => [
    MESSAGE_TYPE_CODES.have,
    message.full ? 1 : 0,
    encodeClock(message.clock, limits, ENCODE_FAIL.have, message.digests),
  ],
  "skip": (message, limits) => [
    MESSAGE_TYPE_CODES.skip,
    encodeClock(message.clock, limits, ENCODE_FAIL.skip),
  ],
  "want": (message, limits) => {
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
    return [MESSAGE_TYPE_CODES.want, message.graft ? 1 : 0, ranges];
  },
  "direct": (message) => {
    const fail: Fail = ENCODE_FAIL.direct;
    if (message.hops > DIRECT_HOPS_MAX) fail(`hops is ${message.hops}, limit ${DIRECT_HOPS_MAX}`);
    if (message.box.length === 0 || message.box.length > DIRECT_BOX_BYTES_MAX) {
      fail(`box is ${message.box.length} bytes, expected 1..${DIRECT_BOX_BYTES_MAX}`);
    }
    const idBytes = hexToBytes(message.id);
    if (idBytes.length !== DIRECT_ID_BYTES) fail(`id must be ${DIRECT_ID_BYTES} bytes of hex`);
    return [
      MESSAGE_TYPE_CODES.direct,
      encodeId(message.to, "to", fail),
      idBytes,
      checkUint(message.hops, "hops", fail),
      message.box,
    ];
  },
  "probe": (message) => [
    MESSAGE_TYPE_CODES.probe,
    encodeId(message.target, "target", ENCODE_FAIL.probe),
    checkNonce(message.nonce, ENCODE_FAIL.probe),
  ],
  "probe-ack": (message) => [
    MESSAGE_TYPE_CODES["probe-ack"],
    encodeId(message.target, "target", ENCODE_FAIL["probe-ack"]),
    checkNonce(message.nonce, ENCODE_FAIL["probe-ack"]),
  ],
};
