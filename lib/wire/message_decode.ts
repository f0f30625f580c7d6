/**
 * Decoding of every protocol message, with full validation of what comes in.
 * Each frame payload is one MessagePack array whose first element is a type
 * code; PROTOCOL.md documents every layout.
 *
 * Two paths over the one reader (`msgpack_reader.ts`):
 *
 * - The chat fast path: the message that dominates traffic is walked with
 *   `MsgpackReader` straight into a `ChatMessage`, checking every rule the
 *   general path checks, in one pass and without intermediate arrays. On
 *   anything it does not expect — an error, but also a valid layout it leaves
 *   to the general path, such as appended elements — it gives up, and the
 *   general path runs instead (and, for an invalid message, throws its
 *   precise error). So it can only be faster, never more lenient.
 * - The general path: `readMsgpackValue` scans the shape (types, depth,
 *   UTF-8, int range, no trailing bytes) and builds the value, bins as views;
 *   then every field is checked against the layout and the `WireLimits`.
 *
 * Every failure throws `ProtocolError`.
 *
 * @module
 */

import { isChatSignatureForm } from "./batch_signature.ts";
import { addressProblem, checkAddr } from "./address.ts";
import {
  checkInt,
  checkNick,
  checkPositive,
  checkStr,
  checkUint,
  describeValue as describe,
  type FieldFail as Fail,
  hasControlCharacter,
  utf8Bytes,
} from "./fields.ts";
import { bytesToHex } from "./hex.ts";
import {
  type Amendment,
  type AnyMessage,
  type ChatMessage,
  DIRECT_BOX_BYTES_MAX,
  DIRECT_HOPS_MAX,
  DIRECT_ID_BYTES,
  type Hello,
  type MemberInfo,
  PEER_ID_BYTES,
  type PeerId,
  PROTOCOL_VERSION,
  type SeqRange,
  SIGNATURE_BYTES,
  TEXT_HASH_BYTES,
  VERSION_DIGEST_BYTES,
} from "./message.ts";
import { AMENDMENT_CODES, amendmentProblem, textMatches } from "./chat_text.ts";
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
import { MsgpackReader, readMsgpackValue } from "./msgpack_reader.ts";
import { peerIdAt } from "./peer_id_interner.ts";
import { ProtocolError } from "./protocol_error.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "./wire_limits.ts";

const DECODE_FAIL: Readonly<Record<Subject, Fail>> = failures(
  "decode",
  (message, cause) => new ProtocolError(message, cause === undefined ? undefined : { cause }),
);

/** Wire id (bin of 32 bytes) → in-memory id (lowercase hex). */
function decodeId(value: unknown, field: string, fail: Fail): PeerId {
  if (!(value instanceof Uint8Array) || value.length !== PEER_ID_BYTES) {
    fail(`${field} must be a bin of ${PEER_ID_BYTES} bytes, got ${describe(value)}`);
  }
  return peerIdAt(value, 0);
}

function checkLength(array: readonly unknown[], min: number, fail: Fail): void {
  if (array.length < min) fail(`expected at least ${min} elements, got ${array.length}`);
}

function checkArray(value: unknown, field: string, fail: Fail): unknown[] {
  if (!Array.isArray(value)) fail(`${field} must be an array, got ${describe(value)}`);
  return value;
}

/** Bytes of a MessagePack bin header for `length` bytes. */
function binHeaderBytes(length: number): number {
  return length <= 0xff ? 2 : length <= 0xffff ? 3 : 5;
}

/** Bytes of a MessagePack str header for `length` bytes. */
function strHeaderBytes(length: number): number {
  return length <= 31 ? 1 : length <= 0xff ? 2 : length <= 0xffff ? 3 : 5;
}

/**
 * A chat is relayed and may be sent on as a repair
 * (`[8, body, signature, 1, text]`): refuse one whose repair form would not
 * fit, so that every chat a node accepts it can also pass on.
 */
