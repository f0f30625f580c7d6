/**
 * Batched line output: lines written in one turn of the event loop reach the
 * stream in one write, so a burst of deliveries costs one system call.
 *
 * @module
 */

/** Something bytes can be written to, like `Deno.stdout`. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<number>;
}

/** Writes whole lines to a sink, in order, batching per event-loop turn. */
export class LineWriter {
  readonly #sink: ByteSink;
  readonly #encoder = new TextEncoder();
  #lines: string[] = [];
  #flushing: Promise<void> | undefined;

  /** A writer onto `sink`. */
  constructor(sink: ByteSink) {
    this.#sink = sink;
  }

  /** Queues one line (a newline is added). */
  line(text: string): void {
    this.#lines.push(text);
    this.#flushing ??= this.#drain();
  }

  /** Resolves once every queued line has been written. */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing;
  }

  async #drain(): Promise<void> {
    try {
      await Promise.resolve();
      while (this.#lines.length > 0) {
        const bytes = this.#encoder.encode(this.#lines.join("\n") + "\n");
        this.#lines = [];
        let written = 0;
        while (written < bytes.length) written += await this.#sink.write(bytes.subarray(written));
      }
    } catch {
      // The reader went away (closed pipe): nothing left to tell it.
      this.#lines = [];
    } finally {
      this.#flushing = undefined;
    }
  }
}

/** Splits a byte stream into lines of at most `lineBytesMax` bytes; longer lines raise. */
export async function* readLines(
  readable: ReadableStream<Uint8Array>,
  lineBytesMax: number,
): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of readable) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline).replace(/\r$/, "");
      buffered = buffered.slice(newline + 1);
      yield line;
    }
    if (buffered.length > lineBytesMax) {
      throw new RangeError(`Cannot read input: a line is longer than ${lineBytesMax} bytes`);
    }
  }
  buffered += decoder.decode();
  if (buffered.length > 0) yield buffered;
}
