import assert from "node:assert/strict";
import {
  assertCommandLine,
  assertOutputLine,
  JSON_LINES_SCHEMA,
  schemaProblems,
} from "../_helpers/json_schema.ts";
import { eventLine } from "../../lib/ui/json_front_end.ts";
import type { PeerEvent } from "../../lib/runtime/mod.ts";

const ANN = "aa".repeat(32);
const BOB = "bb".repeat(32);

/** One valid example of every stdout line the schema documents. */
const OUTPUT_EXAMPLES: Record<string, unknown>[] = [
  {
    type: "ready",
    id: ANN,
    addr: "127.0.0.1:7411",
    nick: "ann",
    role: "peer",
    room: "lobby",
    secure: true,
    public: true,
  },
  {
    type: "ready",
    id: ANN,
    addr: "[::1]:7411",
    role: "bootstrap",
    room: "r",
    secure: false,
    public: true,
  },
  { type: "peer-up", id: BOB, addr: "10.0.0.2:9000" },
  { type: "peer-up", id: BOB, addr: "10.0.0.2:9000", nick: "bob" },
  { type: "peer-down", id: BOB, addr: "10.0.0.2:9000", reason: "left", cause: "left", nick: "bob" },
  { type: "nick", id: BOB, old: "bob", new: "robert" },
  {
    type: "message",
    author: ANN,
    nick: "ann",
    seq: 1,
    clock: { [ANN]: 1, [BOB]: 4 },
    text: "hi",
    ts: 1_700_000_000_000,
    at: 1_700_000_000_001.25,
  },
  { type: "message-state", seq: 1, state: "seen" },
  {
    type: "connectivity",
    state: "alone",
    neighbours: 0,
    bootstraps: 1,
    remembered: 3,
    nextAttemptInMs: 500,
  },
  { type: "observed-address", host: "203.0.113.7", observers: 2, advertised: "192.168.1.2:7000" },
  {
    type: "reachability",
    state: "public",
    addr: "10.0.0.1:7000",
    reason: "dial-back by 10.0.0.9:7411",
  },
  {
    type: "reachability",
    state: "private",
    addr: `203.0.113.1:7411/relay/${BOB}`,
    relay: "203.0.113.1:7411",
    reason: "reserved at relay 203.0.113.1:7411",
  },
  { type: "skip", author: BOB, seq: 9 },
  {
    type: "equivocation",
    author: BOB,
    seq: 2,
    versions: [{ nick: "bob", text: "a", ts: 1 }, { nick: "bob", text: "b", ts: 2 }],
  },
  { type: "direct", from: BOB, nick: "bob", text: "psst", ts: 1, at: 2 },
  { type: "peers", peers: [{ id: BOB, addr: "10.0.0.2:9000", connected: true, nick: "bob" }] },
  { type: "peers", peers: [{ id: BOB, addr: "10.0.0.2:9000" }], ref: "p" },
  { type: "peers", peers: [{ id: BOB, addr: `10.0.0.1:7411/relay/${BOB}`, connected: true }] },
  { type: "clock", clock: {}, ref: 1 },
  { type: "stats", messagesSent: 1, delivered: 2, neighbours: 0, heapUsedBytes: 3 },
  { type: "sent", command: "send", author: ANN, seq: 3, ts: 5, ref: "s" },
  { type: "sent", command: "direct", to: BOB },
  { type: "ok", command: "nick", nick: "annie", ref: "n" },
  { type: "ok", command: "quit" },
  { type: "error", error: "Invalid send: text is empty", ref: "s" },
  {
    type: "history",
    messages: [{ row: 1, author: ANN, nick: "ann", seq: 1, ts: 1, text: "a" }],
    more: false,
  },
  { type: "search", query: "a", messages: [], truncated: false },
  { type: "marker", marker: "unread", text: "unread since you left" },
  { type: "catch-up", delivered: 3, expected: 10, authors: 2, done: false },
  {
    type: "message",
    author: BOB,
    nick: "bob",
    seq: 4,
    clock: { [BOB]: 4 },
    text: "fixed",
    ts: 1,
    at: 2,
    edit: 2,
  },
  { type: "redact", author: BOB, seq: 2 },
  {
    type: "text-arrived",
    author: BOB,
    nick: "bob",
    seq: 3,
    clock: { [BOB]: 3 },
    text: "late",
    ts: 1,
    at: 2,
  },
  { type: "policy", muted: [BOB], blocked: [] },
  { type: "network", state: "new", bootstrap: "127.0.0.1:7411", remembered: 2 },
  { type: "network", state: "joined", via: "10.0.0.2:9000" },
  { type: "fatal", reason: "wrong-secret", error: "No peer of room 'lobby' accepts this secret" },
  {
    type: "overlay",
    at: 1_700_000_000_000,
    members: [
      { id: ANN, addr: "127.0.0.1:7411", nick: "ann", state: "self", incarnation: 0, seq: 2 },
      {
        id: BOB,
        addr: "10.0.0.2:9000",
        state: "suspect",
        incarnation: 1,
        seq: 0,
        changedAgoMs: 5,
      },
    ],
    omittedMembers: 0,
    links: [{ id: BOB, kind: "eager", outbound: true, ageMs: 10, quietMs: 1, lazyAuthors: 0 }],
    held: [{ author: BOB, seq: 3, waitsFor: { author: BOB, seq: 1 } }],
    omittedHeld: 0,
    repair: {
      counts: { haveIn: 1, haveOut: 0, wantIn: 0, wantOut: 0, skipIn: 0, skipOut: 0 },
      recent: [{ n: 1, at: 1, dir: "in", kind: "have", peer: BOB, summary: "delta: 1 authors" }],
    },
  },
  {
    type: "provenance",
    author: BOB,
    seq: 3,
    clock: { [BOB]: 3 },
    arrivedAt: 1,
    from: BOB,
    repair: false,
    copies: 1,
    heldAt: 1,
    waitsFor: { author: BOB, seq: 1 },
  },
];

