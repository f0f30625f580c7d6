/**
 * The I/O shell: drives one sans-I/O {@linkcode Actor} with real TCP sockets
 * and timers. Admission takes connections; each established one reads capped
 * frames through its inbound pipeline (open, rate limit, decode, verify) into
 * the actor; the actor's sends go out through the outbound queue (encode,
 * sign, seal, write); timers only call `handleTimeout`. No protocol decision
 * is made here.
 *
 * @module
 */

import { MessageCounts } from "./message_counts.ts";
import { RefusalCounts } from "./refusal_counts.ts";
import type { Actor } from "../actor/actor.ts";
import type { ConnId } from "../actor/effect.ts";
import type { ChatAuthenticator } from "../secure/chat_authenticator.ts";
import type { MemberAuthenticator } from "../secure/member_signature.ts";
import type { Hello, Message } from "../wire/message.ts";
import { ProtocolError } from "../wire/protocol_error.ts";
import { DEFAULT_WIRE_LIMITS, type WireLimits } from "../wire/wire_limits.ts";
import { Admission } from "./admission.ts";
import { type Connected, Connector } from "./connector.ts";
import { InboundPipeline } from "./inbound_pipeline.ts";
import { freeLocalPort, PUNCH_TIMEOUT_MS } from "./hole_punch.ts";
import type { FramedConnection } from "./framed_connection.ts";
import {
  describe,
  type LinkPath,
  type LinkTransport,
  type LiveConnection,
  safeRemote,
} from "./live_connection.ts";
import { OutboundQueue } from "./outbound_queue.ts";
import { Sleepers } from "./sleepers.ts";
import type { ActorRuntimeOptions, RuntimeStats } from "./actor_runtime_options.ts";
import type { RuntimeEvent } from "./peer_event.ts";

/** Punch attempts per relayed link: one when it is up, again after a fallback or a refusal. */
const UPGRADES_PER_LINK_MAX = 3;
/**
 * How long a new relayed link runs before its dialer punches: two peers that
 * dialled each other at once keep one link, and only that one is worth a
 * punch (and a second relay stream).
 */
const UPGRADE_SETTLE_MS = 1_000;
/** How long a link whose punch was refused by its relay, or that fell back, waits to try again. */
const UPGRADE_RETRY_MS = 30_000;

/**
 * Runs an actor. Call {@linkcode ActorRuntime.serve} with a listener, then
 * {@linkcode ActorRuntime.run} for every command from the front end.
 */
