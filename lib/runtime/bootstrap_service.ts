/**
 * A ready-to-run bootstrap: a listening socket and a
 * {@linkcode BootstrapRegistry} under its runtime, behind the
 * {@linkcode BootstrapService} facade.
 *
 * @module
 */

import { BootstrapRegistry, type RegisteredPeer } from "../bootstrap/bootstrap_registry.ts";
import { generateIdentity, type Identity } from "../identity/identity.ts";
import { systemRandom } from "../random/random.ts";
import { ActorRuntime } from "./actor_runtime.ts";
import { listenTcp } from "./listen.ts";
import type { MessageCounts } from "./message_counts.ts";
import type { RefusalCounts } from "./refusal_counts.ts";
import type { RuntimeEvent } from "./peer_event.ts";
import type { RelayStats } from "./nat_traversal.ts";
import {
  closingOnError,
  natTraversalFor,
  securedRuntimeOptions,
  type ServiceOptions,
} from "./service_options.ts";

/** Options of {@linkcode startBootstrap}. */
export interface StartBootstrapOptions extends ServiceOptions {
  /** Peers sampled into each answer. Default 2. */
  sampleSize?: number;
  /** A registration not renewed within this time lapses. Default 60 000 ms. */
  registrationTtlMs?: number;
}

/** A running bootstrap. */
export interface BootstrapService {
  /** Its id. */
  readonly id: string;
  /** The address peers register with. */
  readonly addr: string;
  /** The peers currently registered. */
  peers(): RegisteredPeer[];
  /** Messages in and out by type (for `/metrics`: `register` in, `peers` answers out). */
  messageCounts(): MessageCounts;
  /** Failed handshakes by reason and limit refusals by limiter (for `/metrics`). */
  refusalCounts(): RefusalCounts;
  /** Peer records handed out in `peers` answers so far (for `/metrics`). */
  peersServed(): number;
  /** What it relayed so far; undefined unless started with `relay`. */
  relayStats(): RelayStats | undefined;
  /** Closes everything. */
  stop(): Promise<void>;
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
  let peersServed = 0;
  const secured = await securedRuntimeOptions(options, identity, "bootstrap");
  const nat = natTraversalFor(options, secured, () => registry.localHello());
  const runtime = new ActorRuntime(registry, {
    ...secured,
    ...nat.runtimeOptions(),
    onTraffic: (direction, _conn, message) => {
      if (direction === "out" && message.type === "peers") peersServed += message.peers.length;
    },
    // A bootstrap carries no chat, so what it emits is only node events, never a direct box.
    ...(options.onEvent === undefined
      ? {}
      : { onEvent: options.onEvent as (event: RuntimeEvent) => void }),
  });
  runtime.serve(listener);
  return {
    id: identity.id,
    addr,
    peers: () => registry.peers(),
    messageCounts: () => runtime.messageCounts,
    refusalCounts: () => runtime.refusalCounts,
    peersServed: () => peersServed,
    relayStats: () => nat.relayStats(),
    stop: async () => {
      await nat.stop();
      await runtime.stop();
    },
  };
}
