/**
 * Where `deno task sim --trace FILE` puts its trace: lines collected in
 * memory as the (synchronous) simulation runs, written at the end, through
 * gzip when FILE ends in `.gz`.
 *
 * @module
 */

/** Lines gathered per chunk before encoding (fewer, larger writes). */
const CHUNK_CHARS = 1 << 20;

/** Collects trace lines; {@linkcode TraceSink.save} writes them to a file. */
export class TraceSink {
  readonly #chunks: Uint8Array[] = [];
  readonly #encoder = new TextEncoder();
  #pending: string[] = [];
  #pendingChars = 0;
  #bytes = 0;

  /** Takes one line (without its newline). */
  readonly write = (line: string): void => {
    this.#pending.push(line);
    this.#pendingChars += line.length + 1;
    if (this.#pendingChars >= CHUNK_CHARS) this.#seal();
  };

  /** Uncompressed bytes taken so far. */
  get bytes(): number {
    return this.#bytes + this.#pendingChars;
  }

  /** Writes everything to `path` (gzip when it ends in `.gz`); returns the bytes written. */
  async save(path: string): Promise<number> {
    this.#seal();
    const file = await Deno.open(path, { write: true, create: true, truncate: true });
    let written = 0;
    const source = ReadableStream.from(this.#chunks);
    const stream: ReadableStream<Uint8Array> = path.endsWith(".gz")
      ? source.pipeThrough(
        new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
      )
      : source;
    await stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          written += chunk.byteLength;
          out.enqueue(chunk);
        },
      }),
    ).pipeTo(file.writable);
    return written;
  }

  #seal(): void {
    if (this.#pending.length === 0) return;
    const chunk = this.#encoder.encode(this.#pending.join("\n") + "\n");
    this.#chunks.push(chunk);
    this.#bytes += chunk.byteLength;
    this.#pending = [];
    this.#pendingChars = 0;
  }
}
