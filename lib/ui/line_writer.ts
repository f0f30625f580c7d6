/**
 * Batched line output: lines written in one turn of the event loop reach the
 * stream in one write, so a burst of deliveries costs one system call.
 *
 * @module
 */

import { nextTurn } from "../runtime/next_turn.ts";
import { concatBytes } from "../wire/bytes.ts";

/** Something bytes can be written to, like `Deno.stdout`. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** Bytes of each buffer lines are encoded into: a pipe's worth (Linux pipes hold 64 KiB). */
const CHUNK_BYTES = 64 * 1024;

/** Written buffers kept for reuse (256 KiB); past these, a burst's buffers are let go. */
const SPARE_CHUNKS_MAX = 4;

/** Default of {@linkcode LineWriterOptions.queuedBytesMax}. */
export const LINE_WRITER_QUEUED_BYTES_MAX = 64 * 1024 * 1024;

/** Options of {@linkcode LineWriter}. */
export interface LineWriterOptions {
  /**
   * Most bytes waiting for the sink (besides the write in progress). A line
   * that would go past it is dropped, not queued: a reader that stops reading
   * must not grow a node's memory without bound. Default
   * {@linkcode LINE_WRITER_QUEUED_BYTES_MAX} (64 MiB).
   */
  queuedBytesMax?: number;
  /** Told how many lines were dropped, once the sink has taken everything queued before them. */
  onDropped?: (lines: number) => void;
}

/**
 * Writes whole lines to a sink, in order, batching per event-loop turn. Each
 * line is encoded straight into fixed 64 KiB buffers (no joined string, no
 * new array per line); a burst fills more of them rather than growing one
 * buffer by doubling and copying, which cost a busy N=50 node 3–5 % of its
 * time. Written buffers are reused.
 */
export class LineWriter {
  readonly #sink: ByteSink;
  readonly #queuedBytesMax: number;
  readonly #onDropped: ((lines: number) => void) | undefined;
  readonly #encoder = new TextEncoder();
  /** The buffer being filled (empty until the first line). */
  #current: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  #currentBytes = 0;
  /** Filled buffers waiting for the sink, oldest first. */
  #full: Uint8Array<ArrayBuffer>[] = [];
  #fullBytes = 0;
  readonly #spare: Uint8Array<ArrayBuffer>[] = [];
  #flushing: Promise<void> | undefined;
  #dropped = 0;

  /** A writer onto `sink`. */
  constructor(sink: ByteSink, options: LineWriterOptions = {}) {
    this.#sink = sink;
    this.#queuedBytesMax = options.queuedBytesMax ?? LINE_WRITER_QUEUED_BYTES_MAX;
    this.#onDropped = options.onDropped;
  }

  /** Bytes queued and not yet handed to the sink. */
  get queuedBytes(): number {
    return this.#fullBytes + this.#currentBytes;
  }

  /**
   * Queues one line (a newline is added), or drops it when the queue is full
   * (see {@linkcode LineWriterOptions.queuedBytesMax}).
   */
  line(text: string): void {
    // A line takes at least one byte per UTF-16 code unit, at most three.
    if (this.queuedBytes + text.length + 1 > this.#queuedBytesMax) {
      this.#dropped++;
      return;
    }
    let rest = text;
    for (;;) {
      const { read, written } = this.#encoder.encodeInto(
        rest,
        this.#current.subarray(this.#currentBytes),
      );
      this.#currentBytes += written;
      if (read === rest.length) break;
      // The buffer is full (to within a character): the rest goes into the next.
      rest = rest.slice(read);
      this.#nextChunk();
    }
    if (this.#currentBytes === this.#current.length) this.#nextChunk();
    this.#current[this.#currentBytes++] = 0x0a;
    this.#flushing ??= this.#drain();
  }

  /** Resolves once every queued line has been written. */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  /** Queues the current buffer's bytes (if any) and starts filling a spare or new one. */
  #nextChunk(): void {
    if (this.#currentBytes > 0) {
      this.#full.push(this.#current.subarray(0, this.#currentBytes));
      this.#fullBytes += this.#currentBytes;
    }
    this.#current = this.#spare.pop() ?? new Uint8Array(CHUNK_BYTES);
    this.#currentBytes = 0;
  }

  #reuse(chunks: readonly Uint8Array<ArrayBuffer>[]): void {
    for (const chunk of chunks) {
      if (this.#spare.length >= SPARE_CHUNKS_MAX) return;
      this.#spare.push(new Uint8Array(chunk.buffer, chunk.byteOffset, CHUNK_BYTES));
    }
  }

  async #drain(): Promise<void> {
    try {
      await nextTurn();
      while (this.queuedBytes > 0) {
        // Lines queued from now on go into other buffers while these are written.
        this.#nextChunk();
        const batch = this.#full;
        this.#full = [];
        this.#fullBytes = 0;
        try {
          for (const bytes of batch) {
            let written = 0;
            while (written < bytes.length) {
              written += await this.#sink.write(bytes.subarray(written));
            }
          }
        } finally {
          this.#reuse(batch);
        }
        if (this.queuedBytes === 0 && this.#dropped > 0) {
          const dropped = this.#dropped;
          this.#dropped = 0;
          this.#onDropped?.(dropped);
        }
      }
    } catch {
      // The reader went away (closed pipe): nothing left to tell it.
      this.#reuse(this.#full);
      this.#full = [];
      this.#fullBytes = 0;
      this.#currentBytes = 0;
    } finally {
      this.#flushing = undefined;
    }
  }
}

/** Options of {@linkcode readLines}. */
export interface ReadLinesOptions {
  /**
   * Called with the size of a line over the limit, which is then skipped (up
   * to its newline) instead of ending the stream with a `RangeError`.
   */
  onTooLong?: (bytes: number) => void;
}

/**
 * Splits a byte stream into lines of at most `lineBytesMax` UTF-8 bytes (a
 * trailing CR is dropped). A longer line ends the stream with a `RangeError`,
 * or is skipped when `onTooLong` is given. Memory stays within one line.
 */
export async function* readLines(
  readable: ReadableStream<Uint8Array>,
  lineBytesMax: number,
  options: ReadLinesOptions = {},
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let size = 0;
  let skipping = false;
  const tooLong = (): void => {
    if (options.onTooLong === undefined) {
      throw new RangeError(`Cannot read input: a line is longer than ${lineBytesMax} bytes`);
    }
    options.onTooLong(size);
  };
  const take = (): string => {
    const bytes = parts.length === 1 ? parts[0]! : concatBytes(parts);
    parts = [];
    size = 0;
    const line = decoder.decode(bytes);
    return line.endsWith("\r") ? line.slice(0, -1) : line;
  };
  const reader = readable.getReader();
  try {
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      let start = 0;
      while (start <= chunk.length) {
        const newline = chunk.indexOf(0x0a, start);
        const end = newline < 0 ? chunk.length : newline;
        const piece = chunk.subarray(start, end);
        size += piece.length;
        if (!skipping && size > lineBytesMax) {
          // Fail (or start skipping) as soon as the limit is passed, not at the newline.
          skipping = true;
          parts = [];
          if (options.onTooLong === undefined) tooLong();
        }
        if (!skipping && piece.length > 0) parts.push(piece);
        if (newline < 0) break;
        if (skipping) {
          tooLong();
          skipping = false;
          parts = [];
          size = 0;
        } else {
          yield take();
        }
        start = newline + 1;
      }
    }
    if (skipping) tooLong();
    else if (size > 0) yield take();
  } finally {
    await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
