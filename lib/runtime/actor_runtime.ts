/**
 * The I/O shell: drives one sans-I/O {@linkcode Actor} with real TCP sockets
 * and timers. It reads capped frames, opens them through the channel, decodes
 * and validates messages, and posts them to the actor; it applies the
 * actor's effects; timers only call `handleTimeout`. No protocol decision is
 * made here.
 *
 * @module
 */

import type { Actor } from "../actor/actor.ts";
import type { ConnId } from "../actor/effect.ts";
import type { Channel, Handshake } from "../secure/channel.ts";
import { parseAddress } from "../wire/address.ts";
import { decodeMessage, encodeMessage } from "../wire/message_codec.ts";
import type { ChatMessage, Hello, Message } from "../wire/message.ts";
import type { ChatAuthenticator } from "../secure/chat_authenticator.ts";
import { TokenBucket } from "./rate_limiter.ts";
import { nextTurn } from "./next_turn.ts";
import { ProtocolError } from "../wire/protocol_error.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "../wire/wire_limits.ts";
import { FramedConnection, WriteQueueFullError } from "./framed_connection.ts";
import { withDeadline } from "./with_deadline.ts";
import type { RuntimeEvent } from "./peer_event.ts";

/** Options of {@linkcode ActorRuntime}. */
export interface ActorRuntimeOptions {
  /** How connections authenticate and encrypt. */
  handshake: Handshake;
  /** Receives deliveries, membership changes and diagnostics. Default: ignore. */
  onEvent?: (event: RuntimeEvent) => void;
  /**
   * Receives the events of one step together, before `onEvent` sees them one
   * by one, and before anything that step sent reaches a socket (the store
   * commits here). Default: nothing.
   */
  onEvents?: (events: readonly RuntimeEvent[]) => void;
  /** Monotonic milliseconds. Default `performance.now()`. */
  clock?: () => number;
  /** Wire limits enforced on every message received. Default {@linkcode DEFAULT_WIRE_LIMITS}. */
  limits?: WireLimits;
  /** A dial must connect and finish its handshake within this. Default 5 000 ms. */
  dialTimeoutMs?: number;
  /** An inbound connection must finish its handshake within this. Default 5 000 ms. */
  handshakeTimeoutMs?: number;
  /** Most connections open at once, both directions; inbound ones past it are refused. Default 1 024. */
  connectionsMax?: number;
  /** Most bytes queued for one connection before it is closed as stuck. Default 8 MiB. */
  writeQueueBytesMax?: number;
  /** How long a deliberate close may take to flush. Default 1 000 ms. */
  closeFlushMs?: number;
  /** Most connections from one remote address (handshakes included). Default 64. */
  connectionsPerAddressMax?: number;
  /**
   * Messages a second one connection may send on average (bursts up to the
   * same number); past it the connection is closed. Default 25 000.
   */
  messagesPerSecondMax?: number;
  /** Signs own chat and verifies others' (secure rooms); none: chat is taken as it comes. */
  authenticator?: ChatAuthenticator;
  /** Forged or altered messages one connection may bring before it is closed. Default 3. */
  offencesMax?: number;
}

/** Counters of what went over the wire, for benchmarks and `stats`. */
export interface RuntimeStats {
  /** Messages handed to connections (after the handshake). */
  messagesSent: number;
  /** Of those, chat messages: the payload-carrying sends. */
  chatSends: number;
  /** Wire bytes written, prefixes and encryption included. */
  bytesSent: number;
  /** Messages received and decoded. */
  messagesReceived: number;
  /** Wire bytes of the frames received. */
  bytesReceived: number;
  /** Connections closed because the remote broke the protocol. */
  protocolErrors: number;
  /** Chat messages dropped because their signature did not verify. */
  forgeries: number;
}

interface LiveConnection {
  readonly framed: FramedConnection;
  readonly channel: Channel;
  /** Payloads waiting to be sealed, in order (own chat may still be being signed). */
  outbox: (Uint8Array | Promise<Uint8Array>)[];
  /** The one flush running for this connection: seals stay in order and closes wait for it. */
  flushing: Promise<void> | undefined;
  /** The actor closed it: no disconnect event is owed. */
  closedByActor: boolean;
}

