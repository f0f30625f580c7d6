/**
 * A fast decoder for the one message that dominates traffic: `chat`. It
 * reads the MessagePack bytes directly into a {@linkcode ChatMessage},
 * checking every rule the general decoder checks, in one pass and without
 * intermediate arrays. On anything it does not expect — an error, but also a
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
import { peerIdAt } from "./peer_id_interner.ts";
import type { WireLimits } from "./wire_limits.ts";

const CHAT_CODE = 8;
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A cursor over a message's bytes; every read returns `undefined` on a surprise. */
class Reader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** An array header's length. */
  array(): number | undefined {
    const b = this.bytes[this.pos];
    if (b === undefined) return undefined;
    if ((b & 0xf0) === 0x90) {
      this.pos++;
      return b & 0x0f;
    }
    if (b === 0xdc && this.pos + 3 <= this.bytes.length) {
      const n = this.view.getUint16(this.pos + 1);
      this.pos += 3;
      return n;
    }
    return undefined;
  }

  /** A non-negative integer (any width), within the safe range. */
  uint(): number | undefined {
    const b = this.bytes[this.pos];
    if (b === undefined) return undefined;
    if (b <= 0x7f) {
      this.pos++;
      return b;
    }
    const end = this.bytes.length;
    switch (b) {
      case 0xcc:
        if (this.pos + 2 > end) return undefined;
        this.pos += 2;
        return this.bytes[this.pos - 1]!;
      case 0xcd:
        if (this.pos + 3 > end) return undefined;
        this.pos += 3;
        return this.view.getUint16(this.pos - 2);
      case 0xce:
        if (this.pos + 5 > end) return undefined;
        this.pos += 5;
        return this.view.getUint32(this.pos - 4);
      case 0xcf: {
        if (this.pos + 9 > end) return undefined;
        const high = this.view.getUint32(this.pos + 1);
        const low = this.view.getUint32(this.pos + 5);
        if (high > 0x1f_ffff) return undefined;
        this.pos += 9;
        return high * 0x1_0000_0000 + low;
      }
      default:
        return undefined;
    }
  }

  /** A signed or unsigned integer within the safe range. */
  int(): number | undefined {
    const b = this.bytes[this.pos];
    if (b === undefined) return undefined;
    if (b >= 0xe0) {
      this.pos++;
      return b - 0x100;
    }
    const end = this.bytes.length;
    switch (b) {
      case 0xd0:
        if (this.pos + 2 > end) return undefined;
        this.pos += 2;
        return this.view.getInt8(this.pos - 1);
      case 0xd1:
        if (this.pos + 3 > end) return undefined;
        this.pos += 3;
        return this.view.getInt16(this.pos - 2);
      case 0xd2:
        if (this.pos + 5 > end) return undefined;
        this.pos += 5;
        return this.view.getInt32(this.pos - 4);
      case 0xd3: {
        if (this.pos + 9 > end) return undefined;
        const value = this.view.getBigInt64(this.pos + 1);
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          return undefined;
        }
        this.pos += 9;
        return Number(value);
      }
      default:
        return this.uint();
    }
  }

  /** A bin's bytes, as a view into the message. */
  bin(): Uint8Array | undefined {
    const b = this.bytes[this.pos];
    let length: number;
    let header: number;
    if (b === 0xc4 && this.pos + 2 <= this.bytes.length) {
      length = this.bytes[this.pos + 1]!;
      header = 2;
    } else if (b === 0xc5 && this.pos + 3 <= this.bytes.length) {
      length = this.view.getUint16(this.pos + 1);
      header = 3;
    } else if (b === 0xc6 && this.pos + 5 <= this.bytes.length) {
      length = this.view.getUint32(this.pos + 1);
      header = 5;
    } else {
      return undefined;
    }
    const start = this.pos + header;
    if (start + length > this.bytes.length) return undefined;
    this.pos = start + length;
    return this.bytes.subarray(start, start + length);
  }

  /** A str of at most `bytesMax` UTF-8 bytes, which must be well-formed. */
  str(bytesMax: number): string | undefined {
    const b = this.bytes[this.pos];
    if (b === undefined) return undefined;
    let length: number;
    let header: number;
    if ((b & 0xe0) === 0xa0) {
      length = b & 0x1f;
      header = 1;
    } else if (b === 0xd9 && this.pos + 2 <= this.bytes.length) {
      length = this.bytes[this.pos + 1]!;
      header = 2;
    } else if (b === 0xda && this.pos + 3 <= this.bytes.length) {
      length = this.view.getUint16(this.pos + 1);
      header = 3;
    } else {
      return undefined;
    }
    if (length > bytesMax) return undefined;
    const start = this.pos + header;
    if (start + length > this.bytes.length) return undefined;
    this.pos = start + length;
    if (length === 0) return "";
    let ascii = true;
    for (let i = start; i < start + length; i++) {
      if (this.bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      return String.fromCharCode.apply(
        null,
        this.bytes.subarray(start, start + length) as unknown as number[],
      );
    }
    try {
      const text = UTF8.decode(this.bytes.subarray(start, start + length));
      // Lone surrogates cannot come out of valid UTF-8, but be as strict as the general path.
      return text.isWellFormed() ? text : undefined;
    } catch {
      return undefined;
    }
  }

  /** A peer id: a bin of exactly 32 bytes, as hex. */
  id(): PeerId | undefined {
    if (this.bytes[this.pos] !== 0xc4 || this.bytes[this.pos + 1] !== PEER_ID_BYTES) {
      return undefined;
    }
    const start = this.pos + 2;
    if (start + PEER_ID_BYTES > this.bytes.length) return undefined;
    this.pos = start + PEER_ID_BYTES;
    return peerIdAt(this.bytes, start);
  }
}

