/**
 * Ready-to-run nodes: a listening socket, an actor and its runtime wired
 * together. `main.ts`, the demo and the tests all start nodes through here.
 *
 * @module
 */

import { BootstrapRegistry, type RegisteredPeer } from "../bootstrap/bootstrap_registry.ts";
import type { VectorClock } from "../causal/vector_clock.ts";
import { generateIdentity, type Identity } from "../identity/identity.ts";
import { PeerNode, type PeerSummary } from "../peer/peer_node.ts";
import type { PeerNodeOptions } from "../peer/peer_node_options.ts";
import { type Random, systemRandom } from "../random/random.ts";
import type { Handshake } from "../secure/channel.ts";
import { plainHandshake } from "../secure/plain_channel.ts";
import { noiseHandshake } from "../secure/noise_channel.ts";
import { DEFAULT_ROOM, publicRoomKey, type RoomKey } from "../secure/room_key.ts";
import type { X25519KeyPair } from "../secure/noise/x25519.ts";
import { chatAuthenticator } from "../secure/chat_authenticator.ts";
import {
  directBoxId,
  type DirectMessage,
  openDirect,
  sealDirect,
} from "../secure/direct_message.ts";
import { isPeerId } from "../wire/message_codec.ts";
import type { ChatMessage } from "../wire/message.ts";
import type { PeerStore } from "../store/peer_store.ts";
import {
  ActorRuntime,
  type ActorRuntimeOptions,
  type RuntimeEvent,
  type RuntimeStats,
} from "./actor_runtime.ts";
import { listenTcp } from "./listen.ts";

/** Direct messages remembered to drop replays. */
const OPENED_BOXES_MAX = 4_096;

/** Direct messages being opened at once; more are dropped (each costs an X25519 and a verify). */
const OPENING_BOXES_MAX = 64;

/** How long a leaving peer waits for its goodbyes to be delivered. */
const LEAVE_GRACE_MS = 1_000;

/** A direct message for this peer, opened and verified. */
export interface DirectMessageEvent extends DirectMessage {
  readonly type: "direct-message";
}

/** What a running node tells its front end. */
export type PeerEvent = Exclude<RuntimeEvent, { type: "direct" }> | DirectMessageEvent;

/** Options shared by both roles. */
export interface ServiceOptions {
  /** `host:port` to listen on; port 0 picks a free one. */
  listen: string;
  /** `host:port` others should dial, when the listen address is not it. Default: derived from `listen`. */
  advertise?: string;
  /** Receives deliveries, membership changes, direct messages and diagnostics. */
  onEvent?: (event: PeerEvent) => void;
  /** The identity; generated when absent. */
  identity?: Identity;
  /** Randomness; seeded from the OS when absent. */
  random?: Random;
  /**
   * The room: every connection runs Noise XXpsk3 with its key, and chat is
   * signed and verified. Default: the public room "lobby".
   */
  room?: RoomKey;
  /** No Noise and no signatures: the plain hello exchange (`--insecure`; benchmarks, debugging). */
  insecure?: boolean;
  /** The Noise static key pair. Default: made for this process. */
  staticKeyPair?: X25519KeyPair;
  /** How connections are secured, overriding `room` (tests). */
  handshake?: Handshake;
  /** Runtime tuning (timeouts, connection limits). */
  runtime?: Omit<ActorRuntimeOptions, "handshake" | "onEvent">;
}

/** Options of {@linkcode startPeer}. */
export interface StartPeerOptions extends ServiceOptions {
  /** Display name. */
  nick: string;
  /** Bootstrap addresses. Default none. */
  bootstraps?: readonly string[];
  /** Peers (or bootstraps) to join through as well. Default none. */
  joins?: readonly string[];
  /**
   * Where identity-independent state lives (history, clock, incarnation,
   * address book); it is closed when the peer stops. Default: nothing is kept.
   */
  store?: PeerStore;
  /** Protocol tuning of the peer actor. */
  node?: Omit<
    PeerNodeOptions,
    "id" | "addr" | "nick" | "random" | "bootstraps" | "joins" | "addressBook" | "restore"
  >;
}