function checkRelayable(message: ChatMessage, bytesMax: number, fail: Fail): void {
  const body = message.body?.length ?? 0;
  const signature = message.signature.length;
  const text = message.redacted === true ? -1 : utf8Bytes(message.text);
  const repairForm = 3 + binHeaderBytes(body) + body + binHeaderBytes(signature) + signature +
    (text < 0 ? 0 : strHeaderBytes(text) + text);
  if (repairForm > bytesMax) {
    fail(`it would be ${repairForm} bytes as a repair, limit ${bytesMax}`);
  }
}

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
  // The member's own signature came after the first layout: absent means a
  // rumor. Anything else there (a later version's field) is ignored like any
  // trailing element; the record is then a rumor, with no power over the
  // member's incarnation. A suspicion is never signed.
  const signature = array[offset + 4];
  if (
    !(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES ||
    status === "suspect"
  ) {
    return { id, addr, incarnation, status };
  }
  // A copy: the table keeps it, and must not keep the whole frame alive.
  const signed = { id, addr, incarnation, status, signature: signature.slice() };
  // The nick came after the signature: absent means the record names none;
  // anything but a str (a later version's field) is ignored, and then the
  // signature, which covers the nick, decides.
  const nick = array[offset + 5];
  if (typeof nick !== "string") return signed;
  return { ...signed, nick: checkNick(nick, `${prefix}nick`, limits, fail) };
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
  // What the sender sees of us came later still: a value that is not an address
  // (a later version's field) is ignored like a trailing element.
  const seen = array[8];
  if (
    typeof seen === "string" && utf8Bytes(seen) <= limits.addrBytesMax &&
    addressProblem(seen) === undefined
  ) {
    return { type: "hello", version, id, addr, nick, role, incarnation, seen };
  }
  return { type: "hello", version, id, addr, nick, role, incarnation };
}

/**
 * A clock on the wire: `[[id, n], …]`, n ≥ 1, ids distinct, at most
 * `clockEntriesMax`. With `digests`, a third element of an entry that is a
 * version digest is collected there (other trailing elements are ignored).
 */
function decodeClock(
  value: unknown,
  limits: WireLimits,
  fail: Fail,
  digests?: Map<PeerId, Uint8Array>,
): Map<PeerId, number> {
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
    const digest = entry[2];
    if (digests !== undefined && digest instanceof Uint8Array) {
      if (digest.length === VERSION_DIGEST_BYTES) digests.set(id, digest.slice());
    }
  }
  return clock;
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
  const hash = array[4];
  if (!(hash instanceof Uint8Array) || hash.length !== TEXT_HASH_BYTES) {
    fail(`textHash must be a bin of ${TEXT_HASH_BYTES} bytes, got ${describe(hash)}`);
  }
  const ts = checkInt(array[5], "ts", fail);
  const fields = { author, seq, clock, nick, text: "", textHash: hash.slice(), ts };
  if (array.length < 7) return fields;
  const entry = checkArray(array[6], "amends", fail);
  checkLength(entry, 2, fail);
  const code = checkUint(entry[0], "amends kind", fail);
  const kind = code === AMENDMENT_CODES.edit
    ? "edit"
    : code === AMENDMENT_CODES.delete
    ? "delete"
    : fail(`amends kind must be 1 (edit) or 2 (delete), got ${code}`);
  const amends = { kind, target: checkUint(entry[1], "amends target", fail) } as const;
  const problem = amendmentProblem(amends, seq, fields.textHash);
  if (problem !== undefined) fail(problem);
  return { ...fields, amends };
}

/**
 * The chat's text, if it came with one (element 4 of the chat array), checked
 * against the hash its body carries; absent is the redacted form.
 */
function withText(
  fields: ChatBodyFields,
  text: unknown,
  limits: WireLimits,
  fail: Fail,
): ChatBodyFields {
  if (text === undefined) return { ...fields, redacted: true };
  const checked = checkStr(text, "text", limits.textBytesMax, fail);
  if (!textMatches(checked, fields.textHash!)) fail("text does not match the hash in its body");
  return { ...fields, text: checked };
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
 * import { decodeMessage } from "./message_decode.ts";
 * import { encodeMessage } from "./message_encode.ts";
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
  const decode = typeof code === "number" ? DECODERS[code] : undefined;
  if (decode === undefined) return failMessage(`unknown type code ${describe(code)}`);
  return decode(value, limits);
}

/** Decodes the fields of one message type from its array (type code first). */
type Decoder = (value: readonly unknown[], limits: WireLimits) => AnyMessage;

function decodeGetPeers(value: readonly unknown[]): AnyMessage {
  // `all` came after the first layout: absent means a sample.
  if (value.length < 2) return { type: "get-peers" };
  return { type: "get-peers", all: checkFlag(value[1], "all", DECODE_FAIL["get-peers"]) };
}

