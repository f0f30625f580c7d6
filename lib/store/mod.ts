/**
 * What a peer keeps on disk (SQLite through `node:sqlite`): incarnation,
 * delivered clock, the repair window of messages and the address book, all
 * scoped by room. Part of the I/O shell; the actor never sees it.
 *
 * @module
 */

export {
  LOCAL_POLICY_IDS_MAX,
  type LocalPolicyKind,
  PeerStore,
  type PeerStoreOptions,
} from "./peer_store.ts";
export { StoreError } from "./store_error.ts";
export type { HistoryPage as StoredHistoryPage, StoredMessage } from "./stored_history.ts";
