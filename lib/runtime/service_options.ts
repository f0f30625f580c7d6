/**
 * What both roles of a ready-to-run node share: the listen and advertise
 * addresses, identity, randomness, and how connections are secured — and the
 * one place that turns a room (or `insecure`) into the runtime's handshake
 * and chat authenticator.
 *
 * @module
 */

import type { Identity } from "../identity/identity.ts";
import type { Random } from "../random/random.ts";
import type { Handshake } from "../secure/channel.ts";
import { chatAuthenticator } from "../secure/chat_authenticator.ts";
import { memberAuthenticator } from "../secure/member_signature.ts";
import type { X25519KeyPair } from "../identity/x25519_key_pair.ts";
import { noiseHandshake } from "../secure/noise_handshake.ts";
import { plainHandshake } from "../secure/plain_channel.ts";
import { DEFAULT_ROOM, publicRoomKey, type RoomKey } from "../secure/room_key.ts";
import { roomTag, roomTagOf } from "../secure/room_tag.ts";
import type { ActorRuntimeOptions } from "./actor_runtime.ts";
import type { PeerEvent } from "./peer_event.ts";
import type { RelayLimits } from "../nat/relay_book.ts";
import type { Hello } from "../wire/message.ts";
import { DEFAULT_WIRE_LIMITS } from "../wire/wire_limits.ts";
import { NatTraversal } from "./nat_traversal.ts";

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
  /**
   * The room's name in insecure mode, which has no key: it names the room's
   * store (`plainRoomTag`). Default "lobby"; ignored with a room key.
   */
  plainRoom?: string;
  /** The Noise static key pair. Default: made for this process. */
  staticKeyPair?: X25519KeyPair;
  /** How connections are secured, overriding `room` (tests). */
  handshake?: Handshake;
  /** Runtime tuning (timeouts, connection limits). */
  runtime?: Omit<ActorRuntimeOptions, "handshake" | "onEvent">;
  /**
   * Carry relayed streams for peers that cannot be dialled (`--relay`),
   * under these limits (defaults: `DEFAULT_RELAY_LIMITS`). Default: relay
   * nothing (dial-backs are answered all the same).
   */
  relay?: Partial<RelayLimits>;
}

/** Whether the node's role carries chat (a peer), whose signatures the runtime then checks. */
export type ServiceRole = "peer" | "bootstrap";

/**
 * The runtime options for a node of `role`: the handshake its room asks for
 * and, for a peer in a secure room, the chat authenticator.
 *
 * @throws {TypeError} if both a room and insecure mode are asked for.
 */
export async function securedRuntimeOptions(
  options: ServiceOptions,
  identity: Identity,
  role: ServiceRole,
): Promise<ActorRuntimeOptions> {
  const room = await serviceRoom(options);
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
    // Member records are signed in every room, plaintext ones included: the
    // signature, not the channel, is what proves who vouched for a record.
    memberAuthenticator: memberAuthenticator(identity),
    ...(room !== undefined && role === "peer"
      ? { authenticator: chatAuthenticator(identity, await roomTag(room)) }
      : {}),
  };
}

/**
 * The room key a service runs with: `options.room`, the public lobby's, or
 * none in insecure mode.
 *
 * @throws {TypeError} if both a room and insecure mode are asked for.
 */
async function serviceRoom(options: ServiceOptions): Promise<RoomKey | undefined> {
  if (options.insecure === true && options.room !== undefined) {
    throw new TypeError("Cannot start: a room key and insecure mode exclude each other");
  }
  return options.insecure === true
    ? undefined
    : options.room ?? (await publicRoomKey(DEFAULT_ROOM));
}

/**
 * The tag of the room a service runs in (`room_tag.ts`): what its chat
 * signatures and its store are bound to.
 *
 * @throws {TypeError} if both a room and insecure mode are asked for.
 */
export async function serviceRoomTag(options: ServiceOptions): Promise<Uint8Array<ArrayBuffer>> {
  return await roomTagOf(await serviceRoom(options), options.plainRoom ?? DEFAULT_ROOM);
}

/** Runs `start`; if it fails, the port it was given is let go before the error goes on. */
export async function closingOnError<T>(
  listener: Deno.Listener,
  start: () => Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    listener.close();
    throw error;
  }
}

/** The NAT traversal of a node with `options`, whose runtime runs `runtime` and says `hello`. */
export function natTraversalFor(
  options: ServiceOptions,
  runtime: Pick<
    ActorRuntimeOptions,
    "handshake" | "dialTimeoutMs" | "handshakeTimeoutMs" | "limits"
  >,
  localHello: () => Hello,
): NatTraversal {
  const emit = options.onEvent ?? (() => {});
  return new NatTraversal({
    relay: options.relay,
    handshake: runtime.handshake,
    localHello,
    frameBytesMax: (runtime.limits ?? DEFAULT_WIRE_LIMITS).frameBytesMax,
    dialTimeoutMs: runtime.dialTimeoutMs ?? 5_000,
    handshakeTimeoutMs: runtime.handshakeTimeoutMs ?? 5_000,
    clock: () => performance.now(),
    log: (level, text) => emit({ type: "log", level, text }),
  });
}
