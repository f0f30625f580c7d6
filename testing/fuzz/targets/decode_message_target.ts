/**
 * Fuzz target `decode-message`: valid, re-widened, mutated and random frame
 * payloads into `decodeMessage`. Checked for every input:
 *
 * - it throws nothing but `ProtocolError`;
 * - whatever it returns re-encodes with `encodeMessage` to bytes that decode
 *   to an equal message (a valid generated message re-encodes to its own bytes);
 * - the same value written with other (valid) MessagePack widths decodes equal;
 * - a chat read by the one-pass fast path decodes exactly as the general
 *   decoder reads it (its outer array re-headed as array 16 forces the
 *   general path).
 *
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import type { Random } from "../../../lib/random/random.ts";
import { bytesToHex } from "../../../lib/wire/hex.ts";
import type { AnyMessage } from "../../../lib/wire/message.ts";
import { decodeMessage } from "../../../lib/wire/message_decode.ts";
import { encodeMessage } from "../../../lib/wire/message_encode.ts";
import { MESSAGE_TYPE_CODES } from "../../../lib/wire/message_layout.ts";
import { ProtocolError } from "../../../lib/wire/protocol_error.ts";
import {
  DEFAULT_WIRE_LIMITS,
  MESSAGE_OVERHEAD_BYTES,
  type WireLimits,
} from "../../../lib/wire/wire_limits.ts";
import type { FuzzTarget } from "../harness/fuzz_campaign.ts";
import { chance, choose, intIn, randomBytes, weighted } from "../harness/fuzz_random.ts";
import { generateEncodedMessage, MESSAGE_TYPES } from "../mutators/message_generator.ts";
import { type PackNode, packTree, unpackTree } from "../mutators/msgpack_tree.ts";
import { mutateBytes } from "../mutators/mutate_bytes.ts";
import {
  mutateTree,
  randomMessageTree,
  randomTree,
  widenTree,
} from "../mutators/mutate_msgpack.ts";

/** Small limits, so that every limit is reached by short inputs. */
export const SMALL_WIRE_LIMITS: WireLimits = Object.freeze({
  frameBytesMax: 1024,
  textBytesMax: 16,
  nickBytesMax: 4,
  addrBytesMax: 24,
  clockEntriesMax: 3,
  peersPerMessageMax: 2,
  reasonBytesMax: 8,
});

/** A failed check, with the input that failed it. */
export class DecodeCheckError extends Error {
  /** Always `"DecodeCheckError"`. */
  override name = "DecodeCheckError";
}

/** Hex of at most `max` bytes of the input, for error messages. */
export function hexExcerpt(bytes: Uint8Array, max = 160): string {
  const head = bytesToHex(bytes.subarray(0, max));
  return bytes.length > max
    ? `${head}… (${bytes.length} bytes)`
    : `${head} (${bytes.length} bytes)`;
}

function limitsName(limits: WireLimits): string {
  return limits === DEFAULT_WIRE_LIMITS ? "default limits" : "small limits";
}

