import assert from "node:assert/strict";
import { EffectChecker, EffectViolation } from "../../../../testing/fuzz/harness/effect_checker.ts";
import type { ChatMessage } from "../../../../lib/wire/message.ts";

const SELF = "aa".repeat(32);
const A = "0a".repeat(32);
const B = "0b".repeat(32);

function chat(author: string, seq: number, deps: [string, number][] = []): ChatMessage {
  return {
    author,
    seq,
    clock: new Map([[author, seq], ...deps]),
    nick: "n",
    text: "",
    ts: 0,
    signature: new Uint8Array(0),
  };
}

Deno.test("EffectChecker accepts sends on open connections and closes them once", () => {
  const checker = new EffectChecker({ selfId: SELF });
  checker.accepted(1);
  checker.check([
    { type: "dial", conn: 2, addr: "127.0.0.1:7000" },
    { type: "send", conn: 1, message: { type: "ping", nonce: 1 } },
    { type: "close", conn: 2, reason: "x" },
    { type: "send", conn: 1, message: { type: "bye", reason: "x" } },
    { type: "close", conn: 1, reason: "x" },
  ]);
  assert.equal(checker.liveCount, 0);
  assert.equal(checker.sends, 2);
});

Deno.test("EffectChecker refuses sends after close, on dials, and double closes", () => {
  const fresh = () => {
    const checker = new EffectChecker({ selfId: SELF });
    checker.accepted(1);
    checker.check([{ type: "dial", conn: 2, addr: "127.0.0.1:7000" }]);
    return checker;
  };
  const ping = { type: "ping", nonce: 1 } as const;
  assert.throws(
    () =>
      fresh().check([{ type: "close", conn: 1, reason: "" }, {
        type: "send",
        conn: 1,
        message: ping,
      }]),
    EffectViolation,
  );
  assert.throws(() => fresh().check([{ type: "send", conn: 2, message: ping }]), EffectViolation);
  assert.throws(
    () =>
      fresh().check([{ type: "close", conn: 1, reason: "" }, {
        type: "close",
        conn: 1,
        reason: "",
      }]),
    EffectViolation,
  );
  assert.throws(
    () => fresh().check([{ type: "dial", conn: 1, addr: "127.0.0.1:1" }]),
    EffectViolation,
  );
  assert.throws(() => fresh().check([{ type: "dial", conn: 3, addr: "nowhere" }]), EffectViolation);
  const disconnected = fresh();
  disconnected.disconnected(1);
  assert.throws(
    () => disconnected.check([{ type: "send", conn: 1, message: ping }]),
    EffectViolation,
  );
  assert.throws(() => fresh().accepted(1), EffectViolation);
});

Deno.test("EffectChecker refuses sends that do not encode, naming known issues", () => {
  const checker = new EffectChecker({ selfId: SELF });
  checker.accepted(1);
  assert.throws(
    () => checker.check([{ type: "send", conn: 1, message: { type: "ping", nonce: 2 ** 32 } }]),
    EffectViolation,
  );
  const big = new Map(
    Array.from({ length: 1025 }, (_, i) => [i.toString(16).padStart(64, "0"), 1]),
  );
  assert.throws(
    () =>
      checker.check([{ type: "send", conn: 1, message: { type: "have", full: true, clock: big } }]),
    EffectViolation,
  );
  const member = { id: A, addr: "h:1", incarnation: 2 ** 53, status: "alive" } as const;
  assert.throws(
    () => checker.check([{ type: "send", conn: 1, message: { type: "member", member } }]),
    EffectViolation,
  );
});

Deno.test("EffectChecker checks causal, exactly-once delivery", () => {
  const checker = new EffectChecker({ selfId: SELF });
  checker.check([
    { type: "deliver", message: chat(A, 1) },
    { type: "deliver", message: chat(B, 1, [[A, 1]]) },
    { type: "skip", author: A, seq: 5 },
    { type: "deliver", message: chat(A, 6) },
  ]);
  assert.throws(() => checker.check([{ type: "deliver", message: chat(A, 6) }]), EffectViolation);
  assert.throws(
    () => checker.check([{ type: "deliver", message: chat(B, 2, [[A, 9]]) }]),
    EffectViolation,
  );
  assert.throws(() => checker.check([{ type: "skip", author: B, seq: 1 }]), EffectViolation);
  // Before its first send a peer may give up own history lost with its database; after, never.
  checker.check([{ type: "skip", author: SELF, seq: 2 }]);
  checker.noteOwnSend();
  assert.throws(
    () => checker.check([{ type: "skip", author: SELF, seq: 3 }]),
    EffectViolation,
  );
  assert.throws(() => checker.check([{ type: "peer-up", id: SELF, addr: "h:1" }]), EffectViolation);
});