function decodePeers(value: readonly unknown[], limits: WireLimits): AnyMessage {
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

function decodeMember(value: readonly unknown[], limits: WireLimits): AnyMessage {
  const fail: Fail = DECODE_FAIL.member;
  checkLength(value, 5, fail);
  return { type: "member", member: decodeMemberAt(value, 1, "", limits, fail) };
}

function decodeNonce(type: "ping" | "pong"): Decoder {
  const fail: Fail = DECODE_FAIL[type];
  return (value) => {
    checkLength(value, 2, fail);
    return { type, nonce: checkNonce(value[1], fail) };
  };
}

function decodeChat(value: readonly unknown[], limits: WireLimits): AnyMessage {
  const fail: Fail = DECODE_FAIL.chat;
  checkLength(value, 3, fail);
  const body = value[1];
  if (!(body instanceof Uint8Array)) fail(`body must be a bin, got ${describe(body)}`);
  const signature = value[2];
  if (!(signature instanceof Uint8Array) || !isChatSignatureForm(signature)) {
    fail(
      `signature must be a bin of 0 or ${SIGNATURE_BYTES} bytes or a batch signature, ` +
        `got ${describe(signature)}`,
    );
  }
  // Copies: the message outlives the frame buffer it came in.
  const ownBody = body.slice();
  const fields = withText(decodeChatBody(ownBody, limits), value[4], limits, fail);
  const message = { ...fields, signature: signature.slice(), body: ownBody };
  checkRelayable(message, messageBytesMax(limits), fail);
  // `repair` absent means a tree push.
  if (value.length < 4) return { type: "chat", message };
  return { type: "chat", message, repair: checkFlag(value[3], "repair", fail) };
}

function decodeBye(value: readonly unknown[], limits: WireLimits): AnyMessage {
  const fail: Fail = DECODE_FAIL.bye;
  checkLength(value, 2, fail);
  return { type: "bye", reason: checkStr(value[1], "reason", limits.reasonBytesMax, fail) };
}

function decodePrune(value: readonly unknown[], limits: WireLimits): AnyMessage {
  const fail: Fail = DECODE_FAIL.prune;
  checkLength(value, 2, fail);
  const list = checkArray(value[1], "authors", fail);
  if (list.length > limits.clockEntriesMax) {
    fail(`${list.length} authors, limit ${limits.clockEntriesMax}`);
  }
  const authors = list.map((id, i) => decodeId(id, `authors[${i}]`, fail));
  // Any value but 1 there is ignored, as a trailing element would be.
  const sharedTree = value[2] === 1;
  return sharedTree ? { type: "prune", authors, sharedTree } : { type: "prune", authors };
}

function decodeHave(value: readonly unknown[], limits: WireLimits): AnyMessage {
  const fail: Fail = DECODE_FAIL.have;
  checkLength(value, 3, fail);
  const digests = new Map<PeerId, Uint8Array>();
  const full = checkFlag(value[1], "full", fail);
  const clock = decodeClock(value[2], limits, fail, digests);
  return digests.size > 0 ? { type: "have", full, clock, digests } : { type: "have", full, clock };
}

function decodeWant(value: readonly unknown[], limits: WireLimits): AnyMessage {
  const fail: Fail = DECODE_FAIL.want;
  checkLength(value, 3, fail);
  return {
    type: "want",
    graft: checkFlag(value[1], "graft", fail),
    ranges: decodeRanges(value[2], limits, fail),
  };
}

function decodeSkip(value: readonly unknown[], limits: WireLimits): AnyMessage {
  const fail: Fail = DECODE_FAIL.skip;
  checkLength(value, 2, fail);
  return { type: "skip", clock: decodeClock(value[1], limits, fail) };
}

function decodeProbe(type: "probe" | "probe-ack"): Decoder {
  const fail: Fail = DECODE_FAIL[type];
  return (value) => {
    checkLength(value, 3, fail);
    return {
      type,
      target: decodeId(value[1], "target", fail),
      nonce: checkNonce(value[2], fail),
    };
  };
}

function decodeDirect(value: readonly unknown[]): AnyMessage {
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

/** The decoder of each type code (index = code). */
const DECODERS: readonly (Decoder | undefined)[] = (() => {
  const table: Record<AnyMessage["type"], Decoder> = {
    "hello": decodeHello,
    "register": () => ({ type: "register" }),
    "get-peers": decodeGetPeers,
    "peers": decodePeers,
    "member": decodeMember,
    "ping": decodeNonce("ping"),
    "pong": decodeNonce("pong"),
    "chat": decodeChat,
    "bye": decodeBye,
    "prune": decodePrune,
    "have": decodeHave,
    "want": decodeWant,
    "skip": decodeSkip,
    "probe": decodeProbe("probe"),
    "probe-ack": decodeProbe("probe-ack"),
    "direct": decodeDirect,
  };
  const byCode: (Decoder | undefined)[] = [];
  for (const [type, code] of Object.entries(MESSAGE_TYPE_CODES)) {
    byCode[code] = table[type as AnyMessage["type"]];
  }
  return byCode;
})();

// ---------------------------------------------------------------------------
// The chat fast path

/** Thrown by the reader on any surprise: the general path takes over. */
const FALLBACK = Object.freeze({ fallback: true });

const fallBack = (): never => {
  throw FALLBACK;
};

/**
 * The chat fast path (see the module doc): decodes a well-formed, plainly
 * laid-out `chat` frame payload, or returns `undefined` to leave it to the
 * general path. Exported for tests and the fuzzer, which check that the two
 * paths agree.
 */
export function decodeChatFast(
  bytes: Uint8Array,
  limits: WireLimits,
): { readonly message: ChatMessage; readonly repair: boolean | undefined } | undefined {
  try {
    return readChat(bytes, limits);
  } catch (error) {
    if (error === FALLBACK) return undefined;
    throw error;
  }
}

function readChat(
  bytes: Uint8Array,
  limits: WireLimits,
): { readonly message: ChatMessage; readonly repair: boolean | undefined } | undefined {
  const outer = new MsgpackReader(bytes, fallBack);
  const fields = outer.arrayLength("chat");
  if (fields < 3 || fields > 5 || outer.uint("type") !== MESSAGE_TYPE_CODES.chat) {
    return undefined;
  }
  const bodyView = outer.bin("body");
  const signatureView = outer.bin("signature");
  if (!isChatSignatureForm(signatureView)) return undefined;
  let repair: boolean | undefined;
  if (fields >= 4) {
    const flag = outer.uint("repair");
    if (flag !== 0 && flag !== 1) return undefined;
    repair = flag === 1;
  }
  const text = fields === 5 ? outer.str("text", limits.textBytesMax) : undefined;
  outer.end();

  // The message outlives the frame buffer: it keeps its own copy of the body.
  const body = bodyView.slice();
  const r = new MsgpackReader(body, fallBack);
  const elements = r.arrayLength("body");
  if (elements !== 6 && elements !== 7) return undefined;
  const author = peerIdAt(body, r.binOfLength("author", PEER_ID_BYTES));
  const seq = r.uint("seq");
  if (seq < 1) return undefined;
  const entries = r.arrayLength("clock");
  if (entries > limits.clockEntriesMax) return undefined;
  const clock = new Map<PeerId, number>();
  for (let i = 0; i < entries; i++) {
    if (r.arrayLength("clock entry") !== 2) return undefined;
    const id = peerIdAt(body, r.binOfLength("id", PEER_ID_BYTES));
    const n = r.uint("n");
    if (n < 1 || clock.has(id)) return undefined;
    clock.set(id, n);
  }
  if (clock.get(author) !== seq) return undefined;
  const nick = r.str("nick", limits.nickBytesMax);
  if (nick.length === 0 || hasControlCharacter(nick)) return undefined;
  const hashAt = r.binOfLength("textHash", TEXT_HASH_BYTES);
  const textHash = body.slice(hashAt, hashAt + TEXT_HASH_BYTES);
  const ts = r.int("ts");
  let amends: Amendment | undefined;
  if (elements === 7) {
    if (r.arrayLength("amends") !== 2) return undefined;
    const code = r.uint("amends kind");
    const kind = code === AMENDMENT_CODES.edit
      ? "edit"
      : code === AMENDMENT_CODES.delete
      ? "delete"
      : undefined;
    if (kind === undefined) return undefined;
    amends = { kind, target: r.uint("amends target") };
    if (amendmentProblem(amends, seq, textHash) !== undefined) return undefined;
  }
  r.end();
  if (text !== undefined && !textMatches(text, textHash)) return undefined;
  const message: ChatMessage = {
    author,
    seq,
    clock,
    nick,
    text: text ?? "",
    ts,
    textHash,
    ...(text === undefined ? { redacted: true } : {}),
    ...(amends === undefined ? {} : { amends }),
    signature: signatureView.slice(),
    body,
  };
  return { message, repair };
}
