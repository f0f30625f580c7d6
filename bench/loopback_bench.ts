/**
 * Frames over a real loopback TCP connection: `FramedConnection`
 * (lib/runtime/framed_connection.ts) against raw `Deno.Conn` writes and reads
 * of the same bytes, in the same run, so the ratio is what the frame layer
 * costs. Run with `deno bench --allow-net bench/loopback_bench.ts`.
 *
 * - "64 KiB frames": 64 frames of 65 535 payload bytes (4 MiB) per iteration;
 *   bytes/s = 4 194 496 × iter/s. Target (issue 5): framed ≥ 50 % of raw,
 *   i.e. at most 2× the raw time.
 * - "100 B frames": 10 000 frames of 100 bytes per iteration, written in
 *   batches of 1 000 as the runtime does (one buffer per flush); frames/s =
 *   10 000 × iter/s. Target: small-frame decode ≥ 1 M frames/s.
 *
 * Writer and reader share this process and its event loop, for raw and
 * framed alike. Each case has its own connection.
 *
 * @module
 */

import { FramedConnection } from "../lib/runtime/framed_connection.ts";
import { encodeFrame, encodeFrames, FRAME_PREFIX_BYTES } from "../lib/wire/frame_codec.ts";

const LARGE = new Uint8Array(65_535).fill(9);
const LARGE_FRAMES = 64;
const LARGE_WIRE_BYTES = LARGE_FRAMES * (LARGE.length + FRAME_PREFIX_BYTES);
const SMALL = new Uint8Array(100).fill(7);
const SMALL_FRAMES = 10_000;
const SMALL_BATCH = 1_000;
const SMALL_WIRE_BYTES = SMALL_FRAMES * (SMALL.length + FRAME_PREFIX_BYTES);
/** The framed writer waits for the socket when this much is queued (the runtime's limit is 8 MiB). */
const QUEUE_HIGH_BYTES = 1024 * 1024;

const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
const opened: { close(): void }[] = [listener];

async function tcpPair(): Promise<[Deno.TcpConn, Deno.TcpConn]> {
  const accepted = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await accepted;
  for (const conn of [client, server]) {
    conn.setNoDelay(true); // as the runtime does
    opened.push(conn);
  }
  return [client, server];
}

async function framedPair(): Promise<[FramedConnection, FramedConnection]> {
  const [client, server] = await tcpPair();
  return [new FramedConnection(client), new FramedConnection(server)];
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
}

/** Reads exactly `total` bytes into one reused buffer. */
async function readBytes(conn: Deno.Conn, total: number, buffer: Uint8Array): Promise<void> {
  let read = 0;
  while (read < total) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error(`Connection closed after ${read} of ${total} bytes`);
    read += n;
  }
}

/** Reads until `count` frames have arrived. */
async function readFrameCount(framed: FramedConnection, count: number): Promise<void> {
  let frames = 0;
  while (frames < count) {
    const batch = await framed.readFrames();
    if (batch.length === 0) throw new Error(`Connection closed after ${frames} of ${count} frames`);
    frames += batch.length;
  }
}

// ---- 64 KiB frames ----

const largeWire = encodeFrames(Array.from({ length: LARGE_FRAMES }, () => LARGE));
const largeRawChunks = Array.from(
  { length: LARGE_FRAMES },
  (_, i) => largeWire.subarray(i * (LARGE.length + 4), (i + 1) * (LARGE.length + 4)),
);
const rawLarge = await tcpPair();
const rawReadBuffer = new Uint8Array(64 * 1024);
const framedLarge = await framedPair();
const framedLargeEach = await framedPair();

Deno.bench({
  name: `raw Deno.Conn: ${LARGE_FRAMES} × 64 KiB (same bytes, one write per frame)`,
  group: "loopback 64 KiB frames",
  baseline: true,
  async fn() {
    const [client, server] = rawLarge;
    const reading = readBytes(server, LARGE_WIRE_BYTES, rawReadBuffer);
    for (const chunk of largeRawChunks) await writeAll(client, chunk);
    await reading;
  },
});

Deno.bench({
  name: `FramedConnection: ${LARGE_FRAMES} × 64 KiB, encodeFrame + write(), flushed() per MiB`,
  group: "loopback 64 KiB frames",
  async fn() {
    const [client, server] = framedLarge;
    const reading = readFrameCount(server, LARGE_FRAMES);
    for (let i = 0; i < LARGE_FRAMES; i++) {
      client.write(encodeFrame(LARGE));
      if (client.queuedBytes >= QUEUE_HIGH_BYTES) await client.flushed();
    }
    await client.flushed();
    await reading;
  },
});

Deno.bench({
  name: `FramedConnection: ${LARGE_FRAMES} × 64 KiB, await writeFrame() each`,
  group: "loopback 64 KiB frames",
  async fn() {
    const [client, server] = framedLargeEach;
    const reading = readFrameCount(server, LARGE_FRAMES);
    for (let i = 0; i < LARGE_FRAMES; i++) await client.writeFrame(LARGE);
    await reading;
  },
});

// ---- 100 B frames ----

const smallBatch = Array.from({ length: SMALL_BATCH }, () => SMALL);
const smallWire = encodeFrames(Array.from({ length: SMALL_FRAMES }, () => SMALL));
const smallBatchBytes = SMALL_BATCH * (SMALL.length + FRAME_PREFIX_BYTES);
const rawSmall = await tcpPair();
const framedSmall = await framedPair();
const framedSmallDecode = await tcpPair();
const framedSmallReader = new FramedConnection(framedSmallDecode[1]);

Deno.bench({
  name: `raw Deno.Conn: ${SMALL_FRAMES} × 100 B frames' bytes, ${SMALL_BATCH} per write`,
  group: "loopback 100 B frames",
  baseline: true,
  async fn() {
    const [client, server] = rawSmall;
    const reading = readBytes(server, SMALL_WIRE_BYTES, rawReadBuffer);
    for (let at = 0; at < smallWire.length; at += smallBatchBytes) {
      await writeAll(client, smallWire.subarray(at, at + smallBatchBytes));
    }
    await reading;
  },
});

Deno.bench({
  name: `FramedConnection: ${SMALL_FRAMES} × 100 B, encodeFrames() + write() per ${SMALL_BATCH}`,
  group: "loopback 100 B frames",
  async fn() {
    const [client, server] = framedSmall;
    const reading = readFrameCount(server, SMALL_FRAMES);
    for (let sent = 0; sent < SMALL_FRAMES; sent += SMALL_BATCH) {
      client.write(encodeFrames(smallBatch));
      if (client.queuedBytes >= QUEUE_HIGH_BYTES) await client.flushed();
    }
    await client.flushed();
    await reading;
  },
});

Deno.bench({
  name: `FramedConnection.readFrames(): ${SMALL_FRAMES} × 100 B (raw writer; decode side only)`,
  group: "loopback 100 B frames",
  async fn() {
    const [client] = framedSmallDecode;
    const reading = readFrameCount(framedSmallReader, SMALL_FRAMES);
    for (let at = 0; at < smallWire.length; at += smallBatchBytes) {
      await writeAll(client, smallWire.subarray(at, at + smallBatchBytes));
    }
    await reading;
  },
});

globalThis.addEventListener("unload", () => {
  for (const resource of opened) {
    try {
      resource.close();
    } catch {
      // Already closed.
    }
  }
});
