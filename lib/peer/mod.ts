/**
 * The peer actor: a sans-I/O chat peer (membership, connection upkeep,
 * failure detection, dissemination, repair and causal delivery) that a
 * driver — the TCP runtime or the simulator — feeds events and time, and
 * whose effects it applies.
 *
 * `PeerNode` composes one sub-machine per concern (see `peer_node.ts`); only
 * the node and its options are public.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PeerNode } from "./mod.ts";
 * import { seededRandom } from "../random/random.ts";
 * const node = new PeerNode({ id: "aa".repeat(32), addr: "127.0.0.1:9000", nick: "ann", random: seededRandom(1) });
 * node.start(0);
 * node.sendChat("hello", 1_700_000_000_000, 0);
 * assert.deepEqual(node.takeEffects().filter((e) => e.type === "deliver").length, 1);
 * assert.equal(node.nextDeadlineMs() > 0, true);
 * ```
 *
 * @module
 */

export { PeerNode, type PeerSummary, type StampOptions } from "./peer_node.ts";
export { type AmendmentOutcome, Redactions } from "./redaction.ts";
export {
  type ActiveViewOptions,
  type BootstrapClientOptions,
  type DeliveryOptions,
  type DirectRoutingOptions,
  type DisseminationOptions,
  type FailureDetectorOptions,
  type MembershipOptions,
  PEER_NODE_DEFAULTS,
  type PeerNodeOptions,
  type PeerRestore,
  type PeerScoreNodeOptions,
  type RepairOptions,
  resolvePeerNodeOptions,
} from "./peer_node_options.ts";
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
} from "./overlay_view.ts";
export { PEER_TIMERS, type PeerTimer } from "./peer_timer.ts";
