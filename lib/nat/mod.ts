/**
 * NAT traversal's pure parts (PROTOCOL.md § Relays): relay frames, a
 * relay's ledger and byte meter, and the reachability check.
 *
 * @module
 */

export {
  decodeRelayFrame,
  encodeRelayFrame,
  isRelayFrame,
  RELAY_MAGIC,
  RELAY_REASON_BYTES_MAX,
  RELAY_TOKEN_BYTES,
  type RelayFrame,
} from "./relay_frame.ts";
export { DEFAULT_RELAY_LIMITS, RelayBook, type RelayLimits, type Verdict } from "./relay_book.ts";
export { LinkMeter, type MeterVerdict } from "./link_meter.ts";
export { type Reachability, ReachabilityCheck, type ReachabilityEvent } from "./reachability.ts";
