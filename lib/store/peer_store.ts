/**
 * What a peer keeps on disk for one room, in SQLite (`node:sqlite`): its
 * incarnation, its delivered clock, the window of delivered messages it can
 * repair others from (its own among them, with their signatures), and an
 * address book to rejoin through. Part of the I/O shell: the actor never sees
 * it, the runtime records the actor's deliveries here and hands the state
 * back at the next start.
 *
 * Rooms are isolated by construction: a store is the file
 * `<dataDir>/rooms/<room tag in hex>.db` (`room_tag.ts`), it is bound to that
 * tag (kept inside it too, and checked at every open), and a peer service
 * refuses a store of another room. The identity is the data directory's, the
 * rest is the room's. A data directory from before rooms had one `peer.db`
 * for every room, its messages signed without a room: it can be served in no
 * room, so it is moved aside (never deleted) to `peer.db.before-rooms`, once,
 * and only its incarnation is carried into each new room store, so that a
 * restart still announces a higher one than before.
 *
 * Writes are batched per runtime step in one transaction, and committed
 * before any byte of that step reaches a socket; a peer's own message is
 * committed, signed, before it is published at all (WAL,
 * `synchronous=NORMAL`: durable across a process crash; a power loss may lose
 * the last moments, which the own-sequence sync at start covers).
 *
 * @module
 */

import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { PeerRestore } from "../peer/peer_node_options.ts";
import { decodeMessage } from "../wire/message_decode.ts";
import { encodeMessage } from "../wire/message_encode.ts";
import { StoreError } from "./store_error.ts";
import type { ChatMessage, PeerId } from "../wire/message.ts";
import { roomTagHex } from "../secure/room_tag.ts";
import {
  ensureHistoryColumns,
  foldForSearch,
  type HistoryPage,
  historyPage,
  LAST_SEEN_META_KEY,
  latestRow,
  searchHistory,
  type StoredMessage,
} from "./stored_history.ts";

import { LOCAL_POLICY_IDS_MAX, type LocalPolicyKind } from "./local_policy.ts";

export { LOCAL_POLICY_IDS_MAX, type LocalPolicyKind };

/** Options of {@linkcode PeerStore.open}. */
export interface PeerStoreOptions {
  /**
   * Delivered messages kept. Past it the author with the most messages
   * stored loses its oldest, as in the peer's own window: one author's
   * flood does not push the others' history off the disk. Default 10 000.
   */
  historyMessagesMax?: number;
  /** Addresses remembered. Default 256. */
  addressesMax?: number;
  /**
   * Largest database file, in bytes (SQLite's `max_page_count`): past it a
   * write fails as a full disk does, and the peer stops sending. Default 1 GiB,
   * well above a full history window (10 000 messages of at most 64 KB).
   */
  databaseBytesMax?: number;
  /**
   * Hears a one-time notice for the user (the migration of an old data
   * directory). Default: none.
   */
  onNotice?: (text: string) => void;
}

/** Where each room's store lives inside the data directory. */
export const ROOMS_DIRECTORY = "rooms";

/** The store of a data directory from before rooms (one for every room). */
export const LEGACY_DATABASE_FILE = "peer.db";

/** What the legacy store is renamed to: kept, never served. */
export const LEGACY_BACKUP_FILE = "peer.db.before-rooms";

export { StoreError } from "./store_error.ts";

/** 2: one store per room, bound to its tag; own messages stored signed. */
const SCHEMA_VERSION = 3;

/**
 * Schema 2 stored chats whose signature covered the text itself; from
 * schema 3 on it covers the text's hash (so that a redacted copy still
 * verifies). Such messages are valid nowhere any more: opening a schema-2
 * store drops its messages and delivered clock (the network starts over
 * with the new signed form) and keeps the incarnation and addresses.
 */
const SCHEMA_BEFORE_TEXT_HASH = "2";

/**
 * One peer's database. Open with {@linkcode PeerStore.open} (a directory) or
 * {@linkcode PeerStore.memory} (tests); close when done.
 */
