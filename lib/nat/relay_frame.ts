/**
 * Relay frames: the few messages a connection carries before (or instead
 * of) its handshake when it is about relaying or reachability, not chat
 * (PROTOCOL.md § Relays). Each is one frame whose payload is the MessagePack
 * array `["p2pchat-relay", op, …]`; the magic str in first place is what
 * tells an acceptor such a frame from a handshake's first message (Noise
 * message 1, or a plain hello, which starts with the int 1).
 *
 * @module
 */

import { encodeMsgpack } from "../wire/msgpack_writer.ts";
import { readMsgpackValue } from "../wire/msgpack_reader.ts";
import { ProtocolError } from "../wire/protocol_error.ts";
import { bytesToHex, hexToBytes } from "../wire/hex.ts";
import type { PeerId } from "../wire/message.ts";
import { PEER_ID_BYTES } from "../wire/message.ts";
import { quoteForError } from "../wire/fields.ts";
import { addressProblem } from "../wire/address.ts";

/** The first element of every relay frame. */
export const RELAY_MAGIC = "p2pchat-relay";

/** Bytes of a stream token and a dial-back nonce. */
export const RELAY_TOKEN_BYTES = 16;

/** Longest refusal reason, in UTF-8 bytes. */
export const RELAY_REASON_BYTES_MAX = 128;

/**
 * Every relay frame. `reserve`, `connect`, `accept`, `dial-back` and
 * `dial-back-probe` open a connection; the rest answer.
 */
export type RelayFrame =
  /** A relay turns a request down; it closes the connection after this. */
  | { readonly op: "refused"; readonly reason: string }
  /**
   * A request was taken. On a relayed stream (answering `connect` or
   * `accept`) it says where the relay sees the other peer's connection come
   * from, `seen`, and from then on the relay carries the stream.
   */
  | { readonly op: "ok"; readonly seen?: string }
  /** Reserve a slot (the handshake follows on this connection); also a renewal inside it. */
  | { readonly op: "reserve" }
  /** The reservation holds for this long (inside the reservation's secure channel). */
  | { readonly op: "reserved"; readonly ttlMs: number }
  /** Carry a stream to `target`, which holds a reservation here. */
  | { readonly op: "connect"; readonly target: PeerId }
  /** Someone asks for a stream: open a connection and `accept` it with `token`. */
  | { readonly op: "incoming"; readonly token: string }
  /** The connection for stream `token`, answering `incoming`. */
  | { readonly op: "accept"; readonly token: string }
  /** Dial the host this connection comes from at `port`, and say whether it answered. */
  | { readonly op: "dial-back"; readonly nonce: string; readonly port: number }
  /** The dial-back's outcome. */
  | { readonly op: "dial-back-result"; readonly reached: boolean }
  /** The dial-back itself: the asker's listener learns it is reachable. */
  | { readonly op: "dial-back-probe"; readonly nonce: string }
  /** Each end of a relayed stream: it will connect from `port` to punch through (0: it will not). */
  | { readonly op: "punch"; readonly port: number }
  /** The dialer: whether the punched connection carries the link (else the relayed stream does). */
  | { readonly op: "punch-result"; readonly punched: boolean };

const OPS = [
  "refused",
  "ok",
  "reserve",
  "reserved",
  "connect",
  "incoming",
  "accept",
  "dial-back",
  "dial-back-result",
  "dial-back-probe",
  "punch",
  "punch-result",
] as const;

/** Relay frame payload bytes. */
export function encodeRelayFrame(frame: RelayFrame): Uint8Array {
  const code = OPS.indexOf(frame.op);
  const head = [RELAY_MAGIC, code];
  switch (frame.op) {
    case "refused":
      return encodeMsgpack([...head, truncateReason(frame.reason)]);
    case "ok":
      return encodeMsgpack(frame.seen === undefined ? head : [...head, frame.seen]);
    case "reserve":
      return encodeMsgpack(head);
    case "reserved":
      return encodeMsgpack([...head, frame.ttlMs]);
    case "connect":
      return encodeMsgpack([...head, hexToBytes(frame.target)]);
    case "incoming":
    case "accept":
      return encodeMsgpack([...head, hexToBytes(frame.token)]);
    case "dial-back-probe":
      return encodeMsgpack([...head, hexToBytes(frame.nonce)]);
    case "dial-back":
      return encodeMsgpack([...head, hexToBytes(frame.nonce), frame.port]);
    case "dial-back-result":
      return encodeMsgpack([...head, frame.reached ? 1 : 0]);
    case "punch":
      return encodeMsgpack([...head, frame.port]);
    case "punch-result":
      return encodeMsgpack([...head, frame.punched ? 1 : 0]);
  }
}

