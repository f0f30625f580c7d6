/**
 * Test helper: a raw TCP client for hostile-input tests against a running
 * node. {@linkcode RawConnection} writes whatever bytes a test likes (garbage,
 * bad length prefixes, a frame cut off mid-way, one byte at a time) and
 * records how the node answers and when it hangs up. {@linkcode RawPeer}
 * completes a real Noise handshake over one, so a test can act as an insider
 * (an authenticated peer of the room) and then misbehave: replay a frame,
 * forge a chat message.
 *
 * Connections use `Deno.connect`, which cannot choose its source address.
 * With `from` (another loopback address such as `127.0.0.2`, all of
 * 127.0.0.0/8 being local on Linux) they go through `node:net` instead, so
 * that the node sees them coming from another host: per-address limits can
 * then be tested without shutting out the honest peers, which all connect
 * from 127.0.0.1. {@linkcode canConnectFrom} says whether that works here.
 *
 * @module
 */

import net from "node:net";
import { generateIdentity, type Identity } from "../../lib/identity/identity.ts";
import type { Channel, FrameTransport } from "../../lib/secure/channel.ts";
import { signChat } from "../../lib/secure/chat_signature.ts";
import { noiseHandshake } from "../../lib/secure/noise_handshake.ts";
import type { RoomKey } from "../../lib/secure/room_key.ts";
import { roomTag } from "../../lib/secure/room_tag.ts";
import { encodeFrame, FrameDecoder } from "../../lib/wire/frame_codec.ts";
import {
  type AnyMessage,
  type ChatMessage,
  type Hello,
  type Message,
  PROTOCOL_VERSION,
} from "../../lib/wire/message.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { encodeChatBody, encodeMessage } from "../../lib/wire/message_encode.ts";
import { closedPort, closeQuietly } from "./net.ts";

/** How a raw connection ended: the remote closed it, reset it, or we closed it. */
export type RawEnd = "eof" | "reset" | "local";

/** Options of {@linkcode RawConnection.open}. */
export interface RawConnectOptions {
  /** Host to connect to. Default `"127.0.0.1"`. */
  hostname?: string;
  /**
   * Local address to connect from (e.g. `"127.0.0.2"`), through `node:net`.
   * Default: none, `Deno.connect` lets the system choose (127.0.0.1 on loopback).
   */
  from?: string;
  /** Gives up connecting when aborted (a node that does not accept can stall a connect). */
  signal?: AbortSignal;
}

/** The socket operations a {@linkcode RawConnection} needs, from either API. */
interface Socket {
  readonly localHost: string;
  readonly localPort: number;
  write(bytes: Uint8Array): Promise<void>;
  closeWrite(): Promise<void>;
  close(): Promise<void>;
  reset: (() => Promise<void>) | undefined;
}

/**
 * One raw TCP connection. Reads run in the background from the start: every
 * byte received is counted and cut into frames (for {@linkcode readFrame}),
 * and {@linkcode ended} resolves when the remote hangs up. Always
 * {@linkcode close} it (idempotent), so the test sanitizers pass.
 */
export class RawConnection implements FrameTransport {
  /** Resolves when the connection ends, with how. */
  readonly ended: Promise<RawEnd>;
  #socket: Socket | undefined;
  readonly #decoder = new FrameDecoder();
  readonly #frames: Uint8Array[] = [];
  #frameWaiter: (() => void) | undefined;
  #decodeError: unknown;
  #receivedBytes = 0;
  #end: RawEnd | undefined;
  #resolveEnded: (end: RawEnd) => void = () => {};
  #closing: Promise<void> | undefined;

  private constructor() {
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
  }