export class PeerStore {
  readonly #db: DatabaseSync;
  readonly #roomTag: Uint8Array;
  readonly #historyMessagesMax: number;
  readonly #addressesMax: number;
  readonly #insertMessage: StatementSync;
  readonly #setClock: StatementSync;
  readonly #deleteBefore: StatementSync;
  readonly #rewriteMessage: StatementSync;
  readonly #rememberAddress: StatementSync;
  readonly #rememberHeardAddress: StatementSync;
  readonly #setLastSeen: StatementSync;
  /** Messages stored now, so the window is kept exactly. */
  #rows = 0;
  /** Messages stored now per author, to prune the one with the most. */
  #rowsBy = new Map<PeerId, number>();
  #incarnation = -1;

  private constructor(
    db: DatabaseSync,
    roomTag: Uint8Array,
    options: PeerStoreOptions & { incarnationFloor?: number },
  ) {
    const tagHex = roomTagHex(roomTag);
    this.#db = db;
    this.#roomTag = roomTag.slice();
    this.#historyMessagesMax = options.historyMessagesMax ?? 10_000;
    this.#addressesMax = options.addressesMax ?? 256;
    // Exclusive locking: the first write takes a lock this process keeps, and
    // a second process fails at once ("database is locked") instead of
    // sharing an identity and a history with us.
    db.exec(`
      PRAGMA locking_mode = EXCLUSIVE;
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA secure_delete = ON;
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        author TEXT NOT NULL,
        seq INTEGER NOT NULL,
        frame BLOB NOT NULL,
        UNIQUE (author, seq)
      );
      CREATE TABLE IF NOT EXISTS clock (author TEXT PRIMARY KEY, seq INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS addresses (addr TEXT PRIMARY KEY, id TEXT NOT NULL, seen INTEGER NOT NULL);
    `);
    const databaseBytesMax = options.databaseBytesMax ?? 1_073_741_824;
    if (!Number.isSafeInteger(databaseBytesMax) || databaseBytesMax < 1) {
      throw new RangeError(
        `Invalid store option: databaseBytesMax must be a positive integer, got ${databaseBytesMax}`,
      );
    }
    const pageSize = Number(db.prepare("PRAGMA page_size").get()!.page_size);
    db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(databaseBytesMax / pageSize))}`);
    const version = this.#meta("schema");
    if (version === undefined) {
      this.#setMeta("schema", String(SCHEMA_VERSION));
      this.#setMeta("room-tag", tagHex);
      if (options.incarnationFloor !== undefined && options.incarnationFloor >= 0) {
        this.#setMeta("incarnation", String(options.incarnationFloor));
      }
    } else if (version === SCHEMA_BEFORE_TEXT_HASH && this.#meta("room-tag") === tagHex) {
      db.exec("DELETE FROM messages; DELETE FROM clock;");
      this.#setMeta("schema", String(SCHEMA_VERSION));
      options.onNotice?.(
        "The room's stored messages were signed in the old form (before edits and deletes) and were dropped; the incarnation and address book are kept",
      );
    } else if (version !== String(SCHEMA_VERSION)) {
      throw new StoreError(
        `Cannot open the data directory: schema version ${version}, this program reads ${SCHEMA_VERSION}`,
      );
    } else if (this.#meta("room-tag") !== tagHex) {
      // A file copied or renamed under another room's name: never serve it there.
      throw new StoreError(
        `Cannot open the room's store: it belongs to another room (tag ${
          this.#meta("room-tag")?.slice(0, 16)
        }…, expected ${tagHex.slice(0, 16)}…)`,
      );
    }
    ensureHistoryColumns(db);
    // A store from before the last-seen position: all it holds was shown already.
    if (this.#meta(LAST_SEEN_META_KEY) === undefined) {
      this.#setMeta(LAST_SEEN_META_KEY, String(latestRow(db)));
    }
    this.#insertMessage = db.prepare(
      "INSERT OR IGNORE INTO messages (author, seq, frame, folded) VALUES (?, ?, ?, ?)",
    );
    this.#setClock = db.prepare(
      "INSERT INTO clock (author, seq) VALUES (?, ?) ON CONFLICT (author) DO UPDATE SET seq = max(seq, excluded.seq)",
    );
    this.#deleteBefore = db.prepare("DELETE FROM messages WHERE author = ? AND seq <= ?");
    this.#rewriteMessage = db.prepare(
      "UPDATE messages SET frame = ?, folded = ? WHERE author = ? AND seq = ?",
    );
    this.#setLastSeen = db.prepare(
      `INSERT INTO meta (key, value) VALUES ('${LAST_SEEN_META_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
    this.#countRows();
    // Seen at time 0: after every proven address, and the first to go.
    this.#rememberHeardAddress = db.prepare(
      "INSERT INTO addresses (addr, id, seen) VALUES (?, ?, 0) ON CONFLICT (addr) DO NOTHING",
    );
    this.#rememberAddress = db.prepare(
      "INSERT INTO addresses (addr, id, seen) VALUES (?, ?, ?) ON CONFLICT (addr) DO UPDATE SET id = excluded.id, seen = excluded.seen",
    );
  }

  /**
   * Opens (creating if needed) the store of the room `roomTag` in `dataDir`:
   * `<dataDir>/rooms/<tag hex>.db`, locking it so that two processes never
   * share one history. An old `<dataDir>/peer.db` is moved aside first (see
   * the module doc), with a notice through `options.onNotice`.
   *
   * @throws {StoreError} when the store is locked by another process, belongs
   * to another room, or is unusable.
   */
  static async open(
    dataDir: string,
    roomTag: Uint8Array,
    options: PeerStoreOptions = {},
  ): Promise<PeerStore> {
    const roomsDir = `${dataDir}/${ROOMS_DIRECTORY}`;
    const path = `${roomsDir}/${roomTagHex(roomTag)}.db`;
    try {
      await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
      await Deno.mkdir(roomsDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new StoreError(
        `Cannot create the data directory ${dataDir}: ${(error as Error).message}`,
      );
    }
    await migrateLegacyStore(dataDir, options.onNotice);
    const isNew = !(await exists(path));
    let db: DatabaseSync | undefined;
    try {
      const incarnationFloor = isNew ? legacyIncarnation(dataDir) : undefined;
      db = new DatabaseSync(path);
      const store = new PeerStore(db, roomTag, {
        ...options,
        ...(incarnationFloor === undefined ? {} : { incarnationFloor }),
      });
      db.exec("BEGIN IMMEDIATE; COMMIT;");
      return store;
    } catch (error) {
      db?.close();
      if (error instanceof StoreError) throw error;
      const message = (error as Error).message;
      if (/locked|busy/i.test(message)) {
        throw new StoreError(
          `Cannot use the data directory ${dataDir}: another p2pchat process is using it for this room (give this one its own --data-dir)`,
        );
      }
      throw new StoreError(`Cannot open the database in ${dataDir}: ${message}`);
    }
  }

  /** A store of the room `roomTag` that lives in memory only. */
  static memory(roomTag: Uint8Array, options: PeerStoreOptions = {}): PeerStore {
    return new PeerStore(new DatabaseSync(":memory:"), roomTag, options);
  }

  /** The tag of the room this store belongs to (a copy). */
  get roomTag(): Uint8Array {
    return this.#roomTag.slice();
  }

  /**
   * Reads what a restarting peer needs, and takes the next incarnation (which
   * is saved at once, so that two starts never share one).
   */
  restore(): PeerRestore & { addresses: string[] } {
    try {
      return this.#restore();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError(
        `Cannot read the stored state: ${
          (error as Error).message
        } (move the data directory away to start afresh)`,
      );
    }
  }

  #restore(): PeerRestore & { addresses: string[] } {
    this.#prune();
    const incarnation = Math.min(
      Number(this.#meta("incarnation") ?? "-1") + 1,
      Number.MAX_SAFE_INTEGER,
    );
    this.#setMeta("incarnation", String(incarnation));
    this.#incarnation = incarnation;
    const messages: ChatMessage[] = [];
    const first = new Map<PeerId, number>();
    for (const row of this.#db.prepare("SELECT frame FROM messages ORDER BY id").all()) {
      const decoded = decodeMessage(row.frame as Uint8Array);
      if (decoded.type !== "chat") continue;
      messages.push(decoded.message);
      if (!first.has(decoded.message.author)) {
        first.set(decoded.message.author, decoded.message.seq);
      }
    }
    const skipped = new Map<PeerId, number>();
    for (const row of this.#db.prepare("SELECT author, seq FROM clock").all()) {
      const author = row.author as string;
      const seq = Number(row.seq);
      // Delivered but no longer held: the history before the first kept message.
      const floor = first.has(author) ? first.get(author)! - 1 : seq;
      if (floor > 0) skipped.set(author, floor);
    }
    const addresses = this.#db
      .prepare("SELECT addr FROM addresses ORDER BY seen DESC LIMIT ?")
      .all(this.#addressesMax)
      .map((row) => row.addr as string);
    return { incarnation, messages, skipped, addresses };
  }

  /**
   * Records one runtime step, in one transaction: deliveries, history skips,
   * sightings, and the incarnation if it rose (a refutation), so that a
   * restart never reuses one.
   */
  record(step: {
    delivered?: readonly ChatMessage[];
    skipped?: readonly { author: PeerId; seq: number }[];
    seen?: readonly { id: PeerId; addr: string }[];
    /**
     * Addresses members announced for themselves, never dialled by us: kept
     * only as a last resort (listed after every proven one, pruned first, and
     * never in place of a proven one), so that a peer whose neighbours all
     * dialled it can still find them after a restart with the bootstrap down.
     */
    heard?: readonly { id: PeerId; addr: string }[];
    /**
     * Messages whose kept form changed: their text was removed (an edit, a
     * delete, a block: the row is rewritten in the redacted form, without the
     * text), or a withheld text arrived. Written after this step's deliveries
     * (a message may be delivered and redacted in one step).
     */
    redacted?: readonly ChatMessage[];
    incarnation?: number;
  }): void {
    const skipped = step.skipped ?? [];
    const seen = step.seen ?? [];
    const heard = step.heard ?? [];
    // A skip drops its author's history up to its seq, whatever came first
    // within the step: deliveries at or below it are gone already.
    const floor = new Map<PeerId, number>();
    for (const { author, seq } of skipped) floor.set(author, Math.max(seq, floor.get(author) ?? 0));
    const delivered = (step.delivered ?? []).filter((m) => m.seq > (floor.get(m.author) ?? 0));
    const incarnation = step.incarnation !== undefined && step.incarnation > this.#incarnation
      ? step.incarnation
      : undefined;
    const redacted = step.redacted ?? [];
    const changes = delivered.length + skipped.length + seen.length + heard.length +
      redacted.length;
    if (changes === 0 && incarnation === undefined) return;
    this.#db.exec("BEGIN");
    try {
      for (const [author, seq] of floor) {
        this.#addRows(author, -Number(this.#deleteBefore.run(author, seq).changes));
        this.#setClock.run(author, seq);
      }
      let newestRow = 0;
      for (const message of delivered) {
        const inserted = this.#insertMessage.run(
          message.author,
          message.seq,
          encodeMessage({ type: "chat", message }),
          foldForSearch(message.text),
        );
        this.#addRows(message.author, Number(inserted.changes));
        if (inserted.changes > 0) newestRow = Number(inserted.lastInsertRowid);
        this.#setClock.run(message.author, message.seq);
      }
      for (const message of redacted) {
        // The lower-cased copy for /search goes too: a redacted text is kept nowhere.
        this.#rewriteMessage.run(
          encodeMessage({ type: "chat", message }),
          foldForSearch(message.text),
          message.author,
          message.seq,
        );
      }
      // Each delivery goes to the front end at once: what is recorded has been seen.
      if (newestRow > 0) this.#setLastSeen.run(String(newestRow));
      const now = Date.now();
      for (const { id, addr } of seen) this.#rememberAddress.run(addr, id, now);
      for (const { id, addr } of heard) this.#rememberHeardAddress.run(addr, id);
      if (incarnation !== undefined) {
        this.#setMeta("incarnation", String(incarnation));
        this.#incarnation = incarnation;
      }
      this.#db.exec("COMMIT");
    } catch (error) {
      this.#rollBack();
      this.#countRows();
      throw new StoreError((error as Error).message, { cause: error });
    }
    if (this.#rows > this.#historyMessagesMax || seen.length + heard.length > 0) this.#prune();
  }

  /**
   * The members this room's user muted or blocked, by id (local policy,
   * kept across restarts; `/mute`, `/block`).
   */
  localPolicy(kind: LocalPolicyKind): PeerId[] {
    const stored = this.#meta(kind);
    if (stored === undefined) return [];
    try {
      const ids: unknown = JSON.parse(stored);
      return Array.isArray(ids) ? ids.filter((id): id is PeerId => typeof id === "string") : [];
    } catch {
      return [];
    }
  }

  /**
   * Replaces the list of muted or blocked ids.
   *
   * @throws {RangeError} past `LOCAL_POLICY_IDS_MAX` ids.
   * @throws {StoreError} if the write fails.
   */
  setLocalPolicy(kind: LocalPolicyKind, ids: readonly PeerId[]): void {
    if (ids.length > LOCAL_POLICY_IDS_MAX) {
      throw new RangeError(
        `Cannot ${
          kind === "muted" ? "mute" : "block"
        }: ${ids.length} members, limit ${LOCAL_POLICY_IDS_MAX}`,
      );
    }
    try {
      this.#setMeta(kind, JSON.stringify([...new Set(ids)]));
    } catch (error) {
      throw new StoreError((error as Error).message, { cause: error });
    }
  }

  /**
   * Ends a failed transaction. SQLite may have rolled it back already (it does
   * on SQLITE_FULL), and then ROLLBACK itself fails with "no transaction is
   * active": that must not hide the error that made the write fail.
   */
  #rollBack(): void {
    if (!this.#db.isTransaction) return;
    this.#db.exec("ROLLBACK");
  }

  /**
   * Up to `count` stored messages before row `beforeRow` (the newest when
   * omitted), oldest first: what `/history` pages through.
   *
   * @throws {RangeError} when `count` is not from 1 to `HISTORY_PAGE_MESSAGES_MAX` (500).
   */
  history(count: number, options: { beforeRow?: number } = {}): HistoryPage {
    return historyPage(this.#db, count, options);
  }

  /**
   * The newest stored messages containing every word of `query`
   * (case-insensitive), oldest first, at most `SEARCH_RESULTS_MAX` (100).
   *
   * @throws {RangeError} for an empty query or more than `SEARCH_WORDS_MAX` words.
   */
  search(query: string): { messages: StoredMessage[]; truncated: boolean } {
    return searchHistory(this.#db, query);
  }

  /** The newest row stored (0 when none): the position of the latest delivery. */
  get latestRow(): number {
    return latestRow(this.#db);
  }

  /**
   * The last row the user saw: every delivery recorded moves it (the front
   * end shows deliveries at once), so at the start of a session rows after
   * it are the ones never shown (delivered just before a crash, or written
   * by an older program). A store that had none counts what it held when
   * opened as seen.
   */
  get lastSeenRow(): number {
    const saved = Number(this.#meta(LAST_SEEN_META_KEY) ?? Number.NaN);
    return Number.isSafeInteger(saved) ? saved : 0;
  }

  /** Records that the user has seen everything up to `row` (default: the newest stored). */
  markSeen(row: number = this.latestRow): void {
    this.#setMeta(LAST_SEEN_META_KEY, String(row));
  }

  /** The addresses remembered from earlier runs, most recently proven first. */
  rememberedAddresses(): string[] {
    return this.#db
      .prepare("SELECT addr FROM addresses ORDER BY seen DESC LIMIT ?")
      .all(this.#addressesMax)
      .map((row) => row.addr as string);
  }

  /** Closes the database and releases the directory. */
  close(): void {
    this.#db.close();
  }

  /**
   * Keeps the window within `historyMessagesMax` as the peer's own window
   * does (the author with the most messages loses its oldest), and the
   * newest addresses.
   */
  #prune(): void {
    const deleteOldest = this.#db.prepare(
      "DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE author = ? ORDER BY seq LIMIT ?)",
    );
    while (this.#rows > this.#historyMessagesMax) {
      // The author with the most, and how far it is ahead of the next one:
      // that many of its oldest can go at once.
      let top: PeerId | undefined;
      let most = 0;
      let next = 0;
      for (const [author, n] of this.#rowsBy) {
        if (n > most) [top, most, next] = [author, n, most];
        else if (n > next) next = n;
      }
      if (top === undefined) break;
      const count = Math.min(this.#rows - this.#historyMessagesMax, most - next + 1);
      const removed = Number(deleteOldest.run(top, count).changes);
      if (removed === 0) break;
      this.#addRows(top, -removed);
    }
    this.#db.prepare(
      "DELETE FROM addresses WHERE addr NOT IN (SELECT addr FROM addresses ORDER BY seen DESC LIMIT ?)",
    ).run(this.#addressesMax);
  }

  #addRows(author: PeerId, n: number): void {
    this.#rows += n;
    const left = (this.#rowsBy.get(author) ?? 0) + n;
    if (left > 0) this.#rowsBy.set(author, left);
    else this.#rowsBy.delete(author);
  }

  /** Counts the stored messages again, in all and per author. */
  #countRows(): void {
    this.#rowsBy = new Map();
    this.#rows = 0;
    const rows = this.#db.prepare("SELECT author, count(*) AS n FROM messages GROUP BY author")
      .all();
    for (const row of rows) this.#addRows(row.author as string, Number(row.n));
  }

  #meta(key: string): string | undefined {
    const row = this.#db.prepare("SELECT value FROM meta WHERE key = ?").get(key);
    return row === undefined ? undefined : String(row.value);
  }

  #setMeta(key: string, value: string): void {
    this.#db.prepare(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ).run(key, value);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw new StoreError(`Cannot read ${path}: ${(error as Error).message}`);
  }
}

