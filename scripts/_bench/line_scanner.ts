/**
 * Splits a byte stream into lines without decoding it: the harness reads the
 * stdout of every node, tens of megabytes a second at full throughput, and
 * most lines need only a few bytes looked at.
 *
 * @module
 */

/** Options of {@linkcode LineScanner}. */
export interface LineScannerOptions {
  /** Longest line accepted, newline excluded. Default 16 MiB. */
  lineBytesMax?: number;
}

const NEWLINE = 10;

/**
 * Turns chunks into lines (`\n`-terminated; the `\n` is not included, a `\r`
 * before it is kept). A line inside one chunk is handed out as a view of that
 * chunk, with no copy; only a line split across chunks is copied.
 */
export class LineScanner {
  readonly #lineBytesMax: number;
  #parts: Uint8Array[] = [];
  #partBytes = 0;

  /** A scanner with no bytes buffered. */
  constructor(options: LineScannerOptions = {}) {
    this.#lineBytesMax = options.lineBytesMax ?? 16 * 1024 * 1024;
  }

  /** Bytes of an unfinished line held from earlier chunks. */
  get bufferedBytes(): number {
    return this.#partBytes;
  }

  /**
   * Calls `onLine` for every line the chunk completes, in order. The line is
   * valid only during the call when it is a view of `chunk`.
   *
   * @throws {RangeError} when a line grows past `lineBytesMax`.
   */
  push(chunk: Uint8Array, onLine: (line: Uint8Array) => void): void {
    let start = 0;
    let newline = chunk.indexOf(NEWLINE);
    if (this.#parts.length > 0) {
      if (newline < 0) {
        this.#hold(chunk);
        return;
      }
      const head = chunk.subarray(0, newline);
      this.#checkLength(this.#partBytes + head.length);
      const line = concat([...this.#parts, head], this.#partBytes + head.length);
      this.#parts = [];
      this.#partBytes = 0;
      onLine(line);
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    while (newline >= 0) {
      this.#checkLength(newline - start);
      onLine(chunk.subarray(start, newline));
      start = newline + 1;
      newline = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.#hold(chunk.subarray(start));
  }

  /** Hands out an unterminated last line, if any, and empties the scanner. */
  finish(onLine: (line: Uint8Array) => void): void {
    if (this.#parts.length === 0) return;
    const line = concat(this.#parts, this.#partBytes);
    this.#parts = [];
    this.#partBytes = 0;
    onLine(line);
  }

  #hold(bytes: Uint8Array): void {
    this.#checkLength(this.#partBytes + bytes.length);
    // Copied: the caller may reuse its buffer for the next chunk.
    this.#parts.push(bytes.slice());
    this.#partBytes += bytes.length;
  }

  #checkLength(bytes: number): void {
    if (bytes > this.#lineBytesMax) {
      throw new RangeError(`Cannot scan line: longer than ${this.#lineBytesMax} bytes`);
    }
  }
}

function concat(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
