/**
 * The web front end of `peer --web`: a loopback HTTP server in the peer's
 * process serving the chat page (`assets/`) and a WebSocket live feed with
 * the `--json` contract, guarded by a per-run token and `Host`/`Origin`
 * checks under a strict Content-Security-Policy.
 *
 * @module
 */

export {
  handleWebRequest,
  loadAssets,
  startWebServer,
  WEB_CLIENT_BUFFERED_BYTES_MAX,
  WEB_CLIENTS_MAX,
  WEB_COMMAND_BYTES_MAX,
  WEB_RECENT_MESSAGES_MAX,
  type WebHandlerOptions,
  type WebPeerBinding,
  type WebServer,
  type WebServerOptions,
} from "./web_server.ts";
export {
  checkRequest,
  CONTENT_SECURITY_POLICY,
  loopbackHosts,
  SECURITY_HEADERS,
  TOKEN_COOKIE,
  TOKEN_HEADER,
  type WebGuard,
} from "./web_security.ts";
export {
  type GuardedListener,
  type GuardedListenOptions,
  listenGuarded,
} from "./guarded_listener.ts";
export { newWebToken, tokenMatches, WEB_TOKEN_BYTES } from "./web_token.ts";
export {
  NetworkFeed,
  type NetworkFeedOptions,
  type NetworkFeedPeer,
  OVERLAY_INTERVAL_MS,
  overlayObject,
  provenanceObject,
} from "./network_feed.ts";
export {
  type Provenance,
  PROVENANCE_MESSAGES_MAX,
  ProvenanceRing,
  type ProvenanceRingOptions,
} from "./message_provenance.ts";
export {
  REPAIR_LOG_ENTRIES_MAX,
  type RepairCounts,
  type RepairEntry,
  RepairLog,
  type RepairLogOptions,
} from "./repair_log.ts";
