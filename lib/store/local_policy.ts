/**
 * The local policies a room's store keeps, and their limit. Apart from
 * `peer_store.ts` so that a peer without a data directory can check the
 * limit without loading SQLite (`node:sqlite`).
 *
 * @module
 */

/** The two local policies a store keeps: members hidden (`muted`), or not kept nor relayed (`blocked`). */
export type LocalPolicyKind = "muted" | "blocked";

/** Most members one room's user can mute, and as many block. */
export const LOCAL_POLICY_IDS_MAX = 1_024;