/**
 * Runs an actor. Call {@linkcode ActorRuntime.serve} with a listener, then
 * {@linkcode ActorRuntime.run} for every command from the front end.
 */
export class ActorRuntime {
  readonly #actor: Actor;
  readonly #handshake: Handshake;
  readonly #onEvent: (event: RuntimeEvent) => void;
  readonly #onEvents: (events: readonly RuntimeEvent[]) => void;
  readonly #clock: () => number;
  readonly #limits: WireLimits;
  readonly #dialTimeoutMs: number;
  readonly #handshakeTimeoutMs: number;
  readonly #connectionsMax: number;
  readonly #writeQueueBytesMax: number;
  readonly #closeFlushMs: number;
  readonly #connections = new Map<ConnId, LiveConnection>();
  /** Sockets not yet handed to the actor (handshakes in progress), for limits and shutdown. */
  readonly #pendingSockets = new Set<FramedConnection>();
  readonly #tasks = new Set<Promise<unknown>>();
  /** Dials in flight, and those the actor closed before they completed. */
  readonly #dialing = new Set<ConnId>();
  readonly #abandoned = new Set<ConnId>();
  /** Resolvers of sleeps that `stop` must cut short. */
  readonly #sleepers = new Set<() => void>();
  #listeners: Deno.Listener[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAtMs = Infinity;
  #stopped = false;
  #lastMessage: Message | undefined;
  #lastPayload: Uint8Array | Promise<Uint8Array> | undefined;
  /** Own chat messages being signed, by the object the actor emitted. */
  readonly #signing = new WeakMap<ChatMessage, Promise<ChatMessage>>();
  readonly #authenticator: ChatAuthenticator | undefined;
  readonly #offencesMax: number;
  readonly #connectionsPerAddressMax: number;
  readonly #messagesPerSecondMax: number;
  /** Open connections (and handshakes) per remote host. */
  readonly #perHost = new Map<string, number>();
  readonly #stats: RuntimeStats = {
    messagesSent: 0,
    chatSends: 0,
    bytesSent: 0,
    messagesReceived: 0,
    bytesReceived: 0,
    protocolErrors: 0,
    forgeries: 0,
  };

  /** A runtime for `actor`; nothing happens until `serve` or `run`. */
  constructor(actor: Actor, options: ActorRuntimeOptions) {
    this.#actor = actor;
    this.#handshake = options.handshake;
    this.#onEvent = options.onEvent ?? (() => {});
    this.#onEvents = options.onEvents ?? (() => {});
    this.#clock = options.clock ?? (() => performance.now());
    this.#limits = options.limits ?? DEFAULT_WIRE_LIMITS;
    this.#dialTimeoutMs = options.dialTimeoutMs ?? 5_000;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5_000;
    this.#connectionsMax = options.connectionsMax ?? 1_024;
    this.#writeQueueBytesMax = options.writeQueueBytesMax ?? 8 * 1024 * 1024;
    this.#closeFlushMs = options.closeFlushMs ?? 1_000;
    this.#authenticator = options.authenticator;
    this.#offencesMax = options.offencesMax ?? 3;
    this.#connectionsPerAddressMax = options.connectionsPerAddressMax ?? 64;
    this.#messagesPerSecondMax = options.messagesPerSecondMax ?? 25_000;
  }

  /** Connections open now (established or in handshake). */
  get connectionCount(): number {
    return this.#connections.size + this.#pendingSockets.size;
  }

  /** What went over the wire so far (a live view). */
  get stats(): Readonly<RuntimeStats> {
    return this.#stats;
  }

  /** Accepts connections from `listener` until `stop`. */
  serve(listener: Deno.Listener): void {
    this.#listeners.push(listener);
    this.#track(this.#acceptLoop(listener));
  }

  /** Runs `step` against the actor now, then applies its effects. */
  run<T>(step: (nowMs: number) => T): T {
    if (this.#stopped) throw new TypeError("Cannot run: the runtime is stopped");
    const result = step(this.#clock());
    this.#apply();
    return result;
  }

  /**
   * Stops: closes listeners and connections (flushing what was queued) and
   * cancels the timer. Resolves when every task has ended.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#apply();
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const listener of this.#listeners) {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
    }
    for (const socket of this.#pendingSockets) socket.close();
    this.#wake();
    await Promise.all(
      [...this.#connections.values()].map(async (c) => {
        c.closedByActor = true;
        await this.#drain(c);
        await c.framed.closeAfterFlush(this.#closeFlushMs);
      }),
    );
    this.#connections.clear();
    await Promise.allSettled([...this.#tasks]);
  }

  // ---- inbound ----

  async #acceptLoop(listener: Deno.Listener): Promise<void> {
    let backoffMs = 0;
    while (!this.#stopped) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
        backoffMs = 0;
      } catch (error) {
        if (this.#stopped || error instanceof Deno.errors.BadResource) return;
        if (
          error instanceof Deno.errors.NotConnected ||
          error instanceof Deno.errors.ConnectionReset ||
          error instanceof Deno.errors.ConnectionAborted
        ) {
          // That one client hung up before we took it: nothing wrong here, and
          // backing off would let a stream of such clients lock everyone out.
          this.#log("debug", `Accept: a client left first (${describe(error)})`);
          continue;
        }
        // Out of file descriptors, say: retrying at once would spin. Back off.
        backoffMs = Math.min(ACCEPT_BACKOFF_MAX_MS, Math.max(ACCEPT_BACKOFF_MIN_MS, 2 * backoffMs));
        this.#log("warn", `Accept failed: ${describe(error)}; retrying in ${backoffMs} ms`);
        await this.#sleep(backoffMs);
        continue;
      }
      if (this.#stopped) {
        conn.close();
        return;
      }
      if (this.connectionCount >= this.#connectionsMax) {
        this.#log("warn", `Refused a connection: ${this.#connectionsMax} connections open`);
        conn.close();
        continue;
      }
      const host = (conn.remoteAddr as Deno.NetAddr).hostname;
      if ((this.#perHost.get(host) ?? 0) >= this.#connectionsPerAddressMax) {
        this.#log(
          "warn",
          `Refused a connection from ${host}: ${this.#connectionsPerAddressMax} open from there`,
        );
        conn.close();
        continue;
      }
      this.#track(this.#acceptOne(conn));
    }
  }

  async #acceptOne(conn: Deno.Conn): Promise<void> {
    const framed = this.#framed(conn, true);
    let channel: Channel;
    try {
      channel = await this.#withTimeout(
        framed,
        this.#handshakeTimeoutMs,
        this.#handshake(framed, { initiator: false, local: this.#actor.localHello() }),
      );
    } catch (error) {
      this.#log("info", `Handshake with ${safeRemote(framed)} failed: ${describe(error)}`);
      framed.close();
      return;
    } finally {
      this.#pendingSockets.delete(framed);
    }
    if (this.#stopped) {
      framed.close();
      return;
    }
    // Adopt before applying effects: the actor may already be sending on it.
    const id = this.#actor.handleAccepted(channel.remote, this.#clock());
    this.#adopt(id, framed, channel);
    this.#apply();
  }

  // ---- outbound ----

  async #dial(id: ConnId, addr: string): Promise<void> {
    let framed: FramedConnection | undefined;
    this.#dialing.add(id);
    // One deadline for connecting and the handshake together.
    const deadline = this.#clock() + this.#dialTimeoutMs;
    try {
      const { hostname, port } = parseAddress(addr);
      const conn = await withDeadline(
        Deno.connect({ hostname, port, transport: "tcp" }),
        this.#dialTimeoutMs,
        (late) => late.close(),
      );
      if (this.#stopped || this.#abandoned.has(id)) {
        conn.close();
        return;
      }
      framed = this.#framed(conn, false);
      const channel = await this.#withTimeout(
        framed,
        Math.max(1, deadline - this.#clock()),
        this.#handshake(framed, { initiator: true, local: this.#actor.localHello() }),
        this.#dialTimeoutMs,
      );
      this.#pendingSockets.delete(framed);
      if (this.#stopped || this.#abandoned.has(id)) {
        // The actor closed it while we were dialing: it wants no news of it.
        framed.close();
        return;
      }
      this.#adopt(id, framed, channel);
      this.run((now) => this.#actor.handleConnected(id, channel.remote, now));
    } catch (error) {
      if (framed !== undefined) {
        this.#pendingSockets.delete(framed);
        framed.close();
      }
      this.#connections.delete(id);
      if (!this.#stopped && !this.#abandoned.has(id)) {
        this.run((now) => this.#actor.handleDialFailed(id, describe(error), now));
      }
    } finally {
      this.#dialing.delete(id);
      this.#abandoned.delete(id);
    }
  }

  // ---- established connections ----

  #framed(conn: Deno.Conn, inbound: boolean): FramedConnection {
    // Chat messages are small and latency-bound: never wait to fill a segment.
    if ("setNoDelay" in conn) (conn as Deno.TcpConn).setNoDelay(true);
    // Only what others open counts against their host's share: our own dials
    // to many peers behind one address must not lock those peers out.
    const host = (conn.remoteAddr as Deno.NetAddr).hostname;
    if (inbound) this.#perHost.set(host, (this.#perHost.get(host) ?? 0) + 1);
    const framed = new FramedConnection(conn, {
      frameBytesMax: this.#limits.frameBytesMax,
      writeQueueBytesMax: this.#writeQueueBytesMax,
      onClose: () => {
        if (!inbound) return;
        const n = (this.#perHost.get(host) ?? 1) - 1;
        if (n > 0) this.#perHost.set(host, n);
        else this.#perHost.delete(host);
      },
    });
    this.#pendingSockets.add(framed);
    return framed;
  }

  #adopt(id: ConnId, framed: FramedConnection, channel: Channel): void {
    const live: LiveConnection = {
      framed,
      channel,
      outbox: [],
      flushing: undefined,
      closedByActor: false,
    };
    this.#connections.set(id, live);
    this.#track(this.#readLoop(id, live));
  }

  async #readLoop(id: ConnId, live: LiveConnection): Promise<void> {
    let reason = "closed by remote";
    const rate = new TokenBucket(
      this.#messagesPerSecondMax,
      this.#messagesPerSecondMax,
      this.#clock(),
    );
    let offences = 0;
    try {
      for (;;) {
        const frames = await live.framed.readFrames();
        if (frames.length === 0) break;
        // Open every frame of the read at once (decryption keeps its nonce
        // order: each call takes the next), then decode them all.
        const opened = frames.map((frame) => {
          this.#stats.bytesReceived += frame.length + 4;
          const open = live.channel.open(frame);
          // If an earlier frame fails, the loop ends before awaiting this one:
          // its rejection must not go unhandled.
          if (open instanceof Promise) open.catch(() => {});
          return open;
        });
        const messages: Message[] = [];
        for (const open of opened) {
          for (const payload of open instanceof Promise ? await open : open) {
            if (!rate.take(this.#clock())) {
              throw new ProtocolError(
                `Too many messages: more than ${this.#messagesPerSecondMax} a second`,
              );
            }
            const message = decodeMessage(payload, this.#limits);
            if (message.type === "hello") {
              throw new ProtocolError("Unexpected hello: the handshake is over");
            }
            messages.push(message);
          }
        }
        // Start every signature check of the read at once (they run in
        // parallel); hand the messages on in order as their checks complete.
        const checks = messages.map((m) => this.#check(m));
        for (let i = 0; i < messages.length; i++) {
          const message = messages[i]!;
          const check = checks[i];
          if (check !== undefined && !(await check)) {
            this.#stats.forgeries++;
            if (++offences >= this.#offencesMax) {
              throw new ProtocolError(
                `Forged or altered messages: ${offences} failed their signature check`,
              );
            }
            this.#log(
              "warn",
              `Dropped a chat message with a bad signature from ${safeRemote(live.framed)}`,
            );
            continue;
          }
          if (live.closedByActor || this.#stopped) return;
          this.#stats.messagesReceived++;
          this.run((now) => this.#actor.handleMessage(id, message, now));
        }
      }
    } catch (error) {
      if (live.closedByActor || this.#stopped) return;
      reason = describe(error);
      if (error instanceof ProtocolError) {
        this.#stats.protocolErrors++;
        this.#log("warn", `Closing connection to ${safeRemote(live.framed)}: ${reason}`);
      }
    }
    live.framed.close();
    if (this.#connections.get(id) === live) this.#connections.delete(id);
    if (!live.closedByActor && !this.#stopped) {
      this.run((now) => this.#actor.handleDisconnected(id, reason, now));
    }
  }

  /**
   * The signature check a received message needs: new chat from others, when
   * chat is authenticated. Duplicates go to the actor unchecked — it drops
   * them, and only learns that the link carried a copy.
   */
  #check(message: Message): Promise<boolean> | undefined {
    const auth = this.#authenticator;
    if (auth === undefined || message.type !== "chat") return undefined;
    if (this.#actor.isNewChat?.(message.message) === false) return undefined;
    return auth.verify(message.message);
  }

  #send(id: ConnId, message: Message): void {
    const live = this.#connections.get(id);
    if (live === undefined || live.closedByActor) return;
    // A flood sends one message object to many connections in a row: encode it once.
    if (message !== this.#lastMessage) {
      let payload: Uint8Array | Promise<Uint8Array>;
      try {
        payload = this.#encode(message);
      } catch (error) {
        // An actor bug, not the peer's: drop the message, never the process.
        this.#log("warn", `Not sending a ${message.type} message: ${describe(error)}`);
        return;
      }
      this.#lastMessage = message;
      this.#lastPayload = payload;
    }
    live.outbox.push(this.#lastPayload!);
    this.#stats.messagesSent++;
    if (message.type === "chat") this.#stats.chatSends++;
    this.#kick(id, live);
  }

  /** Encodes a message; own chat is signed first, when chat is authenticated. */
  #encode(message: Message): Uint8Array | Promise<Uint8Array> {
    const auth = this.#authenticator;
    if (
      auth === undefined || message.type !== "chat" || message.message.author !== auth.selfId ||
      message.message.signature.length > 0
    ) {
      return encodeMessage(message);
    }
    let signed = this.#signing.get(message.message);
    if (signed === undefined) {
      signed = auth.sign(message.message);
      this.#signing.set(message.message, signed);
    }
    return signed.then((m) => encodeMessage({ ...message, message: m }));
  }

  /** Starts the connection's flush unless one is running (it will pick the new payloads up). */
  #kick(id: ConnId | undefined, live: LiveConnection): void {
    if (live.flushing !== undefined) return;
    const flushing = this.#flush(id, live).finally(() => {
      if (live.flushing === flushing) live.flushing = undefined;
    });
    live.flushing = flushing;
    this.#track(flushing);
  }

  /** Seals the outbox in order and hands the bytes to the socket, until it is empty. */
  async #flush(id: ConnId | undefined, live: LiveConnection): Promise<void> {
    // Let the current turn queue more, so that one seal and one write carry them all.
    await nextTurn();
    try {
      while (live.outbox.length > 0) {
        const batch = live.outbox;
        live.outbox = [];
        const payloads = batch.some((p) => p instanceof Promise)
          ? await Promise.all(batch)
          : batch as Uint8Array[];
        const sealed = live.channel.seal(payloads);
        const bytes = sealed instanceof Promise ? await sealed : sealed;
        this.#stats.bytesSent += bytes.length;
        live.framed.write(bytes);
      }
    } catch (error) {
      live.outbox = [];
      const reason = error instanceof WriteQueueFullError
        ? "peer too slow: write queue full"
        : describe(error);
      this.#log("warn", `Closing connection to ${safeRemote(live.framed)}: ${reason}`);
      live.framed.close();
      if (id !== undefined && this.#connections.get(id) === live && !live.closedByActor) {
        this.#connections.delete(id);
        live.closedByActor = true;
        if (!this.#stopped) this.run((now) => this.#actor.handleDisconnected(id, reason, now));
      }
    }
  }

  /** Resolves once everything queued on the connection has been sealed and handed to the socket. */
  async #drain(live: LiveConnection): Promise<void> {
    for (;;) {
      if (live.flushing !== undefined) await live.flushing;
      else if (live.outbox.length > 0 && !live.framed.closed) this.#kick(undefined, live);
      else return;
    }
  }

  #close(id: ConnId): void {
    const live = this.#connections.get(id);
    if (live === undefined) {
      // Still dialing: the dial drops the socket when it completes.
      if (this.#dialing.has(id)) this.#abandoned.add(id);
      return;
    }
    this.#connections.delete(id);
    live.closedByActor = true;
    this.#track((async () => {
      await this.#drain(live);
      await live.framed.closeAfterFlush(this.#closeFlushMs);
    })());
  }

  // ---- effects and time ----

  #apply(): void {
    // Front-end events go out after the sends, so that a front end reacting
    // at once (a bot answering) cannot overtake what was just being sent.
    const events: RuntimeEvent[] = [];
    for (const effect of this.#actor.takeEffects()) {
      switch (effect.type) {
        case "send":
          this.#send(effect.conn, effect.message);
          break;
        case "dial":
          if (!this.#stopped) this.#track(this.#dial(effect.conn, effect.addr));
          break;
        case "close":
          this.#close(effect.conn);
          break;
        default:
          events.push(effect);
      }
    }
    this.#lastMessage = undefined;
    this.#lastPayload = undefined;
    this.#schedule();
    if (events.length > 0) this.#onEvents(events);
    for (const event of events) this.#onEvent(event);
  }

  #schedule(): void {
    if (this.#stopped) return;
    const at = this.#actor.nextDeadlineMs();
    // A timer that fires early is harmless (the actor finds nothing due and
    // says when next): only move it earlier, which spares a timer op per step.
    if (at >= this.#timerAtMs) return;
    clearTimeout(this.#timer);
    this.#timerAtMs = at;
    this.#timer = undefined;
    if (at === Infinity) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAtMs = Infinity;
      if (this.#stopped) return;
      const now = this.#clock();
      // Early (the deadline moved later since): nothing is due, just wait again.
      if (now < this.#actor.nextDeadlineMs()) this.#schedule();
      else this.run((t) => this.#actor.handleTimeout(t));
    }, Math.max(0, at - this.#clock()));
  }

  /** Waits `ms`, or less if the runtime stops meanwhile. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }

  #wake(): void {
    for (const done of [...this.#sleepers]) done();
  }

  #track(task: Promise<unknown>): void {
    this.#tasks.add(task);
    // A task's failure is a bug to log, not a reason to end the process.
    task.catch((error) => this.#log("warn", `Internal error: ${describe(error)}`))
      .finally(() => this.#tasks.delete(task));
  }

  /** Races `work` against a timeout that closes the socket (which makes `work` fail). */
  async #withTimeout<T>(
    framed: FramedConnection,
    ms: number,
    work: Promise<T>,
    budgetMs: number = ms,
  ): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        framed.close();
        reject(new Error(`handshake timed out after ${budgetMs} ms`));
      }, ms);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  #log(level: "debug" | "info" | "warn", text: string): void {
    this.#onEvent({ type: "log", level, text });
  }
}

const ACCEPT_BACKOFF_MIN_MS = 5;
const ACCEPT_BACKOFF_MAX_MS = 1_000;

function safeRemote(framed: FramedConnection): string {
  try {
    return framed.remoteAddr;
  } catch {
    return "a closed connection";
  }
}

/** A one-line reason for logs and events. */
export function describe(error: unknown): string {
  if (error instanceof Deno.errors.ConnectionRefused) return "connection refused";
  if (error instanceof Deno.errors.ConnectionReset) return "connection reset";
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The hello type, re-exported for front ends that show remote identities. */
export type { Hello };
