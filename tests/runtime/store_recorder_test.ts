import assert from "node:assert/strict";
import { redactChat } from "../../lib/wire/chat_text.ts";
import type { PeerStore } from "../../lib/store/peer_store.ts";
import { StoreRecorder } from "../../lib/runtime/store_recorder.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);
const message: ChatMessage = {
  author: A,
  seq: 1,
  clock: new Map([[A, 1]]),
  nick: "ann",
  text: "hi",
  ts: 0,
  signature: new Uint8Array(),
};

Deno.test("StoreRecorder commits a step's deliveries, skips, redactions and addresses (proven apart from merely heard) with the incarnation", () => {
  const steps: unknown[] = [];
  const store = { record: (step: unknown) => steps.push(step) } as unknown as PeerStore;
  const recorder = new StoreRecorder(store, () => assert.fail("no failure"));
  recorder.record([
    { type: "deliver", message },
    { type: "skip", author: A, seq: 3 },
    { type: "peer-up", id: B, addr: "10.9.9.9:1" },
    { type: "address-proven", id: A, addr: "127.0.0.1:1" },
    { type: "redact", message: redactChat(message) },
    { type: "log", level: "info", text: "not recorded" },
  ], 7);
  assert.deepEqual(steps, [{
    delivered: [message],
    skipped: [{ author: A, seq: 3 }],
    seen: [{ id: A, addr: "127.0.0.1:1" }],
    heard: [{ id: B, addr: "10.9.9.9:1" }],
    redacted: [redactChat(message)],
    incarnation: 7,
  }]);
  assert.equal(recorder.failure, undefined);
});

Deno.test("StoreRecorder stops at the first failed write and reports it once", () => {
  let writes = 0;
  const store = {
    record: () => {
      writes++;
      throw new Error("disk full");
    },
  } as unknown as PeerStore;
  const failures: string[] = [];
  const recorder = new StoreRecorder(store, (e) => failures.push(e.message));
  recorder.record([{ type: "deliver", message }], 1);
  recorder.record([{ type: "deliver", message }], 1);
  assert.equal(writes, 1);
  assert.deepEqual(failures, ["disk full"]);
  assert.equal(recorder.failure?.message, "disk full");
});
