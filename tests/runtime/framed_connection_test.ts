import assert from "node:assert/strict";
import { FramedConnection, WriteQueueFullError } from "../../lib/runtime/framed_connection.ts";
import { encodeFrame, encodeFrames } from "../../lib/wire/frame_codec.ts";
import { ProtocolError } from "../../lib/wire/protocol_error.ts";
import { closeQuietly, delay, readToEnd, tcpPair, writeAll } from "../_helpers/net.ts";

/** `n` distinct payloads of assorted sizes (1 byte up to a few KiB). */
function payloads(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => {
    const payload = new Uint8Array(1 + ((i * 977) % 5000));
    payload.fill(i & 0xff);
    payload[0] = i & 0xff;
    return payload;
  });
}

function prefix(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length);
  return bytes;
}

/** Reads frames until `count` have arrived (or the stream ends). */
async function collect(framed: FramedConnection, count: number): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  while (frames.length < count) {
    const batch = await framed.readFrames();
    if (batch.length === 0) break;
    // The connection reuses nothing it handed out, but copy anyway to compare later.
    for (const frame of batch) frames.push(frame.slice());
  }
  return frames;
}

/** Reads `count` frames and keeps them as handed out, without copies: the buffer must not be reused under them. */
async function keepUncopied(framed: FramedConnection, count: number): Promise<Uint8Array[]> {
  const kept: Uint8Array[] = [];
  while (kept.length < count) {
    const batch = await framed.readFrames();
    if (batch.length === 0) break;
    kept.push(...batch);
  }
  return kept;
}

/** Splits frames encoded back to back into their payloads. */
function unframe(bytes: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos < bytes.length) {
    const length = view.getUint32(pos);
    frames.push(bytes.slice(pos + 4, pos + 4 + length));
    pos += 4 + length;
  }
  assert.equal(pos, bytes.length, "the stream ends on a frame boundary");
  return frames;
}

Deno.test("FramedConnection.readFrame() decodes frames split across many writes", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    client.setNoDelay(true);
    const sent = payloads(20);
    const wire = encodeFrames(sent);
    // Cut at every awkward place: inside prefixes, at boundaries, inside bodies.
    const reading = (async () => {
      const got: Uint8Array[] = [];
      for (let i = 0; i < sent.length; i++) {
        const frame = await framed.readFrame();
        assert.ok(frame !== undefined, `frame ${i} arrives`);
        got.push(frame.slice());
      }
      return got;
    })();
    let pos = 0;
    let step = 1;
    while (pos < wire.length) {
      const end = Math.min(wire.length, pos + step);
      await writeAll(client, wire.subarray(pos, end));
      pos = end;
      step = step >= 1500 ? 1 : step * 3 + 1;
      // Give the reader a chance to see each piece on its own.
      await delay(0);
    }
    assert.deepEqual(await reading, sent);
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.readFrame() decodes a frame split inside its length prefix", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    client.setNoDelay(true);
    const wire = encodeFrame(new Uint8Array([1, 2, 3]));
    const reading = framed.readFrame();
    for (const byte of wire) {
      await writeAll(client, new Uint8Array([byte]));
      await delay(5);
    }
    assert.deepEqual(await reading, new Uint8Array([1, 2, 3]));
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.readFrames() returns every frame of one coalesced write", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    const sent = payloads(200);
    await writeAll(client, encodeFrames(sent));
    assert.deepEqual(await collect(framed, sent.length), sent);
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.readFrame() and readFrames() mix without losing frames", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    const sent = payloads(30);
    await writeAll(client, encodeFrames(sent));
    const got: Uint8Array[] = [];
    const first = await framed.readFrame();
    got.push(first!.slice());
    got.push(...(await collect(framed, sent.length - 1)));
    assert.deepEqual(got, sent);
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.readFrame() returns undefined at a clean end of stream", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    await writeAll(client, encodeFrames([new Uint8Array([7]), new Uint8Array([8, 9])]));
    client.close();
    assert.deepEqual(await framed.readFrame(), new Uint8Array([7]));
    assert.deepEqual(await framed.readFrame(), new Uint8Array([8, 9]));
    assert.equal(await framed.readFrame(), undefined);
    assert.equal(await framed.readFrame(), undefined, "and again after the end");
    assert.deepEqual(await framed.readFrames(), []);
  } finally {
    framed.close();
    closeQuietly(client);
  }
});

