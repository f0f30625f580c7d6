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

/** Bytes a line buffer starts with. */
const BUFFER_BYTES_INITIAL = 16 * 1024;

/** A line buffer that grew past this (a burst) is dropped once written, not kept. */
const BUFFER_BYTES_KEPT = 1024 * 1024;

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
 * line is encoded straight into a reusable buffer (no joined string, no new
 * array per batch); two buffers alternate, so lines queue into one while the
 * other is being written.
 */
export class LineWriter {
  readonly #sink: ByteSink;
  readonly #queuedBytesMax: number;
  readonly #onDropped: ((lines: number) => void) | undefined;
  readonly #encoder = new TextEncoder();
  #pending = new Uint8Array(BUFFER_BYTES_INITIAL);
  #pendingBytes = 0;
  #spare = new Uint8Array(BUFFER_BYTES_INITIAL);
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
    return this.#pendingBytes;
  }

  /**
   * Queues one line (a newline is added), or drops it when the queue is full
   * (see {@linkcode LineWriterOptions.queuedBytesMax}).
   */
  line(text: string): void {
    // A line takes at least one byte per UTF-16 code unit, at most three.
    if (this.#pendingBytes + text.length + 1 > this.#queuedBytesMax) {
      this.#dropped++;
      return;
    }
    this.#reserve(3 * text.length + 1);
    const into = this.#pendingBytes === 0
      ? this.#pending
      : this.#pending.subarray(this.#pendingBytes);
    this.#pendingBytes += this.#encoder.encodeInto(text, into).written;
    this.#pending[this.#pendingBytes++] = 0x0a;
    this.#flushing ??= this.#drain();
  }

  /** Resolves once every queued line has been written. */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  #reserve(bytes: number): void {
    const needed = this.#pendingBytes + bytes;
    if (needed <= this.#pending.length) return;
    // Double, but not far past the queue's limit: the limit is about memory.
    const doubled = Math.min(2 * this.#pending.length, this.#queuedBytesMax + 1);
    const grown = new Uint8Array(Math.max(needed, doubled));
    grown.set(this.#pending.subarray(0, this.#pendingBytes));
    this.#pending = grown;
  }

  async #drain(): Promise<void> {
    try {
      await nextTurn();
      while (this.#pendingBytes > 0) {
        const buffer = this.#pending;
        const bytes = buffer.subarray(0, this.#pendingBytes);
        this.#pending = this.#spare;
        this.#pendingBytes = 0;
        try {
          let written = 0;
          while (written < bytes.length) {
            written += await this.#sink.write(bytes.subarray(written));
          }
        } finally {
          this.#spare = buffer.length > BUFFER_BYTES_KEPT
            ? new Uint8Array(BUFFER_BYTES_INITIAL)
            : buffer;
        }
        if (this.#pendingBytes === 0 && this.#dropped > 0) {
          const dropped = this.#dropped;
          this.#dropped = 0;
          this.#onDropped?.(dropped);
        }
      }
    } catch {
      // The reader went away (closed pipe): nothing left to tell it.
      this.#pendingBytes = 0;
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
