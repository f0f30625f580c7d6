/**
 * Wire layer benchmarks: `deno bench bench/wire_bench.ts`. Message decoding
 * is measured with validation (`decodeMessage`) and as MessagePack decoding
 * alone, so the difference is what validation costs.
 *
 * Targets (PROTOCOL.md): decoding a stream of ~100-byte frames at ≥ 1 million
 * frames/s; 64 KiB frames with no copy when a frame lies inside one chunk and
 * a single copy when it spans chunks.
 *
 * @module
 */

import { Decoder } from "@msgpack/msgpack";
import { encodeFrame, encodeFrames, FrameDecoder } from "../lib/wire/frame_codec.ts";
import { bytesToHex } from "../lib/wire/hex.ts";
import type { ChatMessage, Message } from "../lib/wire/message.ts";
import { decodeMessage } from "../lib/wire/message_decode.ts";
import { encodeChatBody, encodeMessage } from "../lib/wire/message_encode.ts";

const SMALL = new Uint8Array(100).fill(7);
const LARGE = new Uint8Array(64 * 1024 - 1).fill(9); // 65535, the largest frame
const SMALL_FRAME = encodeFrame(SMALL);
const LARGE_FRAME = encodeFrame(LARGE);

const STREAM_FRAMES = 10_000;
const STREAM_CHUNK_BYTES = 64 * 1024;
const STREAM = encodeFrames(Array.from({ length: STREAM_FRAMES }, () => SMALL));
const STREAM_CHUNKS: Uint8Array[] = [];
for (let i = 0; i < STREAM.length; i += STREAM_CHUNK_BYTES) {
  STREAM_CHUNKS.push(STREAM.subarray(i, i + STREAM_CHUNK_BYTES));
}
const LARGE_CHUNKS = [0, 16384, 32768, 49152].map((at) => LARGE_FRAME.subarray(at, at + 16384))
  .concat([LARGE_FRAME.subarray(65536)]);

function id(seed: number): string {
  return bytesToHex(new Uint8Array(32).map((_, i) => (seed * 31 + i * 7) & 0xff));
}
const AUTHOR = id(0);
const CHAT: ChatMessage = {
  author: AUTHOR,
  seq: 42,
  clock: new Map(Array.from({ length: 10 }, (_, i) => [id(i), i === 0 ? 42 : 1000 + i])),
  nick: "alice",
  text: "x".repeat(100),
  ts: 1_700_000_000_000,
  signature: new Uint8Array(64).fill(1),
};
const CHAT_MESSAGE: Message = { type: "chat", message: CHAT };
const CHAT_BYTES = encodeMessage(CHAT_MESSAGE);
const RELAYED: Message = { type: "chat", message: { ...CHAT, body: encodeChatBody(CHAT) } };
const CHAT_100: ChatMessage = {
  ...CHAT,
  clock: new Map(Array.from({ length: 100 }, (_, i) => [id(i), i === 0 ? 42 : 1000 + i])),
};
const CHAT_100_BYTES = encodeMessage({ type: "chat", message: CHAT_100 });
const MSGPACK = new Decoder();

/** MessagePack decoding alone, no validation: the envelope, then the signed body inside it. */
function msgpackOnly(bytes: Uint8Array): number {
  const outer = MSGPACK.decode(bytes) as unknown[];
  let items = outer.length;
  for (const item of outer) {
    // The body is the one byte string longer than a signature.
    if (item instanceof Uint8Array && item.length > 64) {
      items += (MSGPACK.decode(item) as unknown[]).length;
    }
  }
  return items;
}

let sink = 0;

Deno.bench("encodeFrame() 100 B", { group: "frame 100 B" }, () => {
  sink += encodeFrame(SMALL).length;
});

Deno.bench("FrameDecoder.push() 100 B, one frame per chunk", { group: "frame 100 B" }, () => {
  sink += new FrameDecoder().push(SMALL_FRAME).length;
});

Deno.bench("encodeFrame() 64 KiB", { group: "frame 64 KiB" }, () => {
  sink += encodeFrame(LARGE).length;
});

Deno.bench("FrameDecoder.push() 64 KiB in one chunk (zero-copy)", { group: "frame 64 KiB" }, () => {
  sink += new FrameDecoder().push(LARGE_FRAME).length;
});

Deno.bench(
  "FrameDecoder.push() 64 KiB in 16 KiB chunks (one copy)",
  { group: "frame 64 KiB" },
  () => {
    const decoder = new FrameDecoder();
    for (const chunk of LARGE_CHUNKS) sink += decoder.push(chunk).length;
  },
);

Deno.bench(
  `FrameDecoder.push() stream of ${STREAM_FRAMES} × 100 B frames in 64 KiB chunks`,
  { group: "stream" },
  () => {
    const decoder = new FrameDecoder();
    let frames = 0;
    for (const chunk of STREAM_CHUNKS) frames += decoder.push(chunk).length;
    decoder.finish();
    if (frames !== STREAM_FRAMES) throw new Error(`Decoded ${frames} frames`);
    sink += frames;
  },
);

const STREAM_PAYLOADS = Array.from({ length: STREAM_FRAMES }, () => SMALL);

Deno.bench(`encodeFrames() ${STREAM_FRAMES} × 100 B into one buffer`, { group: "stream" }, () => {
  sink += encodeFrames(STREAM_PAYLOADS).length;
});

Deno.bench("encodeMessage() chat, 10 clock entries, 100 B text", { group: "chat" }, () => {
  sink += encodeMessage(CHAT_MESSAGE).length;
});

Deno.bench("encodeMessage() relayed chat (body reused)", { group: "chat" }, () => {
  sink += encodeMessage(RELAYED).length;
});

Deno.bench("decodeMessage() chat + validation, 10 clock entries", {
  group: "chat",
  baseline: true,
}, () => {
  sink += decodeMessage(CHAT_BYTES).type.length;
});

Deno.bench("MessagePack decode only (envelope + body), no validation, 10 clock entries", {
  group: "chat",
}, () => {
  sink += msgpackOnly(CHAT_BYTES);
});

Deno.bench("decodeMessage() chat + validation, 100 clock entries", { group: "chat 100" }, () => {
  sink += decodeMessage(CHAT_100_BYTES).type.length;
});

Deno.bench("MessagePack decode only (envelope + body), no validation, 100 clock entries", {
  group: "chat 100",
}, () => {
  sink += msgpackOnly(CHAT_100_BYTES);
});

Deno.bench("decodeMessage() ping", { group: "small" }, () => {
  sink += decodeMessage(new Uint8Array([0x92, 6, 5])).type.length;
});

Deno.bench("bytesToHex() 32 bytes", { group: "small" }, () => {
  sink += bytesToHex(SMALL.subarray(0, 32)).length;
});

globalThis.addEventListener("unload", () => {
  if (sink < 0) throw new Error("unreachable");
});