/**
 * Whether a connection's first frame is a relay frame: a MessagePack array
 * whose first element is the str `"p2pchat-relay"`. A Noise message 1 could
 * start with those 15 bytes by chance once in 2^120.
 */
export function isRelayFrame(payload: Uint8Array): boolean {
  const head = payload[0];
  if (head === undefined || head < 0x92 || head > 0x9f) return false;
  if (payload[1] !== 0xa0 + RELAY_MAGIC.length) return false;
  for (let i = 0; i < RELAY_MAGIC.length; i++) {
    if (payload[2 + i] !== RELAY_MAGIC.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Decodes a relay frame payload. Elements after the ones an op defines are
 * ignored, as everywhere in the protocol.
 *
 * @throws {ProtocolError} when it is not one.
 */
export function decodeRelayFrame(payload: Uint8Array): RelayFrame {
  const fail = (detail: string): never => {
    throw new ProtocolError(`Cannot decode relay frame: ${detail}`);
  };
  const value = readMsgpackValue(payload, fail);
  if (!Array.isArray(value) || value.length < 2) fail("expected an array of at least 2 elements");
  const array = value as unknown[];
  if (array[0] !== RELAY_MAGIC) fail("not a relay frame");
  const op = OPS[array[1] as number];
  if (typeof array[1] !== "number" || op === undefined) {
    fail(`unknown op ${quoteForError(String(array[1]))}`);
  }
  const need = (count: number) => {
    if (array.length < 2 + count) fail(`${op} needs ${count} more elements`);
  };
  const bytesAt = (index: number, length: number, name: string): string => {
    const element = array[index];
    if (!(element instanceof Uint8Array) || element.length !== length) {
      fail(`${op}: ${name} must be a bin of ${length} bytes`);
    }
    return bytesToHex(element as Uint8Array);
  };
  const uintAt = (index: number, name: string, max: number, min = 0): number => {
    const element = array[index];
    if (typeof element !== "number" || element < min || element > max) {
      fail(`${op}: ${name} must be an int from ${min} to ${max}`);
    }
    return element as number;
  };
  switch (op!) {
    case "refused": {
      need(1);
      const reason = array[2];
      if (typeof reason !== "string") return fail("refused: reason must be a str");
      return { op, reason: truncateReason(reason) };
    }
    case "ok": {
      // `seen` came later: one that is not a direct address is ignored.
      const seen = array[2];
      return typeof seen === "string" && addressProblem(seen) === undefined ? { op, seen } : { op };
    }
    case "reserve":
      return { op };
    case "reserved":
      need(1);
      return { op, ttlMs: uintAt(2, "ttlMs", Number.MAX_SAFE_INTEGER) };
    case "connect":
      need(1);
      return { op, target: bytesAt(2, PEER_ID_BYTES, "target") };
    case "incoming":
    case "accept":
      need(1);
      return { op: op!, token: bytesAt(2, RELAY_TOKEN_BYTES, "token") };
    case "dial-back":
      need(2);
      return {
        op,
        nonce: bytesAt(2, RELAY_TOKEN_BYTES, "nonce"),
        port: uintAt(3, "port", 65535, 1),
      };
    case "dial-back-result":
      need(1);
      return { op, reached: uintAt(2, "reached", 1) === 1 };
    case "dial-back-probe":
      need(1);
      return { op, nonce: bytesAt(2, RELAY_TOKEN_BYTES, "nonce") };
    case "punch":
      need(1);
      return { op, port: uintAt(2, "port", 65535) };
    case "punch-result":
      need(1);
      return { op, punched: uintAt(2, "punched", 1) === 1 };
  }
}

function truncateReason(reason: string): string {
  const bytes = new TextEncoder().encode(reason);
  if (bytes.length <= RELAY_REASON_BYTES_MAX) return reason;
  return new TextDecoder().decode(bytes.subarray(0, RELAY_REASON_BYTES_MAX)).replace(/\uFFFD$/, "");
}