const COMMAND_EXAMPLES: Record<string, unknown>[] = [
  { type: "send", text: "hi" },
  { type: "send", text: "hi", ref: "a" },
  { type: "direct", to: "bob", text: "psst", ref: 7 },
  { type: "direct", to: BOB, text: "psst" },
  { type: "peers" },
  { type: "clock" },
  { type: "stats", ref: "x" },
  { type: "nick", nick: "ann" },
  { type: "quit" },
  { type: "history", count: 20, before: 100 },
  { type: "search", query: "lunch" },
  { type: "edit", seq: 2, text: "fixed" },
  { type: "delete", seq: 2 },
  { type: "mute", id: BOB },
  { type: "unblock", id: BOB, ref: 1 },
  { type: "policy" },
];

Deno.test("schema/json-lines.schema.json accepts an example of every documented line", () => {
  for (const line of OUTPUT_EXAMPLES) assertOutputLine(line);
  for (const command of COMMAND_EXAMPLES) assertCommandLine(command);
  // Lines may gain fields: readers ignore what they do not know.
  assertOutputLine({ type: "skip", author: BOB, seq: 1, later: "field" });
});

Deno.test("schema/json-lines.schema.json documents every output line type with an example here", () => {
  const output = JSON_LINES_SCHEMA.$defs as Record<string, unknown>;
  const documented = Object.keys(output).filter((k) => k.startsWith("out-")).map((k) => k.slice(4));
  const examples = new Set(OUTPUT_EXAMPLES.map((l) => l.type));
  assert.deepEqual(documented.filter((t) => !examples.has(t)), []);
});

