/** The JSON front end's `history` and `search` commands and its `marker` / `catch-up` lines. */

import assert from "node:assert/strict";
import { PeerStore } from "../../lib/store/peer_store.ts";
import { parseJsonCommand } from "../../lib/ui/json_front_end.ts";
import { answerHistoryCommand, jsonHistoryMarkers } from "../../lib/ui/json_history.ts";
import { CATCH_UP_PROGRESS_MESSAGES_MIN } from "../../lib/ui/history_view.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

const TAG = new Uint8Array(32).fill(7);
const ANN = "a".repeat(64);
const BOB = "b".repeat(64);
const START = Date.parse("2026-12-04T09:00:00Z");

function chat(author: string, seq: number, text: string, ts = START + seq): ChatMessage {
  return {
    author,
    seq,
    clock: new Map([[author, seq]]),
    nick: author === ANN ? "ann" : "bob",
    text,
    ts,
    signature: new Uint8Array(0),
  };
}

Deno.test("parseJsonCommand() takes history (count, before) and search (query), refusing bad fields", () => {
  assert.deepEqual(parseJsonCommand('{"type":"history"}'), { type: "history", count: 50 });
  assert.deepEqual(parseJsonCommand('{"type":"history","count":3,"before":9}'), {
    type: "history",
    count: 3,
    before: 9,
  });
  assert.deepEqual(parseJsonCommand('{"type":"search","query":"lunch"}'), {
    type: "search",
    query: "lunch",
  });
  for (
    const bad of [
      '{"type":"history","count":0}',
      '{"type":"history","count":501}',
      '{"type":"history","count":"5"}',
      '{"type":"history","before":1.5}',
      '{"type":"search"}',
      '{"type":"search","query":"  "}',
    ]
  ) {
    assert.throws(() => parseJsonCommand(bad), TypeError, bad);
  }
});

Deno.test("answerHistoryCommand() pages and searches the store, and says when there is none", () => {
  const store = PeerStore.memory(TAG);
  store.record({ delivered: [chat(ANN, 1, "Lunch?"), chat(BOB, 1, "yes"), chat(ANN, 2, "noon")] });
  const page = answerHistoryCommand({ type: "history", count: 2 }, store);
  assert.equal(page.type, "history");
  assert.deepEqual((page.messages as { text: string }[]).map((m) => m.text), ["yes", "noon"]);
  assert.equal(page.more, true);
  const first = (page.messages as { row: number }[])[0]!.row;
  const older = answerHistoryCommand({ type: "history", count: 2, before: first }, store);
  assert.deepEqual((older.messages as { text: string }[]).map((m) => m.text), ["Lunch?"]);
  const found = answerHistoryCommand({ type: "search", query: "LUNCH" }, store);
  assert.deepEqual(found, {
    type: "search",
    query: "LUNCH",
    messages: [{ row: 1, author: ANN, nick: "ann", seq: 1, ts: START + 1, text: "Lunch?" }],
    truncated: false,
  });
  assert.equal(answerHistoryCommand({ type: "search", query: "lunch" }, undefined).type, "error");
  store.close();
});

Deno.test("jsonHistoryMarkers() marks catch-up as history and unread, reports progress, then its end", () => {
  let backlog = CATCH_UP_PROGRESS_MESSAGES_MIN * 2;
  let now = START + 1_000;
  const markers = jsonHistoryMarkers({
    sessionStartMs: START,
    backlog: () => ({ messages: backlog, authors: 1 }),
    selfId: ANN,
    now: () => now,
  });
  backlog -= 1;
  const old = chat(BOB, 1, "old", START - 60_000);
  const parse = (lines: string[]) => lines.map((l) => JSON.parse(l));
  assert.deepEqual(parse(markers.before(old)), [
    { type: "marker", marker: "history", text: "history: while you were away" },
    { type: "marker", marker: "unread", text: "unread since you left" },
  ]);
  assert.deepEqual(parse(markers.after(old)), [
    {
      type: "catch-up",
      delivered: 1,
      expected: CATCH_UP_PROGRESS_MESSAGES_MIN * 2,
      authors: 1,
      done: false,
    },
  ]);
  backlog = 0;
  now += 10;
  const last = chat(BOB, 2, "old too", START - 1);
  assert.deepEqual(parse(markers.before(last)), []);
  assert.deepEqual(parse(markers.after(last)), [
    { type: "catch-up", delivered: 2, expected: 2, authors: 1, done: true },
  ]);
  const live = chat(ANN, 1, "live");
  assert.deepEqual(parse(markers.before(live)), [
    { type: "marker", marker: "end-of-history", text: "end of history" },
  ]);
  assert.deepEqual(markers.after(live), [], "own messages are no catch-up");
});
