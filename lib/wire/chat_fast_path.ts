/**
 * A fast decoder for the one message that dominates traffic: `chat`. It
 * walks the MessagePack bytes with the wire's one reader
 * (`msgpack_reader.ts`, which owns the UTF-8, int-range and layout rules)
 * straight into a {@linkcode ChatMessage}, checking every rule the general
 * decoder checks, in one pass and without intermediate arrays. On anything it does not expect — an error, but also a
 * valid layout it leaves to the general path, such as appended elements —
 * it returns `undefined`, and the general decoder runs instead (and, for an
 * invalid message, throws its precise error). So it can only be faster,
 * never more lenient.
 *
 * @module
 */

import type { ChatMessage, PeerId } from "./message.ts";
import { PEER_ID_BYTES, SIGNATURE_BYTES } from "./message.ts";
import { hasControlCharacter } from "./fields.ts";
import { MsgpackReader } from "./msgpack_reader.ts";
import { peerIdAt } from "./peer_id_interner.ts";
import type { WireLimits } from "./wire_limits.ts";

const CHAT_CODE = 8;

/** Thrown by the reader on any surprise: the general path takes over. */
const FALLBACK = Object.freeze({ fallback: true });

const fallBack = (): never => {
  throw FALLBACK;
};

/**
 * Decodes a well-formed, plainly laid-out `chat` frame payload, or returns
 * `undefined` to leave it to the general decoder.
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
  if ((fields !== 3 && fields !== 4) || outer.uint("type") !== CHAT_CODE) return undefined;
  const bodyView = outer.bin("body");
  const signatureView = outer.bin("signature");
  if (signatureView.length !== 0 && signatureView.length !== SIGNATURE_BYTES) return undefined;
  let repair: boolean | undefined;
  if (fields === 4) {
    const flag = outer.uint("repair");
    if (flag !== 0 && flag !== 1) return undefined;
    repair = flag === 1;
  }
  outer.end();

  // The message outlives the frame buffer: it keeps its own copy of the body.
  const body = bodyView.slice();
  const r = new MsgpackReader(body, fallBack);
  if (r.arrayLength("body") !== 6) return undefined;
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
  const text = r.str("text", limits.textBytesMax);
  const ts = r.int("ts");
  r.end();
  return {
    message: { author, seq, clock, nick, text, ts, signature: signatureView.slice(), body },
    repair,
  };
}
