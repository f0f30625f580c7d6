/**
 * The I/O shell: runs a sans-I/O actor over real TCP sockets and timers
 * ({@linkcode ActorRuntime}), and wires ready-to-run nodes — a peer with its
 * store and direct-message inbox ({@linkcode startPeer}), a bootstrap
 * ({@linkcode startBootstrap}). Inside the runtime, admission decides which
 * connections are taken, the inbound pipeline turns frames into checked
 * messages, and the outbound queue turns the actor's sends into sealed bytes.
 *
 * @module
 */

export {
  ActorRuntime,
  type ActorRuntimeOptions,
  describe,
  type RuntimeStats,
} from "./actor_runtime.ts";
export {
  type BootstrapService,
  startBootstrap,
  type StartBootstrapOptions,
} from "./bootstrap_service.ts";
export {
  type DirectMessageEvent,
  type FatalEvent,
  type PeerEvent,
  type RuntimeEvent,
} from "./peer_event.ts";
export {
  type PeerLinkSummary,
  type PeerService,
  type PeerStats,
  type PeerTraffic,
  startPeer,
  type StartPeerOptions,
} from "./peer_service.ts";
export type { ServiceOptions } from "./service_options.ts";
export { MessageCounts } from "./message_counts.ts";
export {
  HANDSHAKE_FAILURE_REASONS,
  type HandshakeDirection,
  type HandshakeFailureReason,
  handshakeFailureReason,
  type Limiter,
  LIMITERS,
  RefusalCounts,
} from "./refusal_counts.ts";
export { ListenError, listenTcp } from "./listen.ts";
