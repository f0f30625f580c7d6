import assert from "node:assert/strict";
import { namedPeers, nickOf, rememberNick, SEEN_NICKS_MAX } from "../../lib/ui/seen_nicks.ts";
import type { PeerService } from "../../lib/runtime/mod.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

const ANN = "aa".repeat(32);
const BOB = "bb".repeat(32);

function chat(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    author: ANN,
    seq: 1,
    clock: new Map([[ANN, 1]]),
    nick: "ann",
    text: "hello",
    ts: 1_700_000_000_000,
    signature: new Uint8Array(0),
    ...overrides,
  };
}

Deno.test("rememberNick() keeps the latest nick per author, and at most SEEN_NICKS_MAX authors", () => {
  const nicks = new Map<string, string>();
  rememberNick(nicks, { type: "deliver", message: chat({ nick: "ann" }) });
  rememberNick(nicks, { type: "deliver", message: chat({ nick: "annie" }) });
  rememberNick(nicks, { type: "log", level: "info", text: "x" });
  assert.deepEqual([...nicks], [[ANN, "annie"]]);
  for (let i = 0; i < SEEN_NICKS_MAX + 10; i++) {
    const author = i.toString(16).padStart(64, "0");
    rememberNick(nicks, { type: "deliver", message: chat({ author, nick: `n${i}` }) });
  }
  assert.equal(nicks.size, SEEN_NICKS_MAX);
  assert.ok(!nicks.has(ANN), "the least recently seen went first");
});

Deno.test("nickOf() prefers the nick a summary carries; namedPeers() lists live peers and authors seen", () => {
  const nicks = new Map([[BOB, "bob"], [ANN, "ann"]]);
  assert.equal(nickOf({ id: BOB }, nicks), "bob");
  assert.equal(nickOf({ id: BOB, nick: "robert" } as { id: string }, nicks), "robert");
  assert.equal(nickOf({ id: "cc".repeat(32) }, nicks), undefined);
  const peer = {
    peers: () => [{ id: BOB, addr: "127.0.0.1:1", connected: true }],
  } as unknown as PeerService;
  assert.deepEqual(namedPeers(peer, nicks), [
    { id: BOB, nick: "bob" },
    { id: ANN, nick: "ann" },
    { id: BOB, nick: "bob" },
  ]);
});