Deno.test("schema/json-lines.schema.json refuses lines that break the contract", () => {
  const bad: [unknown, RegExp][] = [
    [{ type: "peer-up", id: "xyz", addr: "1.2.3.4:5" }, /\/id: .* does not match/],
    [{ type: "peer-up", id: BOB }, /missing addr/],
    [{ type: "message", author: ANN, nick: "a", seq: 0, clock: {}, text: "", ts: 1, at: 1 }, /seq/],
    [
      { type: "message", author: ANN, nick: "a", seq: 1, clock: { x: 1 }, text: "", ts: 1, at: 1 },
      /name/,
    ],
    [{ type: "clock", clock: { [ANN]: 1.5 } }, /expected integer/],
    [{ type: "sent", command: "send", author: ANN, ts: 1 }, /missing seq/],
    [{ type: "ok", command: "dance" }, /expected one of/],
    [{ type: "error", error: "two\nlines" }, /does not match/],
    [{ type: "error", error: "x", ref: null }, /expected string or number/],
    [{ type: "stats", messagesSent: "1", delivered: 1, neighbours: 1 }, /expected integer/],
    [{ type: "whatever" }, /matches none of oneOf/],
    [{
      type: "ready",
      id: ANN,
      addr: "127.0.0.1:1",
      role: "x",
      room: "r",
      secure: true,
      public: true,
    }, /role/],
    ["not an object", /expected object/],
  ];
  for (const [line, why] of bad) {
    assert.throws(() => assertOutputLine(line), why, JSON.stringify(line));
  }
  const badCommands: unknown[] = [
    { type: "send", text: "" },
    { type: "send", text: " " },
    { type: "send" },
    { type: "direct", to: "", text: "x" },
    { type: "nick", nick: "" },
    { type: "peers", ref: "r".repeat(257) },
    { type: "dance" },
  ];
  for (const command of badCommands) {
    assert.throws(() => assertCommandLine(command), /Not a valid command/, JSON.stringify(command));
  }
});

Deno.test("schemaProblems() refuses a keyword it does not check, rather than ignoring it", () => {
  assert.throws(() => schemaProblems(1, { multipleOf: 2 }), /Unsupported JSON Schema keyword/);
  assert.throws(() => schemaProblems(1, { $ref: "other.json#/x" }), /only local/);
});

Deno.test("eventLine() gives a schema-valid line for every event it prints", () => {
  const message = {
    author: ANN,
    seq: 2,
    clock: new Map([[ANN, 2], [BOB, 0]]),
    nick: "ann",
    text: "hello",
    ts: 1_700_000_000_000,
    signature: new Uint8Array(0),
  };
  const events = [
    { type: "deliver", message },
    { type: "peer-up", id: BOB, addr: "127.0.0.1:9000" },
    { type: "peer-down", id: BOB, addr: "127.0.0.1:9000", reason: "no answer for 5000 ms" },
    { type: "skip", author: BOB, seq: 3 },
    { type: "equivocation", author: ANN, seq: 2, versions: [message, { ...message, text: "x" }] },
    { type: "direct-message", from: BOB, nick: "bob", text: "psst", ts: 1 },
  ] as PeerEvent[];
  for (const event of events) {
    const line = eventLine(event);
    assert.ok(line !== undefined, event.type);
    assertOutputLine(JSON.parse(JSON.stringify(line)));
  }
});

Deno.test("ChildProcess with schema checking reports a line that breaks the schema", async () => {
  const { ChildProcess } = await import("../_helpers/process.ts");
  const child = new ChildProcess(
    ["eval", 'console.log(JSON.stringify({ type: "skip", author: "nope", seq: 1 }))'],
    { schema: true, quitLine: null },
  );
  await child.close();
  assert.equal(child.schemaViolations.length, 1);
  assert.throws(() => child.assertSchemaValid(), /broke schema\/json-lines\.schema\.json 1 times/);
});

Deno.test("schema/json-lines.schema.json has every line type README.md documents", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("## JSON lines"), readme.indexOf("## As a library"));
  const types = new Set([...section.matchAll(/\{"type":"([a-z-]+)"/g)].map((m) => m[1]!));
  assert.ok(types.size >= 10, `found ${[...types].join(", ")}`);
  const defs = JSON_LINES_SCHEMA.$defs as Record<string, unknown>;
  for (const type of types) {
    assert.ok(`out-${type}` in defs || `cmd-${type}` in defs, `${type} is not in the schema`);
  }
});
