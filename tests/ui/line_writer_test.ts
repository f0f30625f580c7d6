import assert from "node:assert/strict";
import { type ByteSink, LineWriter, readLines } from "../../lib/ui/line_writer.ts";

/** A sink that records each write; `chunkBytesMax` simulates short writes. */
class RecordingSink implements ByteSink {
  readonly writes: string[] = [];
  /** A copy of each write's bytes (the writer reuses its buffers). */
  readonly writesBytes: Uint8Array[] = [];
  readonly #decoder = new TextDecoder();
  readonly #chunkBytesMax: number;
  fail = false;
  /** Set to read the bytes only a timer later, as an asynchronous write does. */
  slow = false;

  constructor(chunkBytesMax = Infinity) {
    this.#chunkBytesMax = chunkBytesMax;
  }

  async write(bytes: Uint8Array): Promise<number> {
    await (this.slow ? new Promise((resolve) => setTimeout(resolve, 1)) : Promise.resolve());
    if (this.fail) throw new Deno.errors.BrokenPipe("reader went away");
    const n = Math.min(bytes.length, this.#chunkBytesMax);
    this.writes.push(this.#decoder.decode(bytes.subarray(0, n)));
    this.writesBytes.push(bytes.slice(0, n));
    return n;
  }

  get text(): string {
    return this.writes.join("");
  }
}

function streamOf(chunks: (string | Uint8Array)[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(chunks.map((c) => (typeof c === "string" ? encoder.encode(c) : c)));
}

async function collect(
  chunks: (string | Uint8Array)[],
  lineBytesMax = 1024,
): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readLines(streamOf(chunks), lineBytesMax)) lines.push(line);
  return lines;
}

Deno.test("LineWriter writes lines in order, each with a newline", async () => {
  const sink = new RecordingSink();
  const writer = new LineWriter(sink);
  writer.line("one");
  writer.line("");
  writer.line("three");
  await writer.flush();
  assert.equal(sink.text, "one\n\nthree\n");
});

Deno.test("LineWriter batches the lines of one event-loop turn into one write", async () => {
  const sink = new RecordingSink();
  const writer = new LineWriter(sink);
  for (let i = 0; i < 100; i++) writer.line(`line ${i}`);
  await writer.flush();
  assert.equal(sink.writes.length, 1);
  assert.equal(sink.text.split("\n").length, 101);
});

Deno.test("LineWriter keeps order for lines queued while a write is in progress", async () => {
  const sink = new RecordingSink(5);
  const writer = new LineWriter(sink);
  writer.line("first line");
  await new Promise((resolve) => setTimeout(resolve, 0));
  writer.line("second");
  writer.line("third");
  await writer.flush();
  assert.equal(sink.text, "first line\nsecond\nthird\n");
});

Deno.test("LineWriter finishes short writes", async () => {
  const sink = new RecordingSink(3);
  const writer = new LineWriter(sink);
  writer.line("héllo wörld");
  await writer.flush();
  assert.ok(sink.writes.length > 1);
  // Bytes were split anywhere, so compare bytes, not the decoded pieces.
  const joined = sink.writes.join("");
  assert.ok(joined.startsWith("h") && joined.endsWith("ld\n"));
  assert.equal(sink.writes.length, Math.ceil(new TextEncoder().encode("héllo wörld\n").length / 3));
});

Deno.test("LineWriter drops lines without throwing once the sink fails", async () => {
  const sink = new RecordingSink();
  const writer = new LineWriter(sink);
  sink.fail = true;
  writer.line("lost");
  await writer.flush();
  sink.fail = false;
  writer.line("later");
  await writer.flush();
  assert.equal(sink.text, "later\n");
});

Deno.test("LineWriter.flush() resolves at once when nothing is queued", async () => {
  await new LineWriter(new RecordingSink()).flush();
});

Deno.test("readLines() splits lines across and within chunks", async () => {
  assert.deepEqual(await collect(["a\nb", "c\n", "\nd\ne\n"]), ["a", "bc", "", "d", "e"]);
  assert.deepEqual(await collect(["x", "y", "z"]), ["xyz"]);
  assert.deepEqual(await collect([]), []);
  assert.deepEqual(await collect(["\n"]), [""]);
});

Deno.test("readLines() strips a carriage return before the newline only", async () => {
  assert.deepEqual(await collect(["a\r\nb\r", "\nc\rd\n"]), ["a", "b", "c\rd"]);
});

Deno.test("readLines() yields a last line without a newline", async () => {
  assert.deepEqual(await collect(["one\ntwo"]), ["one", "two"]);
});

Deno.test("readLines() decodes UTF-8 split across chunks", async () => {
  const bytes = new TextEncoder().encode("héllo 🦕\n");
  const chunks = [...bytes].map((b) => new Uint8Array([b]));
  assert.deepEqual(await collect(chunks), ["héllo 🦕"]);
});

Deno.test("readLines() raises a RangeError once an unfinished line passes the limit", async () => {
  await assert.rejects(
    () => collect(["ok\n", "x".repeat(6), "x".repeat(6)], 10),
    (error: Error) => {
      assert.ok(error instanceof RangeError);
      assert.equal(error.message, "Cannot read input: a line is longer than 10 bytes");
      return true;
    },
  );
  // Up to the limit is fine.
  assert.deepEqual(await collect(["x".repeat(5), "x".repeat(5), "\n"], 10), ["x".repeat(10)]);
});

Deno.test("readLines() stops the stream when the limit is passed", async () => {
  let cancelled = false;
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      controller.enqueue(new TextEncoder().encode("y".repeat(100)));
    },
    cancel() {
      cancelled = true;
    },
  });
  await assert.rejects(async () => {
    for await (const _ of readLines(stream, 1_000)) {
      // no complete line ever arrives
    }
  }, RangeError);
  assert.ok(cancelled, "the source is cancelled");
  assert.ok(pulls <= 12, `read ${pulls} chunks of 100 bytes for a 1000-byte limit`);
});