/**
 * Decodes a well-formed, plainly laid-out `chat` frame payload, or returns
 * `undefined` to leave it to the general decoder.
 */
export function decodeChatFast(
  bytes: Uint8Array,
  limits: WireLimits,
): { readonly message: ChatMessage; readonly repair: boolean | undefined } | undefined {
  const outer = new Reader(bytes);
  const fields = outer.array();
  if ((fields !== 3 && fields !== 4) || outer.uint() !== CHAT_CODE) return undefined;
  const bodyView = outer.bin();
  const signatureView = outer.bin();
  if (bodyView === undefined || signatureView === undefined) return undefined;
  if (signatureView.length !== 0 && signatureView.length !== SIGNATURE_BYTES) return undefined;
  let repair: boolean | undefined;
  if (fields === 4) {
    const flag = outer.uint();
    if (flag !== 0 && flag !== 1) return undefined;
    repair = flag === 1;
  }
  if (outer.pos !== bytes.length) return undefined;

  // The message outlives the frame buffer: it keeps its own copy of the body.
  const body = bodyView.slice();
  const r = new Reader(body);
  if (r.array() !== 6) return undefined;
  const author = r.id();
  const seq = r.uint();
  if (author === undefined || seq === undefined || seq < 1) return undefined;
  const entries = r.array();
  if (entries === undefined || entries > limits.clockEntriesMax) return undefined;
  const clock = new Map<PeerId, number>();
  for (let i = 0; i < entries; i++) {
    if (r.array() !== 2) return undefined;
    const id = r.id();
    const n = r.uint();
    if (id === undefined || n === undefined || n < 1 || clock.has(id)) return undefined;
    clock.set(id, n);
  }
  if (clock.get(author) !== seq) return undefined;
  const nick = r.str(limits.nickBytesMax);
  if (nick === undefined || nick.length === 0 || hasControlCharacter(nick)) return undefined;
  const text = r.str(limits.textBytesMax);
  const ts = r.int();
  if (text === undefined || ts === undefined || r.pos !== body.length) return undefined;
  return {
    message: { author, seq, clock, nick, text, ts, signature: signatureView.slice(), body },
    repair,
  };
}