/**
 * Moves a store from before rooms aside, once: `peer.db` (with its WAL files)
 * becomes `peer.db.before-rooms`. Its messages were signed without a room
 * and its history belongs to no room in particular, so no room may serve it;
 * it is kept for the user, never deleted.
 */
async function migrateLegacyStore(
  dataDir: string,
  onNotice: ((text: string) => void) | undefined,
): Promise<void> {
  const legacy = `${dataDir}/${LEGACY_DATABASE_FILE}`;
  if (!(await exists(legacy))) return;
  const backup = `${dataDir}/${LEGACY_BACKUP_FILE}`;
  if (await exists(backup)) {
    throw new StoreError(
      `Cannot move ${legacy} aside: ${backup} exists already (move one of them away)`,
    );
  }
  // Checkpoint its WAL into the file and make sure no old process holds it.
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(legacy);
    db.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN IMMEDIATE; COMMIT;");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (error) {
    const message = (error as Error).message;
    throw new StoreError(
      /locked|busy/i.test(message)
        ? `Cannot use the data directory ${dataDir}: another p2pchat process is using it`
        : `Cannot move the old ${legacy} aside: ${message}`,
    );
  } finally {
    db?.close();
  }
  try {
    for (const suffix of ["-wal", "-shm"]) {
      if (await exists(legacy + suffix)) await Deno.rename(legacy + suffix, backup + suffix);
    }
    await Deno.rename(legacy, backup);
  } catch (error) {
    throw new StoreError(`Cannot move the old ${legacy} aside: ${(error as Error).message}`);
  }
  onNotice?.(
    `Moved ${legacy} to ${backup}: stores are kept per room now, and its history (signed ` +
      "without a room) can be served in none. Nothing was deleted; the identity stays.",
  );
}

/**
 * The incarnation the data directory's store from before rooms reached, if
 * there is one: a new room store starts above it, so that peers who remember
 * this identity at that incarnation take its restart for news.
 */
function legacyIncarnation(dataDir: string): number | undefined {
  const backup = `${dataDir}/${LEGACY_BACKUP_FILE}`;
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(backup, { readOnly: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'incarnation'").get();
    const incarnation = Number(row?.value ?? -1);
    return Number.isSafeInteger(incarnation) && incarnation >= 0 ? incarnation : undefined;
  } catch {
    // None, or unreadable: nothing to carry.
    return undefined;
  } finally {
    db?.close();
  }
}