export class ActorRuntime {
  readonly #actor: Actor;
  readonly #onEvent: (event: RuntimeEvent) => void;
  readonly #onEvents: (events: readonly RuntimeEvent[]) => void;
  readonly #onTraffic: ActorRuntimeOptions["onTraffic"];
  readonly #clock: () => number;
  readonly #limits: WireLimits;
  readonly #closeFlushMs: number;
  readonly #authenticator: ChatAuthenticator | undefined;
  readonly #memberAuthenticator: MemberAuthenticator | undefined;
  readonly #offencesMax: number;
  readonly #messagesPerSecondMax: number;
  readonly #bytesPerSecondMax: number;
  readonly #admission: Admission;
  readonly #outbound: OutboundQueue;
  readonly #connector: Connector;
  readonly #heldConnections: () => number;
  readonly #punch: boolean;
  readonly #connections = new Map<ConnId, LiveConnection>();
  readonly #tasks = new Set<Promise<unknown>>();
  /** Dials in flight, and those the actor closed before they completed. */
  readonly #dialing = new Set<ConnId>();
  readonly #abandoned = new Set<ConnId>();
  /** Pauses that `stop` cuts short. */
  readonly #sleepers = new Sleepers();
  #listeners: Deno.Listener[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAtMs = Infinity;
  #stopped = false;
  /** Messages in and out by type (for `/metrics`). */
  readonly messageCounts: MessageCounts = new MessageCounts();
  /** Failed handshakes and limit refusals (for `/metrics`). */
  readonly refusalCounts: RefusalCounts = new RefusalCounts();
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
    this.#onEvent = options.onEvent ?? (() => {});
    this.#onEvents = options.onEvents ?? (() => {});
    this.#onTraffic = options.onTraffic;
    this.#clock = options.clock ?? (() => performance.now());
    this.#limits = options.limits ?? DEFAULT_WIRE_LIMITS;
    this.#closeFlushMs = options.closeFlushMs ?? 1_000;
    this.#authenticator = options.authenticator;
    this.#memberAuthenticator = options.memberAuthenticator;
    this.#offencesMax = options.offencesMax ?? 3;
    this.#messagesPerSecondMax = options.messagesPerSecondMax ?? 25_000;
    this.#bytesPerSecondMax = options.bytesPerSecondMax ?? 16_777_216;
    this.#heldConnections = options.heldConnections ?? (() => 0);
    this.#punch = options.punch ?? false;
    this.#admission = new Admission({
      connectionsMax: options.connectionsMax ?? 1_024,
      connectionsPerAddressMax: options.connectionsPerAddressMax ?? 64,
    }, {
      connectionCount: () => this.connectionCount,
      stopped: () => this.#stopped,
      sleep: (ms) => this.#sleepers.sleep(ms),
      log: (level, text) => this.#log(level, text),
      onRefused: (limiter) => this.refusalCounts.countLimitRefusal(limiter),
    });
    this.#connector = new Connector({
      handshake: options.handshake,
      localHello: () => actor.localHello(),
      frameBytesMax: this.#limits.frameBytesMax,
      writeQueueBytesMax: options.writeQueueBytesMax ?? 8 * 1024 * 1024,
      dialTimeoutMs: options.dialTimeoutMs ?? 5_000,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5_000,
      clock: this.#clock,
      admission: this.#admission,
      log: (level, text) => this.#log(level, text),
      refusals: this.refusalCounts,
      onRelayFrame: options.onRelayFrame,
      punch: {
        enabled: this.#punch,
        timeoutMs: PUNCH_TIMEOUT_MS,
        freePort: freeLocalPort,
        log: (text) => this.#log("info", text),
        ...(options.punchOpener === undefined ? {} : { open: options.punchOpener }),
      },
    });
    this.#outbound = new OutboundQueue({
      memberAuthenticator: this.#memberAuthenticator,
      stats: this.#stats,
      counts: this.messageCounts,
      track: (task) => this.#track(task),
      // The queue closed the path it could not write to.
      onWriteFailed: (live, framed, reason, pathFailed) =>
        this.#pathEnded(live, framed, reason, pathFailed),
      log: (level, text) => this.#log(level, text),
    });
  }

  /** Connections open now (established or in handshake). */
  get connectionCount(): number {
    return this.#connections.size + this.#connector.pendingCount + this.#heldConnections();
  }

  /** What went over the wire so far (a live view). */
  get stats(): Readonly<RuntimeStats> {
    return this.#stats;
  }

  /** Accepts connections from `listener` until `stop`. */
  serve(listener: Deno.Listener): void {
    this.#listeners.push(listener);
    this.#track(this.#admission.acceptLoop(listener, (conn) => this.#track(this.#acceptOne(conn))));
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
    this.#connector.closePending();
    this.#sleepers.wakeAll();
    await Promise.all(
      [...this.#connections.values()].map(async (c) => {
        c.closedByActor = true;
        c.fallback?.framed.close();
        await this.#outbound.drain(c);
        await c.framed.closeAfterFlush(this.#closeFlushMs);
      }),
    );
    this.#connections.clear();
    await Promise.allSettled([...this.#tasks]);
  }

  // ---- connecting ----

  async #acceptOne(conn: Deno.Conn): Promise<void> {
    const connected = await this.#connector.accept(conn);
    if (connected === undefined) return;
    if (this.#stopped) {
      connected.framed.close();
      return;
    }
    // Adopt before applying effects: the actor may already be sending on it.
    // The source host is the socket's, whatever the hello claims.
    const host = (conn.remoteAddr as Deno.NetAddr).hostname;
    const id = this.#actor.handleAccepted(connected.channel.remote, this.#clock(), host);
    this.#adopt(id, connected);
    this.#apply();
  }

  /** How connection `conn`'s bytes travel; undefined when it is not established. */
  pathOf(conn: ConnId): LinkPath | undefined {
    return this.#connections.get(conn)?.path;
  }

  /** Wraps a socket this node opened to a relay (to accept a stream, or reserve) for frames. */
  framedOutbound(conn: Deno.Conn): FramedConnection {
    return this.#connector.framedOutbound(conn);
  }

  /**
   * A relayed stream reached this node (it dialled its relay and accepted
   * the stream on `framed`; the relay sees the dialer at `otherSeen`): runs
   * the handshake as the acceptor and hands the connection to the actor like
   * an accepted one, with no source host — or, when the dialer punched
   * through to upgrade the relayed link the two have, moves that link to the
   * punched connection.
   */
  acceptRelayed(framed: FramedConnection, otherSeen?: string): void {
    this.#track((async () => {
      let connected: Connected | undefined;
      try {
        connected = await this.#connector.acceptRelayed(framed, otherSeen);
      } catch (error) {
        this.#log("info", `Relayed handshake failed: ${describe(error)}`);
        return;
      }
      if (connected === undefined) return;
      if (this.#stopped) {
        connected.framed.close();
        return;
      }
      if (connected.upgrade === true) {
        const live = this.#relayedLinkTo(connected.channel.remote.id);
        if (live === undefined) connected.framed.close();
        else this.#moveToPunched(live, connected);
        return;
      }
      const id = this.#actor.handleAccepted(connected.channel.remote, this.#clock());
      this.#adopt(id, connected);
      this.#apply();
    })());
  }

  async #dial(id: ConnId, addr: string): Promise<void> {
    this.#dialing.add(id);
    // The actor closed it while we were dialing: it wants no news of it.
    const cancelled = () => this.#stopped || this.#abandoned.has(id);
    let connected: Connected | undefined;
    try {
      connected = await this.#connector.dial(addr, cancelled);
      if (connected === undefined) return;
      this.#adopt(id, connected, addr);
      const remote = connected.channel.remote;
      this.run((now) => this.#actor.handleConnected(id, remote, now));
    } catch (error) {
      connected?.framed.close();
      this.#connections.delete(id);
      if (!cancelled()) this.run((now) => this.#actor.handleDialFailed(id, describe(error), now));
    } finally {
      this.#dialing.delete(id);
      this.#abandoned.delete(id);
    }
  }

  // ---- established connections ----

  #adopt(id: ConnId, { framed, channel, path }: Connected, dialled?: string): void {
    const upgrades = this.#punch && path === "relayed" && dialled !== undefined;
    const live: LiveConnection = {
      id,
      framed,
      channel,
      outbox: [],
      flushing: undefined,
      closedByActor: false,
      path,
      fallback: undefined,
      dialled,
      upgradesLeft: upgrades ? UPGRADES_PER_LINK_MAX : 0,
    };
    this.#connections.set(id, live);
    this.#track(this.#readLoop(live, { framed, channel }));
    if (upgrades) this.#upgradeAfter(live, UPGRADE_SETTLE_MS);
  }

  /** Reads one path of `live` into the actor until it ends. */
  async #readLoop(live: LiveConnection, transport: LinkTransport): Promise<void> {
    const actor = this.#actor;
    const { framed } = transport;
    const pipeline = new InboundPipeline(transport.channel, {
      limits: this.#limits,
      messagesPerSecondMax: this.#messagesPerSecondMax,
      bytesPerSecondMax: this.#bytesPerSecondMax,
      offencesMax: this.#offencesMax,
      authenticator: this.#authenticator,
      memberAuthenticator: this.#memberAuthenticator,
      isNewChat: actor.isNewChat === undefined ? undefined : (chat) => actor.isNewChat!(chat),
      clock: this.#clock,
      stats: this.#stats,
      counts: this.messageCounts,
      onLimit: (limiter) => this.refusalCounts.countLimitRefusal(limiter),
      onForgery: () => {
        this.#log("warn", `Dropped a chat message with a bad signature from ${safeRemote(framed)}`);
        this.run((now) => actor.handleOffence?.(live.id, "forgery", now));
      },
    });
    const accept = (message: Message): boolean => {
      if (live.closedByActor || this.#stopped) return false;
      this.#stats.messagesReceived++;
      this.messageCounts.countReceived(message.type);
      if (message.type === "chat" && message.repair === true) this.messageCounts.repairsReceived++;
      this.run((now) => actor.handleMessage(live.id, message, now));
      this.#onTraffic?.("in", live.id, message);
      return true;
    };
    let reason = "closed by remote";
    let pathFailed = true;
    try {
      for (;;) {
        const frames = await framed.readFrames();
        if (frames.length === 0) break;
        if (!(await pipeline.receive(frames, accept))) return;
      }
    } catch (error) {
      if (live.closedByActor || this.#stopped) return;
      reason = describe(error);
      if (error instanceof ProtocolError) {
        pathFailed = false;
        this.#stats.protocolErrors++;
        this.#log("warn", `Closing connection to ${safeRemote(framed)}: ${reason}`);
        // The actor scores the remote (and may back it off) before it hears of the close.
        const offence = pipeline.closingOffence ?? "protocol-error";
        this.run((now) => actor.handleOffence?.(live.id, offence, now));
      }
    }
    framed.close();
    this.#pathEnded(live, framed, reason, pathFailed);
  }

  /**
   * One path of `live` ended, read or write side (`pathFailed`: the socket
   * failed, rather than the remote misbehaving or reading too slowly): a fallback path takes over, a path no longer
   * written on is forgotten, else the link is gone and the actor told.
   */
  #pathEnded(
    live: LiveConnection,
    framed: FramedConnection,
    reason: string,
    pathFailed: boolean,
  ): void {
    // Closing already (the actor's close or `stop` owns the sockets), or gone.
    if (this.#connections.get(live.id) !== live || live.closedByActor || this.#stopped) return;
    if (framed !== live.framed) {
      if (live.fallback?.framed === framed) live.fallback = undefined;
      return;
    }
    if (pathFailed && this.#fallBack(live, reason)) return;
    live.fallback?.framed.close();
    this.#connections.delete(live.id);
    live.closedByActor = true;
    this.run((now) => this.#actor.handleDisconnected(live.id, reason, now));
  }

  // ---- punching through: upgrades and fallbacks ----

  /** After `delayMs`, tries once to move `live` (relayed, dialled by this side) off its relay. */
  #upgradeAfter(live: LiveConnection, delayMs: number): void {
    live.upgradesLeft--;
    const stillRelayed = () =>
      !this.#stopped && !live.closedByActor && this.#connections.get(live.id) === live &&
      live.path === "relayed";
    this.#track((async () => {
      if (delayMs > 0) await this.#sleepers.sleep(delayMs);
      if (!stillRelayed()) return;
      const remote = live.channel.remote;
      let connected: Connected | undefined;
      try {
        connected = await this.#connector.upgrade(live.dialled!, () => !stillRelayed());
      } catch (error) {
        // The relay or the handshake failed, not the punch: worth another try later.
        this.#log("info", `Punching through to ${remote.nick} failed: ${describe(error)}`);
        if (live.upgradesLeft > 0 && stillRelayed()) this.#upgradeAfter(live, UPGRADE_RETRY_MS);
        return;
      }
      if (connected === undefined) {
        this.#log("info", `Link to ${remote.nick} stays on its relay: no punch through`);
      } else if (connected.channel.remote.id !== remote.id) {
        connected.framed.close();
      } else {
        this.#moveToPunched(live, connected);
      }
    })());
  }

  /** The relayed link to `peer` a punched upgrade is for, preferring one this side accepted. */
  #relayedLinkTo(peer: string): LiveConnection | undefined {
    let found: LiveConnection | undefined;
    for (const live of this.#connections.values()) {
      if (live.closedByActor || live.path !== "relayed" || live.channel.remote.id !== peer) {
        continue;
      }
      if (found === undefined || live.dialled === undefined) found = live;
    }
    return found;
  }

  /** `live` writes on the punched connection from now on; its relayed stream is kept, still read. */
  #moveToPunched(live: LiveConnection, punched: Connected): void {
    live.fallback = { framed: live.framed, channel: live.channel };
    live.framed = punched.framed;
    live.channel = punched.channel;
    live.path = "punched";
    this.#log(
      "info",
      `Link to ${live.channel.remote.nick} punched through: direct now, its relay kept as fallback`,
    );
    this.#track(this.#readLoop(live, punched));
  }

  /** `live`'s punched path failed: back to its relayed stream, if that is still open. */
  #fallBack(live: LiveConnection, reason: string): boolean {
    const fallback = live.fallback;
    if (fallback === undefined || fallback.framed.closed) return false;
    live.fallback = undefined;
    live.framed = fallback.framed;
    live.channel = fallback.channel;
    live.path = "relayed";
    this.#log(
      "info",
      `Punched link to ${live.channel.remote.nick} lost (${reason}): back on its relay`,
    );
    // What was queued for the lost path goes out on the relay.
    this.#track(this.#outbound.drain(live));
    if (live.upgradesLeft > 0 && live.dialled !== undefined) {
      this.#upgradeAfter(live, UPGRADE_RETRY_MS);
    }
    return true;
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
    live.fallback?.framed.close();
    this.#track((async () => {
      await this.#outbound.drain(live);
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
        case "send": {
          const live = this.#connections.get(effect.conn);
          if (live !== undefined && !live.closedByActor) {
            this.#outbound.send(live, effect.message);
            this.#onTraffic?.("out", effect.conn, effect.message);
          }
          break;
        }
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
    this.#outbound.endStep();
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

  #track(task: Promise<unknown>): void {
    this.#tasks.add(task);
    // A task's failure is a bug to log, not a reason to end the process.
    task.catch((error) => this.#log("warn", `Internal error: ${describe(error)}`))
      .finally(() => this.#tasks.delete(task));
  }

  #log(level: "debug" | "info" | "warn", text: string): void {
    this.#onEvent({ type: "log", level, text });
  }
}

export { describe };
export type { ActorRuntimeOptions, RuntimeStats };

/** The hello type, re-exported for front ends that show remote identities. */
export type { Hello };