  /** Connects to `port` (on 127.0.0.1 unless `hostname` says otherwise). */
  static async open(port: number, options: RawConnectOptions = {}): Promise<RawConnection> {
    const hostname = options.hostname ?? "127.0.0.1";
    const connection = new RawConnection();
    const sink: Sink = {
      data: (chunk) => connection.#onData(chunk),
      end: (how) => connection.#onEnd(how),
    };
    // A node whose backlog is full lets a connect hang for minutes: give up well before.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), CONNECT_TIMEOUT_MS);
    const signal = options.signal === undefined
      ? deadline.signal
      : AbortSignal.any([deadline.signal, options.signal]);
    try {
      connection.#socket = options.from === undefined
        ? await denoSocket(hostname, port, sink, signal)
        : await nodeSocket(hostname, port, options.from, sink, signal);
    } catch (error) {
      if (!deadline.signal.aborted) throw error;
      throw new Error(`Cannot connect to port ${port}: not within ${CONNECT_TIMEOUT_MS} ms`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
    return connection;
  }

  /** The address the remote sees this connection come from. */
  get localHost(): string {
    return this.#open().localHost;
  }

  /** The port the remote sees this connection come from. */
  get localPort(): number {
    return this.#open().localPort;
  }

  /** `host:port` as the remote sees this connection. */
  get localAddr(): string {
    return `${this.localHost}:${this.localPort}`;
  }

  /** Bytes received so far. */
  get receivedBytes(): number {
    return this.#receivedBytes;
  }

  /** How the connection ended, or `undefined` while it is open. */
  get end(): RawEnd | undefined {
    return this.#end;
  }

  /**
   * Writes `bytes`; rejects if the connection is broken (the remote may have
   * closed it already, which is often the point of the test).
   */
  write(bytes: Uint8Array): Promise<void> {
    return this.#open().write(bytes);
  }

  /** Writes `bytes`; returns whether that worked instead of throwing. */
  async tryWrite(bytes: Uint8Array): Promise<boolean> {
    try {
      await this.write(bytes);
      return true;
    } catch {
      return false;
    }
  }

  /** Ends our direction (the remote reads end of stream) and keeps reading. */
  closeWrite(): Promise<void> {
    return this.#open().closeWrite();
  }

  /** @inheritdoc */
  async readFrame(): Promise<Uint8Array | undefined> {
    for (;;) {
      const frame = this.#frames.shift();
      if (frame !== undefined) return frame;
      if (this.#decodeError !== undefined) throw this.#decodeError;
      if (this.#end === "reset") throw new Deno.errors.ConnectionReset("connection reset");
      if (this.#end !== undefined) return undefined;
      await new Promise<void>((resolve) => (this.#frameWaiter = resolve));
    }
  }

  /** @inheritdoc */
  writeFrame(payload: Uint8Array): Promise<void> {
    return this.write(encodeFrame(payload));
  }

  /**
   * Aborts the connection with a TCP reset (SO_LINGER 0) rather than a
   * clean close. Only for connections opened with `from`: `Deno.connect`
   * cannot do it.
   *
   * @throws {TypeError} for a connection opened without `from`.
   */
  reset(): Promise<void> {
    const reset = this.#open().reset;
    if (reset === undefined) {
      throw new TypeError("Cannot reset: only connections opened with `from` can");
    }
    this.#closing ??= reset().then(() => this.#onEnd("local"));
    return this.#closing;
  }

  /** Closes the connection (if the remote has not) and waits until it is released. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#open().close().then(() => this.#onEnd("local"));
    return this.#closing;
  }

  #open(): Socket {
    if (this.#socket === undefined) {
      throw new TypeError("Cannot use a connection before it is open");
    }
    return this.#socket;
  }

  #onData(chunk: Uint8Array): void {
    this.#receivedBytes += chunk.length;
    if (this.#decodeError === undefined) {
      try {
        // The decoder may keep views of the chunk: give it its own copy.
        this.#frames.push(...this.#decoder.push(chunk.slice()));
      } catch (error) {
        this.#decodeError = error;
      }
    }
    this.#wake();
  }

  #onEnd(how: RawEnd): void {
    if (this.#end !== undefined) return;
    this.#end = how;
    this.#resolveEnded(how);
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#frameWaiter;
    this.#frameWaiter = undefined;
    waiter?.();
  }
}

interface Sink {
  data(chunk: Uint8Array): void;
  end(how: RawEnd): void;
}

async function denoSocket(
  hostname: string,
  port: number,
  sink: Sink,
  signal: AbortSignal,
): Promise<Socket> {
  const conn = await Deno.connect({ hostname, port, transport: "tcp", signal });
  let closedHere = false;
  const reading = (async () => {
    const buffer = new Uint8Array(64 * 1024);
    for (;;) {
      let n: number | null;
      try {
        n = await conn.read(buffer);
      } catch {
        sink.end(closedHere ? "local" : "reset");
        return;
      }
      if (n === null) {
        sink.end("eof");
        return;
      }
      sink.data(buffer.slice(0, n));
    }
  })();
  const local = conn.localAddr as Deno.NetAddr;
  return {
    localHost: local.hostname,
    localPort: local.port,
    async write(bytes) {
      let written = 0;
      while (written < bytes.length) written += await conn.write(bytes.subarray(written));
    },
    closeWrite: () => conn.closeWrite(),
    async close() {
      closedHere = true;
      closeQuietly(conn);
      await reading;
    },
    reset: undefined,
  };
}

async function nodeSocket(
  hostname: string,
  port: number,
  from: string,
  sink: Sink,
  signal: AbortSignal,
): Promise<Socket> {
  const socket = net.connect({ host: hostname, port, localAddress: from });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  let closedHere = false;
  let onAbort: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
    onAbort = () => reject(new DOMException("Connecting was aborted", "AbortError"));
    if (signal.aborted) onAbort();
    signal.addEventListener("abort", onAbort);
  }).catch(async (error) => {
    socket.destroy();
    await closed;
    throw error;
  }).finally(() => signal.removeEventListener("abort", onAbort!));
  socket.on("data", (chunk: Uint8Array) => sink.data(new Uint8Array(chunk)));
  socket.on("end", () => sink.end("eof"));
  socket.on("error", () => sink.end(closedHere ? "local" : "reset"));
  socket.on("close", () => sink.end(closedHere ? "local" : "eof"));
  return {
    localHost: socket.localAddress ?? from,
    localPort: socket.localPort ?? 0,
    write(bytes) {
      return new Promise<void>((resolve, reject) => {
        if (socket.destroyed || !socket.writable) {
          reject(new Deno.errors.BrokenPipe("the socket is closed"));
          return;
        }
        socket.write(bytes, (error) => (error ? reject(error) : resolve()));
      });
    },
    closeWrite() {
      return new Promise<void>((resolve) => socket.end(() => resolve()));
    },
    async close() {
      closedHere = true;
      socket.destroy();
      await closed;
    },
    async reset() {
      closedHere = true;
      socket.resetAndDestroy();
      await closed;
    },
  };
}

/**
 * Whether connections can come from `from` here (binding a second loopback
 * address works on Linux, not on macOS by default). Never throws.
 */
export async function canConnectFrom(from: string): Promise<boolean> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0, transport: "tcp" });
  try {
    const accepted = listener.accept();
    let connection: RawConnection | undefined;
    try {
      connection = await RawConnection.open(listener.addr.port, { from });
    } catch {
      listener.close();
      await accepted.then(closeQuietly, () => {});
      return false;
    }
    const conn = await accepted;
    const ok = (conn.remoteAddr as Deno.NetAddr).hostname === from;
    conn.close();
    await connection.close();
    return ok;
  } finally {
    closeQuietly(listener);
  }
}

/** Options of {@linkcode RawPeer.join}. */
export interface RawPeerOptions extends RawConnectOptions {
  /** The room key to present; a wrong one makes the handshake fail. */
  roomKey: Pick<RoomKey, "room" | "psk">;
  /** Our identity. Default: a fresh one. */
  identity?: Identity;
  /** Nick in our hello. Default `"raw"`. */
  nick?: string;
  /**
   * Address in our hello. Default: a loopback port nobody listens on, so
   * that whoever dials it later learns at once that we are gone.
   */
  addr?: string;
  /** {@linkcode RawPeer.join} gives up after this long. Default 30 000 ms. */
  timeoutMs?: number;
}

/** How long {@linkcode RawConnection.open} waits for a connection. */
const CONNECT_TIMEOUT_MS = 30_000;

/** How long {@linkcode RawPeer.join} waits for a handshake by default. */
const JOIN_TIMEOUT_MS = 30_000;

/** Frames sent and received during a handshake, for replaying them elsewhere. */
export interface HandshakeTranscript {
  /** Frame payloads we sent, in order (Noise messages 1 and 3 for an initiator). */
  readonly sent: Uint8Array[];
  /** Frame payloads we received, in order. */
  readonly received: Uint8Array[];
}

/**
 * An authenticated insider: a {@linkcode RawConnection} on which we ran the
 * Noise handshake as initiator, with a hello of our own. Received frames are
 * opened and decoded in the background into {@linkcode messages}. We answer
 * nothing by ourselves (not even pings).
 */
export class RawPeer {
  /** The connection underneath. */
  readonly connection: RawConnection;
  /** The established channel. */
  readonly channel: Channel;
  /** Our identity. */
  readonly identity: Identity;
  /** The handshake's frames. */
  readonly transcript: HandshakeTranscript;
  /** Messages received so far, in order. */
  readonly messages: AnyMessage[] = [];
  readonly #reading: Promise<void>;
  #readError: unknown;

  private constructor(
    connection: RawConnection,
    channel: Channel,
    identity: Identity,
    transcript: HandshakeTranscript,
  ) {
    this.connection = connection;
    this.channel = channel;
    this.identity = identity;
    this.transcript = transcript;
    this.#reading = this.#readLoop();
  }

  /**
   * Connects to `port` and runs the Noise handshake as initiator. On failure
   * the connection is closed and the handshake's error (a `HandshakeError`
   * for a rejection) is thrown; after `timeoutMs` it gives up.
   */
  static async join(port: number, options: RawPeerOptions): Promise<RawPeer> {
    const timeoutMs = options.timeoutMs ?? JOIN_TIMEOUT_MS;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    const signal = options.signal === undefined
      ? deadline.signal
      : AbortSignal.any([deadline.signal, options.signal]);
    try {
      const connection = await RawConnection.open(port, { ...options, signal });
      // A node that does not accept leaves us waiting for its handshake message: hang up.
      const onAbort = () => void connection.close();
      signal.addEventListener("abort", onAbort);
      try {
        return await RawPeer.handshake(connection, options);
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    } catch (error) {
      if (!deadline.signal.aborted) throw error;
      throw new Error(`Cannot join: no complete handshake within ${timeoutMs} ms`, {
        cause: error,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs the Noise handshake as initiator over `connection`, which is closed
   * if it fails (the handshake's error is thrown: a `HandshakeError` for a
   * rejection).
   */
  static async handshake(
    connection: RawConnection,
    options: Omit<RawPeerOptions, keyof RawConnectOptions | "timeoutMs">,
  ): Promise<RawPeer> {
    const identity = options.identity ?? await generateIdentity();
    const hello: Hello = {
      type: "hello",
      version: PROTOCOL_VERSION,
      id: identity.id,
      addr: options.addr ?? `127.0.0.1:${closedPort()}`,
      nick: options.nick ?? "raw",
      role: "peer",
      incarnation: 0,
    };
    const transcript: HandshakeTranscript = { sent: [], received: [] };
    const recording: FrameTransport = {
      async readFrame() {
        const frame = await connection.readFrame();
        if (frame !== undefined) transcript.received.push(frame.slice());
        return frame;
      },
      writeFrame(payload) {
        transcript.sent.push(payload.slice());
        return connection.writeFrame(payload);
      },
    };
    try {
      const channel = await noiseHandshake({ roomKey: options.roomKey, identity })(recording, {
        initiator: true,
        local: hello,
      });
      return new RawPeer(connection, channel, identity, transcript);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  /** Why reading stopped early (a frame that did not open or decode), if it did. */
  get readError(): unknown {
    return this.#readError;
  }

  /** The wire bytes (framed, encrypted) carrying `messages`, without sending them. */
  async seal(messages: readonly Message[]): Promise<Uint8Array> {
    return await this.channel.seal(messages.map((m) => encodeMessage(m)));
  }

  /** Seals and sends `messages`. */
  async send(messages: readonly Message[]): Promise<void> {
    await this.connection.write(await this.seal(messages));
  }

  /** Closes the connection and waits for the reader. Idempotent. */
  async close(): Promise<void> {
    await this.connection.close();
    await this.#reading;
  }

  async #readLoop(): Promise<void> {
    try {
      for (;;) {
        const frame = await this.connection.readFrame();
        if (frame === undefined) return;
        for (const payload of await this.channel.open(frame)) {
          this.messages.push(decodeMessage(payload));
        }
      }
    } catch (error) {
      if (this.connection.end !== "local") this.#readError = error;
    }
  }
}

/**
 * `author`'s chat number `seq` in `roomKey`'s room, signed as a real member
 * signs it, depending only on the author's own earlier ones (text `raw SEQ`):
 * sent before its predecessors, it is held back for them.
 */
export async function ownChat(
  author: Identity,
  roomKey: RoomKey,
  seq: number,
): Promise<{ type: "chat"; message: ChatMessage }> {
  const fields = {
    author: author.id,
    seq,
    clock: new Map([[author.id, seq]]),
    nick: "raw",
    text: `raw ${seq}`,
    ts: Date.now(),
  };
  const body = encodeChatBody(fields);
  const signature = await signChat(author, { roomTag: await roomTag(roomKey), body });
  return { type: "chat", message: { ...fields, signature } };
}
