/**
 * Every fuzz target, by name: what `deno task fuzz --target NAME` and the CI
 * fuzz tests run.
 *
 * @module
 */

import { BOOTSTRAP_REGISTRY_TARGET } from "./targets/bootstrap_registry_target.ts";
import { DECODE_MESSAGE_TARGET } from "./targets/decode_message_target.ts";
import { OPEN_DIRECT_TARGET } from "./targets/direct_message_target.ts";
import type { FuzzTarget } from "./harness/fuzz_campaign.ts";
import { FRAME_DECODER_TARGET } from "./targets/frame_decoder_target.ts";
import { NOISE_HANDSHAKE_TARGET } from "./targets/noise_handshake_target.ts";
import { NOISE_TRANSPORT_TARGET } from "./targets/noise_transport_target.ts";
import { PEER_NODE_TARGET } from "./targets/peer_node_target.ts";
import { PLAIN_HANDSHAKE_TARGET } from "./targets/plain_handshake_target.ts";

/** The targets, in the order `deno task fuzz` runs them. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = Object.freeze([
  FRAME_DECODER_TARGET,
  DECODE_MESSAGE_TARGET,
  PEER_NODE_TARGET,
  BOOTSTRAP_REGISTRY_TARGET,
  PLAIN_HANDSHAKE_TARGET,
  NOISE_HANDSHAKE_TARGET,
  NOISE_TRANSPORT_TARGET,
  OPEN_DIRECT_TARGET,
]);