Deno.test("FramedConnection.readFrames() returns the last frames, then [] at end of stream", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    const sent = payloads(5);
    await writeAll(client, encodeFrames(sent));
    client.close();
    assert.deepEqual(await collect(framed, sent.length), sent);
    assert.deepEqual(await framed.readFrames(), []);
    assert.deepEqual(await framed.readFrames(), []);
    assert.equal(await framed.readFrame(), undefined);
  } finally {
    framed.close();
    closeQuietly(client);
  }
});

Deno.test("FramedConnection.readFrame() rejects a stream that ends inside a frame", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    const wire = encodeFrame(new Uint8Array(100).fill(1));
    await writeAll(client, wire.subarray(0, 50));
    client.close();
    await assert.rejects(framed.readFrame(), {
      name: "ProtocolError",
      message: "Cannot decode frame: truncated frame at end of stream, 46 of 100 bytes",
    });
  } finally {
    framed.close();
    closeQuietly(client);
  }
});

Deno.test("FramedConnection.readFrames() rejects a stream that ends inside a length prefix", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    await writeAll(client, new Uint8Array([0, 0]));
    client.close();
    await assert.rejects(framed.readFrames(), (error: unknown) => {
      assert.ok(error instanceof ProtocolError);
      assert.match(error.message, /^Cannot decode frame: truncated length prefix/);
      return true;
    });
  } finally {
    framed.close();
    closeQuietly(client);
  }
});

Deno.test("FramedConnection.readFrame() rejects an oversized length before the body is sent", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server, { frameBytesMax: 1024 });
  try {
    // Only the prefix goes out; the body never does, and the connection stays open:
    // the reader must refuse on the prefix alone rather than wait for 1025 bytes.
    await writeAll(client, prefix(1025));
    await assert.rejects(framed.readFrame(), {
      name: "ProtocolError",
      message: "Cannot decode frame: length 1025 exceeds 1024",
    });
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.readFrames() rejects a 4 GiB length prefix at once", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    await writeAll(client, prefix(0xffff_ffff));
    await assert.rejects(framed.readFrames(), {
      name: "ProtocolError",
      message: "Cannot decode frame: length 4294967295 exceeds 65535",
    });
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.readFrame() rejects a zero length", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    await writeAll(client, prefix(0));
    await assert.rejects(framed.readFrame(), {
      name: "ProtocolError",
      message: "Cannot decode frame: length 0, a frame carries at least 1 byte",
    });
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.writeFrame() and write() reach the other side in order", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    const sent = payloads(50);
    // Queued in one turn: they go out coalesced.
    for (const payload of sent.slice(0, 40)) framed.write(encodeFrame(payload));
    for (const payload of sent.slice(40)) await framed.writeFrame(payload);
    await framed.flushed();
    assert.equal(framed.queuedBytes, 0);
    framed.close();
    const { bytes, end } = await readToEnd(client);
    assert.equal(end, "eof");
    assert.deepEqual(unframe(bytes), sent);
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.write() throws WriteQueueFullError when the reader does not read", async () => {
  const { client, server } = await tcpPair();
  const limit = 256 * 1024;
  const framed = new FramedConnection(server, { writeQueueBytesMax: limit });
  try {
    const frame = encodeFrame(new Uint8Array(60_000).fill(0xab));
    let written = 0;
    let error: unknown;
    // The client never reads: the socket buffers fill, then the queue does.
    // Bounded so that a broken limit fails the test instead of hanging it.
    while (written < 512 * 1024 * 1024) {
      try {
        framed.write(frame);
      } catch (caught) {
        error = caught;
        break;
      }
      written += frame.length;
      await delay(0);
    }
    assert.ok(error instanceof WriteQueueFullError, `threw after ${written} bytes`);
    assert.match(error.message, /^Cannot write: \d+ bytes queued, limit 262144$/);
    assert.ok(framed.queuedBytes <= limit, "the queue never passed its limit");
    assert.ok(framed.queuedBytes + frame.length > limit);
    assert.ok(written > limit, "the socket took some bytes before the queue filled");
    assert.equal(framed.closed, false, "a full queue is the caller's to act on");
  } finally {
    framed.close();
    client.close();
  }
  // Closing with a write in flight settles it rather than leaving it pending.
  await framed.flushed().catch(() => {});
});