/** A running peer. */
export interface PeerService {
  /** Its id. */
  readonly id: string;
  /** The address it advertises. */
  readonly addr: string;
  /** Its nick for the next message. */
  readonly nick: string;
  /**
   * Sends a chat message; returns it as delivered locally.
   *
   * @throws {Error} once writing to the data directory has failed.
   */
  send(text: string): ChatMessage;
  /**
   * Sends `text` to peer `to` alone, end-to-end encrypted, through the
   * overlay when it is not a neighbour.
   *
   * @throws {TypeError} if `to` is not a peer id.
   */
  sendDirect(to: string, text: string): Promise<void>;
  /** The peers it believes alive. */
  peers(): PeerSummary[];
  /** What it has delivered, per author. */
  clock(): VectorClock;
  /** Changes its nick. */
  setNick(nick: string): void;
  /** Counters for benchmarks and diagnostics. */
  stats(): PeerStats;
  /** Leaves the network gracefully and closes everything. */
  stop(): Promise<void>;
}

/** Counters of a running peer. */
export interface PeerStats extends RuntimeStats {
  /** Messages delivered, own included, plus those skipped (the sum of the delivered clock). */
  delivered: number;
  /** Messages waiting for their causes. */
  heldBack: number;
  /** Open neighbour connections. */
  neighbours: number;
}

/** A running bootstrap. */
export interface BootstrapService {
  /** Its id. */
  readonly id: string;
  /** The address peers register with. */
  readonly addr: string;
  /** The peers currently registered. */
  peers(): RegisteredPeer[];
  /** Closes everything. */
  stop(): Promise<void>;
}

/** Starts a peer: listens, registers with its bootstraps, and joins the chat. */
export async function startPeer(options: StartPeerOptions): Promise<PeerService> {
  const identity = options.identity ?? (await generateIdentity());
  const { listener, addr } = await listenTcp(options.listen, {
    advertise: options.advertise,
    routeTargets: [...(options.bootstraps ?? []), ...(options.joins ?? [])],
  });
  return await closingOnError(listener, () => servePeer(options, identity, listener, addr));
}

/** Runs `start`; if it fails, the port it was given is let go before the error goes on. */
async function closingOnError<T>(listener: Deno.Listener, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    listener.close();
    throw error;
  }
}

