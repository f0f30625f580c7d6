/**
 * A TCP connection seen as frames: a capped frame reader and a coalescing,
 * bounded writer.
 *
 * @module
 */

import { encodeFrame, FrameDecoder } from "../wire/frame_codec.ts";
import type { FrameTransport } from "../secure/channel.ts";
import { nextTurn } from "./next_turn.ts";
import { concatBytes } from "../wire/bytes.ts";

/** Options of {@linkcode FramedConnection}. */
export interface FramedConnectionOptions {
  /** Largest frame payload accepted. Default 65535. */
  frameBytesMax?: number;
  /** Most bytes queued for writing before the connection is declared stuck. Default 8 MiB. */
  writeQueueBytesMax?: number;
  /** Called once, when the connection closes. */
  onClose?: () => void;
}

/** Thrown by {@linkcode FramedConnection.write} when the peer does not read fast enough. */
export class WriteQueueFullError extends Error {
  /** Always `"WriteQueueFullError"`. */
  override name = "WriteQueueFullError";
}

/**
 * Read buffers start small — an idle link reads a few small frames a second,
 * and a node has many links — and are 64 KiB once a read fills one.
 */
const READ_BUFFER_BYTES_FIRST = 16 * 1024;
const READ_BUFFER_BYTES_BUSY = 64 * 1024;
const READ_BUFFER_REFILL_BYTES = 8 * 1024;

/**
 * Frames over one `Deno.Conn`. Reads go into a bump-allocated buffer so that
 * frames handed out stay valid without a copy; writes queued in one turn of
 * the event loop go out in one `write` call.
 */
export class FramedConnection implements FrameTransport {
  readonly #conn: Deno.Conn;
  readonly #decoder: FrameDecoder;
  readonly #writeQueueBytesMax: number;
  readonly #onClose: (() => void) | undefined;
  #frames: Uint8Array[] = [];
  #frameIndex = 0;
  #readBuffer = new Uint8Array(READ_BUFFER_BYTES_FIRST);
  #readBufferBytes = READ_BUFFER_BYTES_FIRST;
  #readOffset = 0;
  #eof = false;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #writing: Promise<void> | undefined;
  #writeError: unknown;
  /** A decoding failure: the stream is unusable from then on, and says so again. */
  #readError: unknown;
  #closed = false;

  /** Wraps an open connection. */
  constructor(conn: Deno.Conn, options: FramedConnectionOptions = {}) {
    this.#conn = conn;
    this.#decoder = new FrameDecoder({ frameBytesMax: options.frameBytesMax ?? 65_535 });
    this.#writeQueueBytesMax = options.writeQueueBytesMax ?? 8 * 1024 * 1024;
    this.#onClose = options.onClose;
  }

  /** The remote `host:port` as the socket reports it. */
  get remoteAddr(): string {
    const addr = this.#conn.remoteAddr as Deno.NetAddr;
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }

  /** Bytes queued and not yet handed to the socket. */
  get queuedBytes(): number {
    return this.#pendingBytes;
  }

  /** Whether `close` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** The next frame, or `undefined` at a clean end of stream. */
  async readFrame(): Promise<Uint8Array | undefined> {
    while (this.#frameIndex >= this.#frames.length) {
      if (this.#eof) return undefined;
      await this.#fill();
    }
    return this.#frames[this.#frameIndex++];
  }

  /** Every frame already decoded, plus at least one more unless the stream ended (then empty). */
  async readFrames(): Promise<Uint8Array[]> {
    while (this.#frameIndex >= this.#frames.length) {
      if (this.#eof) return [];
      await this.#fill();
    }
    const frames = this.#frameIndex === 0 ? this.#frames : this.#frames.slice(this.#frameIndex);
    this.#frames = [];
    this.#frameIndex = 0;
    return frames;
  }

  /** Sends one frame payload (the length prefix is added); resolves once written. */
  writeFrame(payload: Uint8Array): Promise<void> {
    this.write(encodeFrame(payload));
    return this.flushed();
  }

  /**
   * Queues bytes (whole frames) for writing.
   *
   * @throws {WriteQueueFullError} when the queue would pass its limit.
   */
  write(bytes: Uint8Array): void {
    if (this.#closed) return;
    if (this.#pendingBytes + bytes.length > this.#writeQueueBytesMax) {
      throw new WriteQueueFullError(
        `Cannot write: ${
          this.#pendingBytes + bytes.length
        } bytes queued, limit ${this.#writeQueueBytesMax}`,
      );
    }
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    this.#writing ??= this.#drain();
  }

  /** Resolves when everything queued so far is written; rejects if writing failed. */
  async flushed(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
    if (this.#writeError !== undefined) throw this.#writeError;
  }

  /** Closes the socket now; pending writes are dropped. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#onClose?.();
    try {
      this.#conn.close();
    } catch {
      // Already closed by the other side or by a failed write.
    }
  }

  /** Writes what is queued (bounded by `timeoutMs`), then closes. */
  async closeAfterFlush(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([this.flushed().catch(() => {}), timeout]);
    } finally {
      clearTimeout(timer);
      this.close();
    }
  }

  async #fill(): Promise<void> {
    if (this.#readError !== undefined) throw this.#readError;
    try {
      await this.#fillOnce();
    } catch (error) {
      this.#readError = error;
      throw error;
    }
  }

  async #fillOnce(): Promise<void> {
    if (this.#readBuffer.length - this.#readOffset < READ_BUFFER_REFILL_BYTES) {
      this.#readBuffer = new Uint8Array(this.#readBufferBytes);
      this.#readOffset = 0;
    }
    const view = this.#readBuffer.subarray(this.#readOffset);
    const n = await this.#conn.read(view);
    if (n === null) {
      this.#eof = true;
      this.#decoder.finish();
      return;
    }
    if (n === view.length) this.#readBufferBytes = READ_BUFFER_BYTES_BUSY;
    this.#readOffset += n;
    const frames = this.#decoder.push(view.subarray(0, n));
    if (frames.length > 0) {
      if (this.#frameIndex >= this.#frames.length) {
        this.#frames = frames;
        this.#frameIndex = 0;
      } else {
        this.#frames.push(...frames);
      }
    }
  }

  async #drain(): Promise<void> {
    try {
      // Let the current turn queue more, so one write carries them all.
      await nextTurn();
      while (this.#pending.length > 0 && !this.#closed) {
        const batch = this.#pending;
        this.#pending = [];
        const bytes = batch.length === 1 ? batch[0]! : concatBytes(batch);
        let written = 0;
        while (written < bytes.length) {
          written += await this.#conn.write(bytes.subarray(written));
        }
        this.#pendingBytes -= bytes.length;
      }
    } catch (error) {
      this.#writeError = error;
      this.close();
    } finally {
      this.#writing = undefined;
    }
  }
}
