/** `terminalHistory()`: the stored history at start, `/history N` paging and `/search`, on a memory store. */

import assert from "node:assert/strict";
import { PeerStore } from "../../lib/store/peer_store.ts";
import { HISTORY_PAGE_MESSAGES_MAX } from "../../lib/store/stored_history.ts";
import { START_HISTORY_MESSAGES } from "../../lib/ui/history_view.ts";
import { terminalHistory } from "../../lib/ui/terminal_history.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

const TAG = new Uint8Array(32).fill(9);
const ANN = "a".repeat(64);
const BOB = "b".repeat(64);

function chat(author: string, seq: number, text: string): ChatMessage {
  return {
    author,
    seq,
    clock: new Map([[author, seq]]),
    nick: author === ANN ? "ann" : "bob",
    text,
    ts: Date.parse("2026-12-03T10:00:00Z") + seq * 1_000,
    signature: new Uint8Array(0),
  };
}

function setUp(count: number) {
  const store = PeerStore.memory(TAG);
  store.record({
    delivered: Array.from(
      { length: count },
      (_, i) => chat(i % 2 === 0 ? BOB : ANN, i + 1, `m${i + 1}`),
    ),
  });
  const screen: string[] = [];
  const history = terminalHistory({
    source: store,
    sessionStartMs: Date.parse("2026-12-04T09:00:00Z"),
    backlog: () => ({ messages: 0, authors: 0 }),
    print: (line) => screen.push(line),
    dim: (text) => text,
    error: (text) => `ERROR ${text}`,
    nick: (_author, nick) => nick,
    selfId: ANN,
    timeZone: "UTC",
  });
  return { store, screen, history };
}

Deno.test("terminalHistory() shows the newest stored messages under the marker, own ones marked", () => {
  const { store, screen, history } = setUp(START_HISTORY_MESSAGES + 10);
  history.showStored();
  assert.equal(screen[0], `── history: ${START_HISTORY_MESSAGES} stored messages ──`);
  assert.equal(screen[1], "── Thursday 3 December 2026 ──");
  assert.match(screen[2]!, /^\d\d:\d\d:\d\d bob: m11$/);
  assert.match(screen.at(-1)!, /^\d\d:\d\d:\d\d ann \(you\): m60$/);
  store.close();
});

Deno.test("terminalHistory() /history N pages back from the oldest shown, then says there is no more", () => {
  const { store, screen, history } = setUp(START_HISTORY_MESSAGES + 10);
  history.showStored();
  screen.length = 0;
  assert.equal(history.runCommand("/history", "4"), true);
  const withoutStamps = screen.map((l) => l.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ""));
  assert.deepEqual(withoutStamps, [
    "── 4 older messages ──",
    "bob: m7",
    "ann (you): m8",
    "bob: m9",
    "ann (you): m10",
    "── end of older messages ──",
  ]);
  screen.length = 0;
  history.runCommand("/history", "");
  assert.equal(screen[0], "── 6 older messages (oldest kept) ──");
  screen.length = 0;
  history.runCommand("/history", "3");
  assert.deepEqual(screen, ["No older messages are stored."]);
  store.close();
});

Deno.test("terminalHistory() refuses bad /history counts and an empty /search with a usage line", () => {
  const { store, screen, history } = setUp(3);
  for (const bad of ["abc", "-1", "1.5"]) history.runCommand("/history", bad);
  history.runCommand("/history", "0");
  history.runCommand("/history", String(HISTORY_PAGE_MESSAGES_MAX + 1));
  history.runCommand("/search", "");
  assert.equal(screen.length, 6);
  assert.ok(screen.every((line) => line.startsWith("ERROR ")), screen.join("\n"));
  assert.equal(history.runCommand("/peers", ""), false, "not a history command");
  store.close();
});

Deno.test("terminalHistory() /search lists matches with date, time and nick", () => {
  const { store, screen, history } = setUp(12);
  history.runCommand("/search", "M1");
  assert.equal(screen[0], '── 4 matches for "M1" ──');
  assert.match(screen[1]!, /^2026-12-03 \d\d:\d\d:\d\d bob: m1$/);
  assert.match(screen[4]!, /^2026-12-03 \d\d:\d\d:\d\d ann \(you\): m12$/);
  store.close();
});
