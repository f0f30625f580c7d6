/**
 * The stored history as people read it: `history()` pages, `search()`,
 * the last-seen position across sessions, and opening a store written
 * before these existed.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import fc from "fast-check";
import { PeerStore } from "../../lib/store/peer_store.ts";
import {
  HISTORY_PAGE_MESSAGES_MAX,
  SEARCH_RESULTS_MAX,
  SEARCH_WORDS_MAX,
} from "../../lib/store/stored_history.ts";
import { roomTagHex } from "../../lib/secure/room_tag.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

const TAG = new Uint8Array(32).fill(0x42);
const A = "a".repeat(64);
const B = "b".repeat(64);

function chat(author: string, seq: number, text: string): ChatMessage {
  return {
    author,
    seq,
    clock: new Map([[author, seq]]),
    nick: author === A ? "ann" : "bob",
    text,
    ts: 1_700_000_000_000 + seq,
    signature: new Uint8Array(0),
  };
}

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stored_history_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("PeerStore.history() pages back from the newest, oldest first, with `more`", () => {
  const store = PeerStore.memory(TAG);
  store.record({ delivered: Array.from({ length: 10 }, (_, i) => chat(A, i + 1, `m${i + 1}`)) });
  const last = store.history(4);
  assert.deepEqual(last.messages.map((m) => m.text), ["m7", "m8", "m9", "m10"]);
  assert.equal(last.more, true);
  const before = store.history(4, { beforeRow: last.messages[0]!.row });
  assert.deepEqual(before.messages.map((m) => m.text), ["m3", "m4", "m5", "m6"]);
  const first = store.history(4, { beforeRow: before.messages[0]!.row });
  assert.deepEqual(first.messages.map((m) => m.text), ["m1", "m2"]);
  assert.equal(first.more, false);
  assert.deepEqual(
    { nick: last.messages[3]!.nick, seq: last.messages[3]!.seq, ts: last.messages[3]!.ts },
    { nick: "ann", seq: 10, ts: 1_700_000_000_010 },
  );
  store.close();
});

Deno.test("PeerStore.history() refuses a count outside 1..HISTORY_PAGE_MESSAGES_MAX", () => {
  const store = PeerStore.memory(TAG);
  for (const count of [0, -1, 1.5, HISTORY_PAGE_MESSAGES_MAX + 1]) {
    assert.throws(() => store.history(count), RangeError);
  }
  assert.deepEqual(store.history(HISTORY_PAGE_MESSAGES_MAX), { messages: [], more: false });
  store.close();
});

Deno.test("PeerStore.search() is case-insensitive, needs every word, and treats % and _ literally", () => {
  const store = PeerStore.memory(TAG);
  store.record({
    delivered: [
      chat(A, 1, "Lunch at NOON?"),
      chat(B, 1, "noon is fine, lunch it is"),
      chat(A, 2, "Ünïcode CAFÉ"),
      chat(B, 2, "100% sure_thing"),
      chat(A, 3, "1000 sureXthing"),
    ],
  });
  assert.deepEqual(store.search("lunch noon").messages.map((m) => m.text), [
    "Lunch at NOON?",
    "noon is fine, lunch it is",
  ]);
  assert.deepEqual(store.search("café").messages.map((m) => m.text), ["Ünïcode CAFÉ"]);
  assert.deepEqual(store.search("0% sure_").messages.map((m) => m.text), ["100% sure_thing"]);
  assert.deepEqual(store.search("nothing-like-this").messages, []);
  assert.throws(() => store.search("   "), RangeError);
  assert.throws(
    () => store.search(Array.from({ length: SEARCH_WORDS_MAX + 1 }, (_, i) => `w${i}`).join(" ")),
    RangeError,
  );
  store.close();
});

Deno.test("PeerStore.search() returns at most SEARCH_RESULTS_MAX, the newest, and says so", () => {
  const store = PeerStore.memory(TAG);
  const n = SEARCH_RESULTS_MAX + 20;
  store.record({ delivered: Array.from({ length: n }, (_, i) => chat(A, i + 1, `hit ${i + 1}`)) });
  const found = store.search("HIT");
  assert.equal(found.messages.length, SEARCH_RESULTS_MAX);
  assert.equal(found.truncated, true);
  assert.equal(found.messages.at(-1)!.text, `hit ${n}`);
  store.close();
});

Deno.test("PeerStore.search() finds exactly the stored texts that contain the word (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 30 }),
      fc.string({ minLength: 1, maxLength: 3 }).filter((w) => w.trim() === w && !/\s/.test(w)),
      (texts, word) => {
        const store = PeerStore.memory(TAG);
        try {
          store.record({ delivered: texts.map((text, i) => chat(A, i + 1, text)) });
          const fold = (t: string) => t.normalize("NFKC").toLowerCase();
          const expected = texts.filter((t) => fold(t).includes(fold(word)));
          if (fold(word).split(/\s+/).filter((w) => w !== "").length !== 1) return;
          assert.deepEqual(store.search(word).messages.map((m) => m.text), expected);
        } finally {
          store.close();
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("PeerStore.lastSeenRow follows the recorded deliveries and survives a restart", async () => {
  await withTempDir(async (dir) => {
    let store = await PeerStore.open(dir, TAG);
    store.restore();
    assert.equal(store.lastSeenRow, 0);
    store.record({ delivered: [chat(A, 1, "one"), chat(A, 2, "two")] });
    assert.equal(store.lastSeenRow, store.latestRow);
    const seen = store.lastSeenRow;
    store.record({ delivered: [chat(A, 2, "two")] });
    assert.equal(store.lastSeenRow, seen, "a duplicate moves nothing");
    store.close();
    // A row written without moving it (an older program, or a crash before it was shown).
    const db = new DatabaseSync(`${dir}/rooms/${roomTagHex(TAG)}.db`);
    db.exec(
      "INSERT INTO messages (author, seq, frame) SELECT author, 3, frame FROM messages WHERE seq = 2",
    );
    db.close();
    store = await PeerStore.open(dir, TAG);
    store.restore();
    assert.equal(store.lastSeenRow, seen);
    const unread = store.history(10).messages.filter((m) => m.row > store.lastSeenRow);
    assert.equal(unread.length, 1);
    store.markSeen();
    assert.equal(store.lastSeenRow, store.latestRow);
    store.close();
  });
});

Deno.test("PeerStore.open() migrates a store written before search and last-seen existed", async () => {
  await withTempDir(async (dir) => {
    let store = await PeerStore.open(dir, TAG);
    store.restore();
    store.record({ delivered: [chat(A, 1, "Old Message"), chat(B, 1, "another")] });
    store.close();
    // Make it what an older program wrote: no search column, no last-seen position.
    const db = new DatabaseSync(`${dir}/rooms/${roomTagHex(TAG)}.db`);
    db.exec(
      "ALTER TABLE messages DROP COLUMN folded; DELETE FROM meta WHERE key = 'last-seen-row'",
    );
    db.close();
    store = await PeerStore.open(dir, TAG);
    const restored = store.restore();
    assert.equal(restored.messages.length, 2);
    assert.deepEqual(store.search("old").messages.map((m) => m.text), ["Old Message"]);
    // What an older program's session delivered counts as seen.
    assert.equal(store.lastSeenRow, store.latestRow);
    store.close();
    // And the migrated file still opens where rows lack the column's value (an older writer).
    const older = new DatabaseSync(`${dir}/rooms/${roomTagHex(TAG)}.db`);
    older.exec("UPDATE messages SET folded = NULL");
    older.close();
    store = await PeerStore.open(dir, TAG);
    assert.deepEqual(store.search("ANOTHER").messages.map((m) => m.text), ["another"]);
    store.close();
  });
});