/** `decodeMessage`, returning the ProtocolError instead of throwing it; anything else thrown is a failure. */
function decodeOrReject(
  bytes: Uint8Array,
  limits: WireLimits,
  what: string,
): AnyMessage | ProtocolError {
  try {
    return decodeMessage(bytes, limits);
  } catch (error) {
    if (error instanceof ProtocolError && error.name === "ProtocolError") return error;
    throw new DecodeCheckError(
      `decodeMessage threw ${describeError(error)} (not a ProtocolError) on ${what} ` +
        `${hexExcerpt(bytes)} with ${limitsName(limits)}`,
      { cause: error },
    );
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Every check of this target on one input; returns the decoded message or
 * `undefined` if it was rejected.
 *
 * @throws {DecodeCheckError} if a check fails.
 */
export function checkDecode(
  bytes: Uint8Array,
  limits: WireLimits = DEFAULT_WIRE_LIMITS,
  what = "input",
): AnyMessage | undefined {
  const decoded = decodeOrReject(bytes, limits, what);
  checkFastPath(bytes, decoded, limits, what);
  if (decoded instanceof ProtocolError) return undefined;
  let again: Uint8Array;
  try {
    again = encodeMessage(decoded, limits);
  } catch (error) {
    throw new DecodeCheckError(
      `a decoded ${decoded.type} does not re-encode: ${describeError(error)}; ${what} ` +
        `${hexExcerpt(bytes)} with ${limitsName(limits)}`,
      { cause: error },
    );
  }
  const redecoded = decodeOrReject(again, limits, "re-encoded input");
  if (!sameMessage(redecoded, decoded)) {
    throw new DecodeCheckError(
      `a decoded ${decoded.type} re-encodes to something else: ${what} ${hexExcerpt(bytes)} ` +
        `re-encoded as ${hexExcerpt(again)}, which decodes to ${describeError(redecoded)}`,
    );
  }
  return decoded;
}

/**
 * A chat payload whose outer array is a fixarray goes through the fast path;
 * the same payload with an array 16 head takes the general path. Both must agree.
 */
function checkFastPath(
  bytes: Uint8Array,
  decoded: AnyMessage | ProtocolError,
  limits: WireLimits,
  what: string,
): void {
  const head = bytes[0];
  if (
    (head !== 0x93 && head !== 0x94) || bytes[1] !== MESSAGE_TYPE_CODES.chat ||
    bytes.length + 2 > messageBytesMax(limits)
  ) {
    return;
  }
  const general = new Uint8Array(bytes.length + 2);
  general.set([0xdc, 0x00, head & 0x0f]);
  general.set(bytes.subarray(1), 3);
  const reference = decodeOrReject(general, limits, `${what} re-headed as array 16`);
  const agree = decoded instanceof ProtocolError
    ? reference instanceof ProtocolError
    : !(reference instanceof ProtocolError) && isDeepStrictEqual(decoded, reference);
  if (!agree) {
    throw new DecodeCheckError(
      `the chat fast path and the general decoder disagree on ${what} ${hexExcerpt(bytes)} ` +
        `with ${limitsName(limits)}: fast path ${summarise(decoded)}, general path ${
          summarise(reference)
        }`,
    );
  }
}

/**
 * Whether two decoded messages say the same: deep equality, except that a
 * chat's `repair: false` and an absent `repair` are the same (PROTOCOL.md: an
 * absent flag reads as 0), and `encodeMessage` writes the shorter form.
 */
function sameMessage(a: AnyMessage | ProtocolError, b: AnyMessage | ProtocolError): boolean {
  const plain = (m: AnyMessage | ProtocolError) =>
    !(m instanceof ProtocolError) && m.type === "chat" && m.repair === false
      ? { type: m.type, message: m.message }
      : m;
  return isDeepStrictEqual(plain(a), plain(b));
}

function summarise(result: AnyMessage | ProtocolError): string {
  return result instanceof ProtocolError
    ? `rejects it (${result.message})`
    : `accepts it as ${result.type}`;
}

/** How one input of the target is made. */
type InputKind =
  | "valid"
  | "widened"
  | "byte-mutated"
  | "tree-mutated"
  | "random-bytes"
  | "random-message-tree"
  | "random-tree"
  | "padded";

/** A random input for `decodeMessage`, and how it was made. */
export function generateDecodeInput(
  random: Random,
  limits: WireLimits,
  largeRate = 0.2,
): { readonly kind: InputKind; readonly bytes: Uint8Array; readonly valid?: Uint8Array } {
  const kind = weighted<InputKind>(random, [
    ["valid", 1],
    ["widened", 2],
    ["byte-mutated", 5],
    ["tree-mutated", 6],
    ["random-bytes", 1],
    ["random-message-tree", 2],
    ["random-tree", 1],
    ["padded", 1],
  ]);
  // Chat is most of the traffic and has the most structure: give it a third of the inputs.
  const type = chance(random, 0.33) ? "chat" : choose(random, MESSAGE_TYPES);
  const edgeRate = chance(random, largeRate) ? 0.3 : 0.03;
  switch (kind) {
    case "valid": {
      const { bytes } = generateEncodedMessage(random, { limits, edgeRate }, type);
      return { kind, bytes, valid: bytes };
    }
    case "widened": {
      const { bytes } = generateEncodedMessage(random, { limits, edgeRate }, type);
      return { kind, bytes: packTree(widenTree(random, unpackTree(bytes)!)), valid: bytes };
    }
    case "byte-mutated": {
      const { bytes } = generateEncodedMessage(random, { limits, edgeRate }, type);
      const donor = generateEncodedMessage(random, { limits, edgeRate: 0.01 }).bytes;
      return { kind, bytes: mutateBytes(random, bytes, { donors: [donor] }) };
    }
    case "tree-mutated": {
      const { bytes } = generateEncodedMessage(random, { limits, edgeRate }, type);
      return { kind, bytes: packTree(mutateTree(random, unpackTree(bytes)!, { limits })) };
    }
    case "random-bytes":
      return {
        kind,
        bytes: randomBytes(random, intIn(random, 0, chance(random, 0.9) ? 64 : 70_000)),
      };
    case "random-message-tree":
      return { kind, bytes: packTree(randomMessageTree(random, chance(random, 0.7))) };
    case "random-tree":
      return { kind, bytes: packTree(randomTree(random, false)) };
    case "padded": {
      // Appended elements up to the message limit: a receiver must ignore them, in a chat's body too.
      const { bytes } = generateEncodedMessage(random, { limits, edgeRate: 0.01 }, type);
      const inBody = type === "chat" && chance(random, 0.5);
      const { padded, complete } = padTo(bytes, messageBytesMax(limits) - random.int(41), inBody);
      return inBody || !complete ? { kind, bytes: padded } : { kind, bytes: padded, valid: bytes };
    }
  }
}

/** Elements of each layout with its optional ones (which padding must not land in). */
const FULL_LAYOUT: Readonly<Partial<Record<AnyMessage["type"], number>>> = {
  "hello": 8,
  "get-peers": 2,
  "peers": 3,
  "chat": 4,
};

/**
 * `bytes` with a trailing bin appended (to the message, or to a chat's body)
 * so that it is `size` bytes long; an optional element left out is put in
 * first, as 0 (then the message is not `complete`: it reads differently).
 */
function padTo(
  bytes: Uint8Array,
  size: number,
  inBody: boolean,
): { padded: Uint8Array; complete: boolean } {
  const parsed = unpackTree(bytes);
  if (parsed?.kind !== "array") return { padded: bytes, complete: false };
  const code = parsed.items[0]?.kind === "int" ? Number(parsed.items[0].value) : -1;
  const type = MESSAGE_TYPES.find((t) => MESSAGE_TYPE_CODES[t] === code);
  const full = (type === undefined ? undefined : FULL_LAYOUT[type]) ?? parsed.items.length;
  const items = [...parsed.items];
  while (items.length < full) items.push({ kind: "int", value: 0n });
  const tree = { kind: "array" as const, items };
  const complete = items.length === parsed.items.length;
  const build = (length: number): Uint8Array => {
    const pad: PackNode = { kind: "bin", bytes: new Uint8Array(Math.max(0, length)) };
    const body = tree.items[1];
    if (inBody && body?.kind === "bin") {
      const inner = unpackTree(body.bytes);
      if (inner?.kind === "array") {
        const items = [...tree.items];
        items[1] = {
          kind: "bin",
          bytes: packTree({ kind: "array", items: [...inner.items, pad] }),
        };
        return packTree({ kind: "array", items });
      }
    }
    return packTree({ kind: "array", items: [...tree.items, pad] });
  };
  const first = build(size - bytes.length - 6);
  return { padded: build(size - bytes.length - 6 + size - first.length), complete };
}

/** The largest message `decodeMessage` accepts: one frame, less what encryption adds. */
function messageBytesMax(limits: WireLimits): number {
  return limits.frameBytesMax - MESSAGE_OVERHEAD_BYTES;
}

/** The target. */
export const DECODE_MESSAGE_TARGET: FuzzTarget = {
  name: "decode-message",
  description:
    "valid, re-widened, byte- and structure-mutated and random payloads into decodeMessage: " +
    "only ProtocolError; accepted input round-trips; fast path agrees with the general decoder",
  prepare: () => (random) => {
    const limits = chance(random, 0.8) ? DEFAULT_WIRE_LIMITS : SMALL_WIRE_LIMITS;
    const input = generateDecodeInput(random, limits);
    const decoded = checkDecode(input.bytes, limits, `${input.kind} input`);
    // Widening may push a message past the size limit: then a rejection is right.
    if (input.valid === undefined || input.bytes.length > messageBytesMax(limits)) return;
    // A valid message, however wide its encoding, decodes to the message its shortest encoding gives.
    if (decoded === undefined) {
      throw new DecodeCheckError(
        `a valid message was rejected: ${input.kind} input ${hexExcerpt(input.bytes)} ` +
          `(shortest form ${hexExcerpt(input.valid)}): ${
            describeError(decodeOrReject(input.bytes, limits, ""))
          }`,
      );
    }
    const canonical = decodeMessage(input.valid, limits);
    if (!isDeepStrictEqual(decoded, canonical)) {
      throw new DecodeCheckError(
        `${input.kind} input ${hexExcerpt(input.bytes)} decodes unlike its shortest form ${
          hexExcerpt(input.valid)
        }`,
      );
    }
    if (input.kind === "valid" && !isDeepStrictEqual(encodeMessage(decoded, limits), input.valid)) {
      throw new DecodeCheckError(`a valid ${decoded.type} does not re-encode to its own bytes`);
    }
  },
};

/**
 * A step for heap checks: `step(i)` decodes a fresh one-byte mutation of
 * input `i mod corpusSize` of a generated corpus, and throws if anything
 * but a `ProtocolError` comes out.
 */
export function mutatedDecodeSteps(random: Random, corpusSize = 1024): (iteration: number) => void {
  const corpus: Uint8Array[] = [];
  while (corpus.length < corpusSize) {
    // Inputs of a few KiB at most: the check is about what stays behind, not about speed.
    const { bytes } = generateDecodeInput(random, DEFAULT_WIRE_LIMITS, 0.02);
    if (bytes.length <= 4096) corpus.push(bytes);
  }
  return (iteration) => {
    const input = corpus[iteration % corpus.length]!.slice();
    if (input.length > 0) input[random.int(input.length)] = random.int(256);
    try {
      decodeMessage(input);
    } catch (error) {
      if (!(error instanceof ProtocolError)) {
        throw new DecodeCheckError(
          `decodeMessage threw ${describeError(error)} on ${hexExcerpt(input)}`,
          { cause: error },
        );
      }
    }
  };
}