async function servePeer(
  options: StartPeerOptions,
  identity: Identity,
  listener: Deno.Listener,
  addr: string,
): Promise<PeerService> {
  const store = options.store;
  const restored = store?.restore();
  const node = new PeerNode({
    ...options.node,
    id: identity.id,
    addr,
    nick: options.nick,
    random: options.random ?? systemRandom(),
    bootstraps: options.bootstraps ?? [],
    joins: options.joins ?? [],
    addressBook: restored?.addresses ?? [],
    ...(restored === undefined ? {} : { restore: restored }),
  });
  const emit = options.onEvent ?? (() => {});
  // Boxes opened, by their ephemeral key (unique per box): a relay that
  // replays one, under a new routing id, does not get it shown twice.
  const opened = new Set<string>();
  let opening = 0;
  const onEvent = (event: RuntimeEvent): void => {
    if (event.type !== "direct") return emit(event);
    if (opening >= OPENING_BOXES_MAX) {
      emit({ type: "log", level: "warn", text: "Dropped a direct message: too many to open" });
      return;
    }
    opening++;
    openDirect(identity, event.box).then(
      (message) => {
        const id = directBoxId(event.box);
        if (opened.has(id)) return;
        opened.add(id);
        if (opened.size > OPENED_BOXES_MAX) opened.delete(opened.values().next().value!);
        emit({ type: "direct-message", ...message });
      },
      (error) =>
        emit({
          type: "log",
          level: "warn",
          text: `Dropped a direct message: ${(error as Error).message}`,
        }),
    ).finally(() => opening--);
  };
  // Once the disk fails, this peer no longer sends: a message it could not
  // record might get its sequence number reused after a restart.
  let diskFailure: Error | undefined;
  const record = (events: readonly RuntimeEvent[]): void => {
    if (store === undefined || diskFailure !== undefined) return;
    try {
      store.record({ ...toRecord(events), incarnation: node.incarnation });
    } catch (error) {
      diskFailure = error as Error;
      emit({
        type: "log",
        level: "warn",
        text: `Cannot write to the data directory (${diskFailure.message}): ` +
          "sending is off until a restart; receiving goes on",
      });
    }
  };
  const runtime = new ActorRuntime(node, {
    ...(await runtimeOptions(options, identity, true)),
    onEvent,
    ...(store === undefined ? {} : { onEvents: record }),
  });
  runtime.serve(listener);
  runtime.run((now) => node.start(now));
  return {
    id: identity.id,
    addr,
    get nick() {
      return node.nick;
    },
    send(text) {
      if (diskFailure !== undefined) {
        throw new Error(
          `Cannot send: writing to the data directory failed (${diskFailure.message})`,
        );
      }
      return runtime.run((now) => node.sendChat(text, Date.now(), now));
    },
    async sendDirect(to, text) {
      if (!isPeerId(to)) {
        throw new TypeError(`Cannot send a direct message: ${JSON.stringify(to)} is not a peer id`);
      }
      const box = await sealDirect(identity, to, { nick: node.nick, text, ts: Date.now() });
      runtime.run((now) => node.sendDirect(to, box, now));
    },
    peers: () => node.peers(),
    clock: () => node.deliveredClock,
    setNick: (nick) => node.setNick(nick),
    stats: () => ({
      ...runtime.stats,
      delivered: [...node.deliveredClock.values()].reduce((a, b) => a + b, 0),
      heldBack: node.heldBackCount,
      neighbours: node.neighbourIds().length,
    }),
    async stop() {
      runtime.run((now) => node.leave(now));
      // Give the goodbyes (to neighbours and bootstraps) a moment to go out.
      const deadline = performance.now() + LEAVE_GRACE_MS;
      while (node.linkCount > 0 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await runtime.stop();
      store?.close();
    },
  };
}

/** What the store keeps of one runtime step. */
function toRecord(events: readonly RuntimeEvent[]): Parameters<PeerStore["record"]>[0] {
  const delivered: ChatMessage[] = [];
  const skipped: { author: string; seq: number }[] = [];
  const seen: { id: string; addr: string }[] = [];
  for (const event of events) {
    if (event.type === "deliver") delivered.push(event.message);
    else if (event.type === "skip") skipped.push({ author: event.author, seq: event.seq });
    else if (event.type === "peer-up") seen.push({ id: event.id, addr: event.addr });
  }
  return { delivered, skipped, seen };
}

/** Options of {@linkcode startBootstrap}. */
export interface StartBootstrapOptions extends ServiceOptions {
  /** Peers sampled into each answer. Default 2. */
  sampleSize?: number;
  /** A registration not renewed within this time lapses. Default 60 000 ms. */
  registrationTtlMs?: number;
}

/** Starts a bootstrap registry. */
export async function startBootstrap(options: StartBootstrapOptions): Promise<BootstrapService> {
  const identity = options.identity ?? (await generateIdentity());
  const { listener, addr } = await listenTcp(options.listen, { advertise: options.advertise });
  return await closingOnError(
    listener,
    () => serveBootstrap(options, identity, listener, addr),
  );
}

async function serveBootstrap(
  options: StartBootstrapOptions,
  identity: Identity,
  listener: Deno.Listener,
  addr: string,
): Promise<BootstrapService> {
  const registry = new BootstrapRegistry({
    id: identity.id,
    addr,
    random: options.random ?? systemRandom(),
    ...(options.sampleSize !== undefined ? { sampleSize: options.sampleSize } : {}),
    ...(options.registrationTtlMs !== undefined
      ? { registrationTtlMs: options.registrationTtlMs }
      : {}),
  });
  const runtime = new ActorRuntime(registry, {
    ...(await runtimeOptions(options, identity, false)),
    ...(options.onEvent === undefined
      ? {}
      : { onEvent: options.onEvent as (event: RuntimeEvent) => void }),
  });
  runtime.serve(listener);
  return {
    id: identity.id,
    addr,
    peers: () => registry.peers(),
    stop: () => runtime.stop(),
  };
}

async function runtimeOptions(
  options: ServiceOptions,
  identity: Identity,
  chats: boolean,
): Promise<ActorRuntimeOptions> {
  if (options.insecure === true && options.room !== undefined) {
    throw new TypeError("Cannot start: a room key and insecure mode exclude each other");
  }
  const room = options.insecure === true
    ? undefined
    : options.room ?? (await publicRoomKey(DEFAULT_ROOM));
  const handshake = options.handshake ??
    (room === undefined ? plainHandshake(options.runtime?.limits) : noiseHandshake({
      roomKey: room,
      identity,
      staticKeyPair: options.staticKeyPair,
      limits: options.runtime?.limits,
    }));
  return {
    ...options.runtime,
    handshake,
    ...(room !== undefined && chats ? { authenticator: chatAuthenticator(identity) } : {}),
  };
}
