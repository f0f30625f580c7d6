/**
 * A `node:net` socket seen as the part of `Deno.Conn` a
 * {@linkcode FramedConnection} uses. Hole punching needs a connection from a
 * chosen local port, which `node:net` can open and `Deno.connect` cannot.
 *
 * @module
 */

import { connect, type Socket } from "node:net";

/** What {@linkcode FramedConnection} needs of a connection. */
export type ConnLike = Pick<Deno.Conn, "read" | "write" | "close" | "remoteAddr">;

/** Bytes buffered from the socket before it is paused (TCP then slows the sender). */
const BUFFERED_BYTES_MAX = 256 * 1024;

/** A connected `node:net` socket as a {@linkcode ConnLike}. */
export class NodeSocketConn implements ConnLike {
  readonly #socket: Socket;
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  /** Wraps `socket`, which must be connected. */
  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Uint8Array) => {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#buffered > BUFFERED_BYTES_MAX) socket.pause();
      this.#notify();
    });
    socket.on("end", () => {
      this.#ended = true;
      this.#notify();
    });
    socket.on("error", (error: Error) => {
      this.#error = error;
      this.#notify();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#notify();
    });
  }

  /** The remote end, as `Deno.Conn` names it. */
  get remoteAddr(): Deno.NetAddr {
    return {
      transport: "tcp",
      hostname: this.#socket.remoteAddress ?? "",
      port: this.#socket.remotePort ?? 0,
    };
  }

  /** Reads into `target`: the bytes read, or null at the end of the stream. */
  async read(target: Uint8Array): Promise<number | null> {
    while (this.#chunks.length === 0) {
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    const chunk = this.#chunks[0]!;
    const n = Math.min(chunk.length, target.length);
    target.set(chunk.subarray(0, n));
    if (n === chunk.length) this.#chunks.shift();
    else this.#chunks[0] = chunk.subarray(n);
    this.#buffered -= n;
    if (this.#buffered <= BUFFERED_BYTES_MAX / 2 && this.#socket.isPaused()) this.#socket.resume();
    return n;
  }

  /** Writes all of `bytes` (waiting while the socket's buffer is full). */
  async write(bytes: Uint8Array): Promise<number> {
    if (this.#error !== undefined) throw this.#error;
    // node:net may keep the view: give it its own copy.
    if (!this.#socket.write(bytes.slice())) {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        this.#socket.once("drain", () => {
          this.#socket.off("error", onError);
          resolve();
        });
        this.#socket.once("error", onError);
      });
    }
    return bytes.length;
  }

  /** Closes the socket now. */
  close(): void {
    this.#socket.destroy();
    this.#ended = true;
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/**
 * Opens a TCP connection to `host:port` from `localPort` (for a simultaneous
 * open through NATs), failing after `timeoutMs`.
 */
export function connectFromPort(
  host: string,
  port: number,
  localPort: number,
  timeoutMs: number,
): Promise<NodeSocketConn> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, localPort });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect from port ${localPort} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(new NodeSocketConn(socket));
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}