Deno.test({
  name: "readLines() refuses a complete line over the limit, counting bytes",
  async fn() {
    await assert.rejects(() => collect(["x".repeat(100) + "\n"], 10), RangeError);
    await assert.rejects(() => collect(["x".repeat(8), "x".repeat(8) + "\n"], 10), RangeError);
    // Six 2-byte characters are 12 bytes.
    await assert.rejects(() => collect(["éééééé", "\n"], 10), RangeError);
  },
});

Deno.test("readLines() with onTooLong skips an over-long line and reads on", async () => {
  const skipped: number[] = [];
  const lines: string[] = [];
  const stream = streamOf(["short\n", "x".repeat(30), "x".repeat(30) + "\nafter\n"]);
  for await (const line of readLines(stream, 10, { onTooLong: (bytes) => skipped.push(bytes) })) {
    lines.push(line);
  }
  assert.deepEqual(lines, ["short", "after"]);
  assert.deepEqual(skipped, [60]);
});

Deno.test("LineWriter keeps every byte of lines queued across many writes, long lines included", async () => {
  const sink = new RecordingSink(7_000);
  sink.slow = true;
  const writer = new LineWriter(sink);
  const expected: string[] = [];
  for (let round = 0; round < 20; round++) {
    // Lines that outgrow the initial buffer, multi-byte text, and short ones.
    for (let i = 0; i < 30; i++) {
      const line = `${round}.${i} ${"é€😀x".repeat((round * 37 + i * 11) % 2_000)}`;
      expected.push(line);
      writer.line(line);
    }
    if (round % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await writer.flush();
  const bytes = new Uint8Array(sink.writesBytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of sink.writesBytes) {
    bytes.set(b, at);
    at += b.length;
  }
  assert.equal(new TextDecoder().decode(bytes), expected.join("\n") + "\n");
});

Deno.test("LineWriter writes on after a failed write, without mixing buffers", async () => {
  const sink = new RecordingSink();
  const writer = new LineWriter(sink);
  for (let attempt = 0; attempt < 3; attempt++) {
    sink.fail = true;
    writer.line("lost");
    await writer.flush();
    sink.fail = false;
    sink.slow = true;
    writer.line(`kept ${attempt}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
    writer.line(`also kept ${attempt}`);
    await writer.flush();
  }
  assert.equal(sink.text, "kept 0\nalso kept 0\nkept 1\nalso kept 1\nkept 2\nalso kept 2\n");
});

/** A sink whose writes wait until `release()`. */
class BlockedSink implements ByteSink {
  readonly chunks: Uint8Array[] = [];
  #release: (() => void) | undefined;
  #released = new Promise<void>((resolve) => (this.#release = resolve));

  async write(bytes: Uint8Array): Promise<number> {
    await this.#released;
    this.chunks.push(bytes.slice());
    return bytes.length;
  }

  release(): void {
    this.#release?.();
  }

  get text(): string {
    return new TextDecoder().decode(concatBytes(this.chunks));
  }
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

Deno.test("LineWriter drops lines past queuedBytesMax while the reader stalls, then says how many", async () => {
  const sink = new BlockedSink();
  const reports: number[] = [];
  const writer = new LineWriter(sink, {
    queuedBytesMax: 10_000,
    onDropped: (n) => reports.push(n),
  });
  const line = (i: number) => `${String(i).padStart(5, "0")} ${"x".repeat(93)}`; // 100 bytes with \n
  writer.line(line(0)); // in flight once the turn ends: not counted against the queue
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (let i = 1; i <= 1_000; i++) {
    writer.line(line(i));
    assert.ok(writer.queuedBytes <= 10_000, `${writer.queuedBytes} bytes queued`);
  }
  assert.equal(writer.queuedBytes, 10_000);
  sink.release();
  await writer.flush();
  const written = sink.text.split("\n").slice(0, -1);
  assert.deepEqual(written, Array.from({ length: 101 }, (_, i) => line(i)));
  assert.deepEqual(reports, [900]);
  // Once drained, lines flow again and nothing more is reported.
  writer.line("after");
  await writer.flush();
  assert.ok(sink.text.endsWith(`${line(100)}\nafter\n`));
  assert.deepEqual(reports, [900]);
});

Deno.test("LineWriter writes a burst in 64 KiB buffers, splitting lines and characters nowhere wrong", async () => {
  const sink = new RecordingSink();
  const writer = new LineWriter(sink);
  const expected: string[] = [];
  // 2 000 lines of ~1.3 KB with 4-byte characters: ~2.6 MB in one turn, across ~40 buffers.
  for (let i = 0; i < 2_000; i++) {
    const line = `${i} ${"😀".repeat(300 + (i % 7))} ${"x".repeat(i % 5)}`;
    expected.push(line);
    writer.line(line);
  }
  assert.ok(writer.queuedBytes > 2_000_000);
  await writer.flush();
  assert.ok(sink.writesBytes.length > 30, `${sink.writesBytes.length} writes`);
  for (const bytes of sink.writesBytes) assert.ok(bytes.length <= 64 * 1024);
  assert.equal(new TextDecoder().decode(concatBytes(sink.writesBytes)), expected.join("\n") + "\n");
  assert.equal(writer.queuedBytes, 0);
});
