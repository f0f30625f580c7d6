/**
 * p2pchat as a library: a decentralized chat whose peers discover each other
 * by gossip and deliver every message exactly once, in causal order.
 *
 * Run nodes over TCP with {@linkcode startBootstrap} and {@linkcode startPeer}:
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { startBootstrap, startPeer } from "./mod.ts";
 *
 * const bootstrap = await startBootstrap({ listen: "127.0.0.1:0" });
 * const ann = await startPeer({ listen: "127.0.0.1:0", nick: "ann", bootstraps: [bootstrap.addr] });
 * const message = await ann.send("hello");
 * assert.equal(message.seq, 1);
 * await ann.stop();
 * await bootstrap.stop();
 * ```
 *
 * Or drive the sans-I/O actors yourself — in a simulation, say — with
 * {@linkcode PeerNode}, {@linkcode BootstrapRegistry} and {@linkcode SimNetwork}:
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { PeerNode, seededRandom, SimNetwork } from "./mod.ts";
 *
 * const net = new SimNetwork({ seed: 1 });
 * const ann = net.addNode("10.0.0.1:9000", new PeerNode({
 *   id: "a".repeat(64), addr: "10.0.0.1:9000", nick: "ann", random: seededRandom(1),
 * }), (node, now) => node.start(now));
 * net.addNode("10.0.0.2:9000", new PeerNode({
 *   id: "b".repeat(64), addr: "10.0.0.2:9000", nick: "bob", random: seededRandom(2),
 * }), (node, now) => { node.start(now); node.join("10.0.0.1:9000", now); });
 * net.runUntil(1_000);
 * assert.equal(ann.actor.peers().length, 1);
 * ```
 *
 * @module
 */

export {
  type BootstrapService,
  type PeerService,
  startBootstrap,
  type StartBootstrapOptions,
  startPeer,
  type StartPeerOptions,
} from "./lib/runtime/mod.ts";
export { PeerNode, type PeerNodeOptions, type PeerSummary } from "./lib/peer/mod.ts";
export {
  BootstrapRegistry,
  type BootstrapRegistryOptions,
} from "./lib/bootstrap/bootstrap_registry.ts";
export type { Actor } from "./lib/actor/actor.ts";
export type { ConnId, Effect } from "./lib/actor/effect.ts";
export { ActorRuntime, type ActorRuntimeOptions, type RuntimeEvent } from "./lib/runtime/mod.ts";
export {
  HoldBackQueue,
  type HoldBackQueueOptions,
  type OfferResult,
} from "./lib/causal/hold_back_queue.ts";
export {
  clockToObject,
  compareClocks,
  isDeliverable,
  mergeClocks,
  type VectorClock,
} from "./lib/causal/vector_clock.ts";
export { SimNetwork, type SimNetworkOptions, type SimNode } from "./lib/sim/sim_network.ts";
export { CausalChecker, InvariantViolation } from "./lib/sim/causal_checker.ts";
export { type Random, seededRandom } from "./lib/random/random.ts";
export { decodeMessage, encodeMessage } from "./lib/wire/mod.ts";
export { encodeFrame, FrameDecoder } from "./lib/wire/frame_codec.ts";
export { ProtocolError } from "./lib/wire/protocol_error.ts";
export { DEFAULT_WIRE_LIMITS, type WireLimits } from "./lib/wire/wire_limits.ts";
export type { ChatMessage, Hello, MemberInfo, Message, PeerId } from "./lib/wire/message.ts";
