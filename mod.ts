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
 * Events carry vector clocks as `Map`s; {@linkcode eventLine} gives the
 * JSON-safe form that `main.ts peer --json` prints:
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { eventLine } from "./mod.ts";
 *
 * const author = "a".repeat(64);
 * const clock = new Map([[author, 1]]);
 * const message = { author, seq: 1, clock, nick: "ann", text: "hi", ts: 0, signature: new Uint8Array(64) };
 * const line = eventLine({ type: "deliver", message });
 * assert.deepEqual(JSON.parse(JSON.stringify(line)).clock, { [author]: 1 });
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

// Running nodes over TCP.
export {
  type BootstrapService,
  type DirectMessageEvent,
  type FatalEvent,
  ListenError,
  MessageCounts,
  type PeerEvent,
  type PeerLinkSummary,
  type PeerService,
  type PeerStats,
  type PeerTraffic,
  RefusalCounts,
  type RuntimeEvent,
  type RuntimeStats,
  type ServiceOptions,
  startBootstrap,
  type StartBootstrapOptions,
  startPeer,
  type StartPeerOptions,
} from "./lib/runtime/mod.ts";
export { ActorRuntime, type ActorRuntimeOptions } from "./lib/runtime/mod.ts";
export {
  FramedConnection,
  type FramedConnectionOptions,
  WriteQueueFullError,
} from "./lib/runtime/framed_connection.ts";
export {
  type PeerReachabilityOptions,
  type ReachabilityMode,
  type RelayedStreams,
  type RelayStats,
} from "./lib/runtime/nat_traversal.ts";
export {
  DEFAULT_RELAY_LIMITS,
  type Reachability,
  type ReachabilityEvent,
  type RelayLimits,
} from "./lib/nat/mod.ts";
export type { OutboundStats } from "./lib/runtime/outbound_queue.ts";
export type { LinkPath } from "./lib/runtime/live_connection.ts";
export type { PunchOpener } from "./lib/runtime/hole_punch.ts";
export type { ConnLike } from "./lib/runtime/node_socket_conn.ts";
export type { InboundStats } from "./lib/runtime/inbound_pipeline.ts";
export {
  HANDSHAKE_FAILURE_REASONS,
  type HandshakeDirection,
  type HandshakeFailureReason,
  type Limiter,
  LIMITERS,
} from "./lib/runtime/refusal_counts.ts";
export {
  type LocalPolicyKind,
  PeerStore,
  type PeerStoreOptions,
  type StoredHistoryPage,
  type StoredMessage,
  StoreError,
} from "./lib/store/mod.ts";
// Events as JSON: what `--json` prints (vector clocks, which are Maps, become objects).
export { eventJson, eventLine, messageLine } from "./lib/ui/json_front_end.ts";

// The sans-I/O actors, and what they ask of the world.
export {
  PeerNode,
  type PeerNodeOptions,
  type PeerSummary,
  type StampOptions,
} from "./lib/peer/mod.ts";
export {
  OVERLAY_HELD_MAX,
  OVERLAY_MEMBERS_MAX,
  type OverlayHeld,
  type OverlayInput,
  type OverlayLink,
  type OverlayLinkInput,
  type OverlayLinkKind,
  type OverlayMember,
  type OverlayMemberInput,
  type OverlayNodeState,
  type OverlayView,
  overlayView,
  type OverlayViewOptions,
} from "./lib/peer/overlay_view.ts";
export type {
  ActiveViewOptions,
  BootstrapClientOptions,
  DeliveryOptions,
  DirectRoutingOptions,
  DisseminationOptions,
  EquivocationOptions,
  FailureDetectorOptions,
  MembershipOptions,
  OwnSeqSyncOptions,
  PeerRestore,
  PeerScoreNodeOptions,
  RepairOptions,
} from "./lib/peer/peer_node_options.ts";
export {
  BootstrapRegistry,
  type BootstrapRegistryOptions,
  type RegisteredPeer,
} from "./lib/bootstrap/bootstrap_registry.ts";
export type { Actor } from "./lib/actor/actor.ts";
export type { Offence } from "./lib/actor/offence.ts";
export type * from "./lib/actor/effect.ts";
export {
  type CausalMessage,
  HoldBackQueue,
  type HoldBackQueueOptions,
  type OfferResult,
  type RejectReason,
} from "./lib/causal/hold_back_queue.ts";
export { type MessageRef, missingCause } from "./lib/causal/missing_cause.ts";
export {
  type CausalStamp,
  type ClockOrder,
  clockToObject,
  compareClocks,
  isDeliverable,
  mergeClocks,
  type VectorClock,
} from "./lib/causal/vector_clock.ts";
export {
  type SimLinkPath,
  type SimNatKind,
  type SimNatStats,
  SimNetwork,
  type SimNetworkOptions,
  type SimNode,
  type SimObserver,
  type SimWorldEvent,
} from "./lib/sim/sim_network.ts";
export { CausalChecker, InvariantViolation } from "./lib/sim/causal_checker.ts";
export { type Random, seededRandom } from "./lib/random/random.ts";

// Building blocks for a bot or a test client: frames, messages, the Noise
// channel, identities, signatures and room keys.
export {
  decodeMessage,
  encodeFrame,
  encodeMessage,
  FrameDecoder,
  type FrameOptions,
} from "./lib/wire/mod.ts";
export type * from "./lib/wire/message.ts";
export { ProtocolError } from "./lib/wire/protocol_error.ts";
export { DEFAULT_WIRE_LIMITS, type WireLimits } from "./lib/wire/wire_limits.ts";
export type { Channel, FrameTransport, Handshake, HandshakeOptions } from "./lib/secure/channel.ts";
export {
  HandshakeError,
  type HandshakeFailure,
  noiseHandshake,
  type NoiseHandshakeOptions,
} from "./lib/secure/noise_handshake.ts";
export { NoiseChannel, type NoiseChannelOptions } from "./lib/secure/noise_transport.ts";
export { plainHandshake } from "./lib/secure/plain_channel.ts";
export {
  DEFAULT_ROOM,
  deriveRoomKey,
  type DeriveRoomKeyOptions,
  generateRoomKeyFile,
  loadRoomKeyFile,
  publicRoomKey,
  resolveRoomKey,
  type ResolveRoomKeyOptions,
  type RoomKey,
  type RoomKeySource,
} from "./lib/secure/room_key.ts";
export { roomTagOf } from "./lib/secure/room_tag.ts";
export { signChat, signChats, type SignedChat, verifyChat } from "./lib/secure/chat_signature.ts";
export { VerifiedRoots } from "./lib/secure/verified_roots.ts";
export {
  type MemberAuthenticator,
  memberAuthenticator,
  signMemberRecord,
  verifyMemberRecord,
} from "./lib/secure/member_signature.ts";
export { type ChatAuthenticator, chatAuthenticator } from "./lib/secure/chat_authenticator.ts";
export {
  generateIdentity,
  type Identity,
  signWithIdentity,
  verifyPeerSignature,
} from "./lib/identity/identity.ts";
export { loadOrCreateIdentity, type NodeKeys } from "./lib/identity/identity_store.ts";
export {
  generateX25519KeyPair,
  type X25519KeyOptions,
  type X25519KeyPair,
} from "./lib/identity/x25519_key_pair.ts";
export type { DirectMessage, DirectMessageContent } from "./lib/secure/direct_message.ts";
