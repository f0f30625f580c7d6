import assert from "node:assert/strict";
import fc from "fast-check";
import { benchText, parseBenchText } from "../../scripts/_bench/bench_text.ts";
import {
  isMessageLine,
  parseMessageLineJson,
  scanMessageLine,
} from "../../scripts/_bench/message_line.ts";
import { messageLine } from "../../lib/ui/json_front_end.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

const encoder = new TextEncoder();

/** A line exactly as `main.ts peer --json` prints it. */
function line(text: string, atMs: number, clockEntries = 3): string {
  const message: ChatMessage = {
    author: "ab".repeat(32),
    seq: 7,
    clock: new Map(
      Array.from({ length: clockEntries }, (_, i) => [i.toString(16).padStart(64, "0"), i + 1]),
    ),
    nick: "n3",
    text,
    ts: 1_764_000_000_123,
    signature: new Uint8Array(0),
  };
  return JSON.stringify(messageLine(message, atMs));
}

Deno.test("benchText() pads to the payload size and ends with the stamp", () => {
  const text = benchText({ phase: "L", index: 42, sentAtMs: 1_764_000_000_000.25 }, 100);
  assert.equal(text.length, 100);
  assert.ok(text.endsWith("~L42@1764000000000.250"));
  assert.match(text, /^x+~/);
});

Deno.test("benchText() gives the bare stamp when the payload is smaller than it", () => {
  assert.equal(benchText({ phase: "T", index: 1, sentAtMs: 5 }, 3), "~T1@5.000");
});

Deno.test("parseBenchText() reads back what benchText() wrote", () => {
  const stamp = { phase: "T", index: 123_456, sentAtMs: 1_764_000_000_000.125 } as const;
  assert.deepEqual(parseBenchText(benchText(stamp, 100)), stamp);
  assert.equal(parseBenchText("hello"), undefined);
});

Deno.test("isMessageLine() tells message lines from the others", () => {
  assert.ok(isMessageLine(encoder.encode(line("x", 1))));
  assert.ok(!isMessageLine(encoder.encode('{"type":"peers","peers":[]}')));
  assert.ok(!isMessageLine(encoder.encode("{")));
});

Deno.test("scanMessageLine() reads the stamp and `at` of a real message line", () => {
  const text = benchText({ phase: "L", index: 499, sentAtMs: 1_764_000_000_100.5 }, 100);
  const delivery = scanMessageLine(encoder.encode(line(text, 1_764_000_000_101.7505)));
  assert.deepEqual(delivery, {
    phase: "L",
    index: 499,
    sentAtMs: 1_764_000_000_100.5,
    atMs: 1_764_000_000_101.7505,
  });
});

Deno.test("scanMessageLine() accepts a trailing carriage return and an integral `at`", () => {
  const text = benchText({ phase: "T", index: 0, sentAtMs: 10 }, 40);
  assert.equal(scanMessageLine(encoder.encode(line(text, 12) + "\r"))?.atMs, 12);
});

Deno.test("scanMessageLine() returns undefined for lines of another shape", () => {
  for (
    const other of [
      line("no stamp here", 5),
      line("~X1@5.000", 5),
      '{"type":"message","text":"~L1@5.0","at":6}',
      JSON.stringify({ type: "message", text: "~L1@5.0", at: 6, ts: 1 }),
      '{"type":"message"}',
      "",
    ]
  ) {
    assert.equal(scanMessageLine(encoder.encode(other)), undefined, other);
  }
});

Deno.test("parseMessageLineJson() is the slow path for any key order", () => {
  const reordered = JSON.stringify({ at: 6.5, type: "message", text: "~L1@5.000", ts: 1 });
  assert.deepEqual(parseMessageLineJson(reordered), {
    phase: "L",
    index: 1,
    sentAtMs: 5,
    atMs: 6.5,
  });
  assert.equal(parseMessageLineJson('{"type":"peers"}'), undefined);
  assert.equal(parseMessageLineJson("not json"), undefined);
});

Deno.test("scanMessageLine() agrees with JSON.parse on any stamp, payload and `at`", () => {
  fc.assert(
    fc.property(
      fc.constantFrom("L" as const, "T" as const),
      fc.nat(10_000_000),
      fc.double({ min: 1e12, max: 2e12, noNaN: true }),
      fc.double({ min: 1e12, max: 2e12, noNaN: true }),
      fc.integer({ min: 1, max: 300 }),
      fc.nat(30),
      (phase, index, sentAtMs, atMs, payloadBytes, clockEntries) => {
        const text = benchText({ phase, index, sentAtMs }, payloadBytes);
        const json = line(text, atMs, clockEntries);
        const fast = scanMessageLine(encoder.encode(json));
        const slow = parseMessageLineJson(json);
        assert.ok(fast !== undefined && slow !== undefined);
        assert.equal(fast.phase, slow.phase);
        assert.equal(fast.index, slow.index);
        assert.ok(Math.abs(fast.sentAtMs - slow.sentAtMs) < 1e-6);
        assert.ok(Math.abs(fast.atMs - slow.atMs) < 1e-3);
      },
    ),
  );
});