Deno.test("FramedConnection.write() takes more once the reader catches up", async () => {
  const { client, server } = await tcpPair();
  const limit = 128 * 1024;
  const framed = new FramedConnection(server, { writeQueueBytesMax: limit });
  try {
    const reading = readToEnd(client);
    const sent = payloads(400);
    for (const payload of sent) {
      // Never more than the limit at once: wait for the queue to drain as needed.
      const frame = encodeFrame(payload);
      while (framed.queuedBytes + frame.length > limit) await framed.flushed();
      framed.write(frame);
    }
    await framed.closeAfterFlush(30_000);
    const { bytes, end } = await reading;
    assert.equal(end, "eof");
    assert.deepEqual(unframe(bytes), sent);
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.closeAfterFlush() delivers everything queued, then closes", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    const reading = readToEnd(client);
    // About 4 MiB, more than a socket buffer holds: the flush must really wait.
    const sent = Array.from({ length: 64 }, (_, i) => new Uint8Array(65_535).fill(i));
    for (const payload of sent) framed.write(encodeFrame(payload));
    assert.ok(framed.queuedBytes > 0);
    await framed.closeAfterFlush(60_000);
    assert.equal(framed.closed, true);
    const { bytes, end } = await reading;
    assert.equal(end, "eof");
    assert.deepEqual(unframe(bytes), sent);
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.closeAfterFlush() gives up after its timeout when nobody reads", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server, { writeQueueBytesMax: 64 * 1024 * 1024 });
  try {
    // Far more than the socket buffers hold, and the client does not read.
    const frame = encodeFrame(new Uint8Array(65_535));
    for (let i = 0; i < 400; i++) framed.write(frame);
    await framed.closeAfterFlush(50);
    assert.equal(framed.closed, true);
    assert.equal(framed.queuedBytes, 0, "the unsent rest is dropped");
    framed.write(frame);
    assert.equal(framed.queuedBytes, 0, "a write after close is ignored");
  } finally {
    framed.close();
    client.close();
  }
  await framed.flushed().catch(() => {});
});

Deno.test("FramedConnection.close() makes a pending read end", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    const reading = framed.readFrame();
    await delay(10);
    framed.close();
    // Either a clean end or an error; what matters is that it settles.
    await reading.then(() => {}, () => {});
    assert.equal(framed.closed, true);
    const end = await readToEnd(client);
    assert.equal(end.bytes.length, 0);
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.remoteAddr names the loopback peer", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    assert.equal(framed.remoteAddr, `127.0.0.1:${(client.localAddr as Deno.NetAddr).port}`);
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection.readFrames() hands out frames that stay valid after later reads", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    const sent = payloads(300);
    const reading = keepUncopied(framed, sent.length);
    // Several writes, so that several reads (and buffer refills) happen.
    for (let i = 0; i < sent.length; i += 25) {
      await writeAll(client, encodeFrames(sent.slice(i, i + 25)));
      await delay(1);
    }
    assert.deepEqual(await reading, sent);
  } finally {
    framed.close();
    client.close();
  }
});

Deno.test("FramedConnection reads frames larger than its first read buffer, kept without copies", async () => {
  const { client, server } = await tcpPair();
  const framed = new FramedConnection(server);
  try {
    // Small frames first (an idle link), then frames of up to 65 000 bytes.
    const sent = [
      ...payloads(5),
      ...Array.from({ length: 24 }, (_, i) => new Uint8Array(20_000 + i * 1_900).fill(i)),
      ...payloads(40),
    ];
    const reading = keepUncopied(framed, sent.length);
    for (let i = 0; i < sent.length; i += 7) {
      await writeAll(client, encodeFrames(sent.slice(i, i + 7)));
      if (i % 14 === 0) await delay(1);
    }
    assert.deepEqual(await reading, sent);
  } finally {
    framed.close();
    client.close();
  }
});
