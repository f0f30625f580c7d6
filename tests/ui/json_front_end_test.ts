import assert from "node:assert/strict";
import { MessageCounts } from "../../lib/runtime/message_counts.ts";
import { RefusalCounts } from "../../lib/runtime/refusal_counts.ts";
import fc from "fast-check";
import type { PeerEvent } from "../../lib/runtime/mod.ts";
import type { BootstrapService, PeerService } from "../../lib/runtime/mod.ts";
import {
  COMMAND_LINE_BYTES_MAX,
  COMMAND_REF_CHARS_MAX,
  DIRECT_TO_CHARS_MAX,
  errorJson,
  eventJson,
  eventLine,
  InvalidCommandError,
  type JsonCommand,
  messageJson,
  messageLine,
  parseJsonCommand,
  type RefCommand,
  runBootstrapCommand,
  runPeerCommand,
} from "../../lib/ui/json_front_end.ts";
import { Roster } from "../../lib/ui/roster.ts";
import { assertCommandLine, assertOutputLine } from "../_helpers/json_schema.ts";
import { LineWriter } from "../../lib/ui/line_writer.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

const ANN = "aa".repeat(32);
const BOB = "bb".repeat(32);
const CAROL = "cc".repeat(32);

function chat(overrides: Partial<ChatMessage> = {}): ChatMessage {
  return {
    author: ANN,
    seq: 2,
    clock: new Map([[ANN, 2], [BOB, 5]]),
    nick: "ann",
    text: "hello",
    ts: 1_700_000_000_000,
    signature: new Uint8Array([1, 2, 3]),
    body: new Uint8Array([4, 5, 6]),
    ...overrides,
  };
}

/** Asserts `parseJsonCommand(line)` throws a TypeError with exactly `message`. */
function rejects(line: string, message: string | RegExp): void {
  assert.throws(() => parseJsonCommand(line), (error: unknown) => {
    assert.ok(error instanceof TypeError, `expected a TypeError for ${line}, got ${error}`);
    if (typeof message === "string") assert.equal(error.message, message, line);
    else assert.match(error.message, message, line);
    assert.ok(!error.message.includes("\n"));
    return true;
  });
}

Deno.test("parseJsonCommand() reads every command", () => {
  assert.deepEqual(parseJsonCommand('{"type":"send","text":"hi"}'), { type: "send", text: "hi" });
  assert.deepEqual(parseJsonCommand('{"type":"peers"}'), { type: "peers" });
  assert.deepEqual(parseJsonCommand('{"type":"clock"}'), { type: "clock" });
  assert.deepEqual(parseJsonCommand('{"type":"nick","nick":"Zoë"}'), { type: "nick", nick: "Zoë" });
  assert.deepEqual(parseJsonCommand('{"type":"quit"}'), { type: "quit" });
  assert.deepEqual(parseJsonCommand('  {"type":"quit"}  '), { type: "quit" });
});

Deno.test({
  name: "parseJsonCommand() reads the stats command",

  fn() {
    assert.deepEqual(parseJsonCommand('{"type":"stats"}'), { type: "stats" });
  },
});

Deno.test("parseJsonCommand() drops fields a command does not use", () => {
  assert.deepEqual(parseJsonCommand('{"type":"peers","text":"x","extra":[1]}'), { type: "peers" });
  assert.deepEqual(
    parseJsonCommand('{"text":"hi","type":"send","nick":"n","__proto__":{"x":1}}'),
    { type: "send", text: "hi" },
  );
});

Deno.test("parseJsonCommand() keeps any text, control characters included", () => {
  const text = "line one\nline two \u001b[31m 🦕";
  assert.deepEqual(parseJsonCommand(JSON.stringify({ type: "send", text })), {
    type: "send",
    text,
  });
});

Deno.test("parseJsonCommand() limits text to 4096 UTF-8 bytes", () => {
  const at = JSON.stringify({ type: "send", text: "x".repeat(4096) });
  assert.equal((parseJsonCommand(at) as { text: string }).text.length, 4096);
  rejects(
    JSON.stringify({ type: "send", text: "x".repeat(4097) }),
    "Invalid send: text is 4097 bytes, limit 4096",
  );
  // 1366 three-byte characters are 4098 bytes, though only 1366 characters.
  rejects(
    JSON.stringify({ type: "send", text: "€".repeat(1366) }),
    "Invalid send: text is 4098 bytes, limit 4096",
  );
  assert.ok(COMMAND_LINE_BYTES_MAX >= 6 * 4096 + 100, "a command line fits any escaped text");
});

Deno.test("parseJsonCommand() explains every invalid command in one line", () => {
  rejects("", "Invalid command: not JSON");
  rejects("hello", "Invalid command: not JSON");
  rejects('{"type":"send"', "Invalid command: not JSON");
  rejects("{'type':'send'}", "Invalid command: not JSON");
  for (const line of ["null", "42", '"send"', "true", "[]", '[{"type":"send","text":"x"}]']) {
    rejects(line, "Invalid command: expected a JSON object");
  }
  rejects(
    "{}",
    "Invalid command: unknown type undefined, expected send, direct, peers, clock, nick, stats, history, search, quit, edit, delete, mute, unmute, block, unblock or policy",
  );
  rejects(
    '{"type":"dance"}',
    'Invalid command: unknown type "dance", expected send, direct, peers, clock, nick, stats, history, search, quit, edit, delete, mute, unmute, block, unblock or policy',
  );
  rejects('{"type":"SEND","text":"x"}', /^Invalid command: unknown type "SEND"/);
  rejects('{"type":["send"]}', /^Invalid command: unknown type \["send"\]/);
  rejects('{"type":"toString"}', /^Invalid command: unknown type "toString"/);
  rejects('{"type":"send"}', "Invalid send: text must be a string");
  rejects('{"type":"send","text":null}', "Invalid send: text must be a string");
  rejects('{"type":"send","text":["a"]}', "Invalid send: text must be a string");
  rejects('{"type":"send","text":""}', "Invalid send: text is empty");
  rejects('{"type":"send","text":" \\n\\t "}', "Invalid send: text is empty");
  rejects('{"type":"direct","to":"bob","text":""}', "Invalid direct: text is empty");
  rejects('{"type":"direct","text":"hi"}', /^Invalid direct: to must be a peer id, a nick/);
  rejects('{"type":"direct","to":"","text":"hi"}', /^Invalid direct: to must be a peer id/);
  rejects(
    JSON.stringify({ type: "direct", to: "x".repeat(98), text: "hi" }),
    "Invalid direct: to is longer than 97 characters",
  );
  rejects('{"type":"nick"}', "Invalid nick: nick must be a string");
  rejects('{"type":"nick","nick":7}', "Invalid nick: nick must be a string");
  rejects('{"type":"nick","nick":""}', "Invalid nick: a nick needs at least one character");
  rejects(
    '{"type":"nick","nick":"a\\tb"}',
    "Invalid nick: a nick cannot contain control characters",
  );
  rejects(
    JSON.stringify({ type: "nick", nick: "x".repeat(33) }),
    /^Invalid nick: '.*' is 33 bytes, limit 32$/,
  );
});

Deno.test("parseJsonCommand() throws only TypeErrors, whatever the line", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: "binary", maxLength: 60 }),
        fc.json().map((j) => j),
        fc.record({
          type: fc.constantFrom("send", "nick", "peers", "clock", "stats", "quit", "x"),
          text: fc.anything(),
          nick: fc.anything(),
        }).map((o) => JSON.stringify(o) ?? ""),
      ),
      (line) => {
        try {
          const command = parseJsonCommand(line);
          assert.ok(["send", "nick", "peers", "clock", "stats", "quit"].includes(command.type));
        } catch (error) {
          assert.ok(error instanceof TypeError, `${JSON.stringify(line)} threw ${error}`);
        }
      },
    ),
    { numRuns: 2_000 },
  );
});

Deno.test("messageLine() has exactly the documented fields, clock as an object", () => {
  const line = messageLine(chat(), 1_700_000_000_123.5);
  assert.deepEqual(line, {
    type: "message",
    author: ANN,
    nick: "ann",
    seq: 2,
    clock: { [ANN]: 2, [BOB]: 5 },
    text: "hello",
    ts: 1_700_000_000_000,
    at: 1_700_000_000_123.5,
  });
  // It survives JSON as is: no Uint8Array, Map or undefined inside.
  assert.deepEqual(JSON.parse(JSON.stringify(line)), line);
});

Deno.test("messageLine() keeps text as sent and drops zero clock entries", () => {
  const text = "tab\there\nnewline \u001b[2J";
  const line = messageLine(chat({ text, clock: new Map([[ANN, 2], [BOB, 0]]) }));
  assert.equal(line.text, text);
  assert.deepEqual(line.clock, { [ANN]: 2 });
  // One physical line once stringified, whatever the text holds.
  assert.ok(!JSON.stringify(line).includes("\n"));
});

Deno.test("messageLine() keeps an author named __proto__ as data", () => {
  const line = messageLine(chat({ clock: new Map([["__proto__", 1]]) }));
  assert.deepEqual(Object.keys(line.clock as object), ["__proto__"]);
  assert.equal(JSON.stringify(line.clock), '{"__proto__":1}');
});

Deno.test("messageLine() stamps the delivery time, wall clock in ms, by default", () => {
  const before = Date.now();
  const { at } = messageLine(chat());
  const after = Date.now();
  assert.equal(typeof at, "number");
  // performance.timeOrigin + now() may drift from Date.now() if the wall clock is adjusted.
  assert.ok(
    (at as number) >= before - 1_000 && (at as number) <= after + 1_000,
    `${before} ≤ ${at} ≤ ${after}`,
  );
});

Deno.test("eventLine() turns deliveries and membership changes into lines", () => {
  const delivered = eventLine({ type: "deliver", message: chat() })!;
  assert.equal(typeof delivered.at, "number");
  assert.deepEqual(delivered, messageLine(chat(), delivered.at as number));
  assert.deepEqual(eventLine({ type: "peer-up", id: BOB, addr: "127.0.0.1:9000" }), {
    type: "peer-up",
    id: BOB,
    addr: "127.0.0.1:9000",
  });
  assert.deepEqual(
    eventLine({ type: "peer-down", id: BOB, addr: "127.0.0.1:9000", reason: "left" }),
    { type: "peer-down", id: BOB, addr: "127.0.0.1:9000", reason: "left" },
  );
});

Deno.test("parseJsonCommand() keeps a command's ref and gives it to the error of an invalid one", () => {
  assert.deepEqual(parseJsonCommand('{"type":"send","text":"hi","ref":"a1"}'), {
    type: "send",
    text: "hi",
    ref: "a1",
  });
  assert.deepEqual(parseJsonCommand('{"type":"peers","ref":7}'), { type: "peers", ref: 7 });
  assert.deepEqual(parseJsonCommand('{"type":"direct","to":"bob","text":"x","ref":-1.5}'), {
    type: "direct",
    to: "bob",
    text: "x",
    ref: -1.5,
  });
  const refOfError = (line: string) => {
    try {
      parseJsonCommand(line);
    } catch (error) {
      assert.ok(error instanceof InvalidCommandError && error instanceof TypeError);
      return error.ref;
    }
    assert.fail(`${line} was accepted`);
  };
  assert.equal(refOfError('{"type":"send","text":"","ref":"r9"}'), "r9");
  assert.equal(refOfError('{"type":"dance","ref":3}'), 3);
  assert.equal(refOfError('{"type":"nick","nick":"","ref":"n"}'), "n");
  // An invalid ref is itself the error, and cannot be echoed.
  for (const ref of [null, true, [1], { a: 1 }, "r".repeat(COMMAND_REF_CHARS_MAX + 1)]) {
    const line = JSON.stringify({ type: "peers", ref });
    assert.equal(refOfError(line), undefined);
    rejects(line, /^Invalid command: ref must be a number or a string of at most 256 characters$/);
  }
  assert.equal(
    (parseJsonCommand(JSON.stringify({ type: "quit", ref: "r".repeat(256) })) as { ref: string })
      .ref.length,
    256,
  );
});

Deno.test("parseJsonCommand() takes a direct to of up to DIRECT_TO_CHARS_MAX characters, as the schema does", () => {
  const longest = `${"n".repeat(32)}#${"ab".repeat(32)}`;
  assert.equal([...longest].length, DIRECT_TO_CHARS_MAX);
  const command = { type: "direct", to: longest, text: "x" };
  assert.deepEqual(parseJsonCommand(JSON.stringify(command)), command);
  assertCommandLine(command);
  const tooLong = { ...command, to: `${longest}0` };
  rejects(JSON.stringify(tooLong), /^Invalid direct: to is longer than 97 characters$/);
  assert.throws(() => assertCommandLine(tooLong), /maximum 97/);
});

Deno.test("errorJson() is one error line, with the ref only when there is one", () => {
  assert.equal(errorJson("Nope"), '{"type":"error","error":"Nope"}');
  assert.equal(errorJson("Nope", "r"), '{"type":"error","error":"Nope","ref":"r"}');
  assert.equal(errorJson("Nope", 0), '{"type":"error","error":"Nope","ref":0}');
  assertOutputLine(JSON.parse(errorJson("Nope", 0)));
});

Deno.test("every command parseJsonCommand() accepts is a command the schema documents", () => {
  fc.assert(
    fc.property(
      fc.record({
        type: fc.constantFrom("send", "direct", "nick", "peers", "clock", "stats", "quit"),
        text: fc.string({ maxLength: 20 }),
        to: fc.constantFrom("bob", "ab12", "bob#ab12", "ab".repeat(32)),
        nick: fc.string({ maxLength: 40 }),
        ref: fc.oneof(fc.string({ maxLength: 5 }), fc.integer()),
      }),
      (object) => {
        let command: RefCommand;
        try {
          command = parseJsonCommand(JSON.stringify(object));
        } catch {
          return;
        }
        assertCommandLine(command);
      },
    ),
    { numRuns: 1_000 },
  );
});

Deno.test("eventLine() names members, says why they left, and reports nick changes, own line states and lost links", () => {
  assert.deepEqual(eventLine({ type: "peer-up", id: BOB, addr: "127.0.0.1:9000", nick: "bob" }), {
    type: "peer-up",
    id: BOB,
    addr: "127.0.0.1:9000",
    nick: "bob",
  });
  assert.deepEqual(
    eventLine({
      type: "peer-down",
      id: BOB,
      addr: "127.0.0.1:9000",
      reason: "suspected for 3000 ms",
      cause: "not-answering",
      nick: "bob",
    }),
    {
      type: "peer-down",
      id: BOB,
      addr: "127.0.0.1:9000",
      reason: "suspected for 3000 ms",
      cause: "not-answering",
      nick: "bob",
    },
  );
  assert.deepEqual(eventLine({ type: "nick", id: BOB, old: "bob", new: "robert" }), {
    type: "nick",
    id: BOB,
    old: "bob",
    new: "robert",
  });
  assert.deepEqual(eventLine({ type: "message-state", seq: 3, state: "seen" }), {
    type: "message-state",
    seq: 3,
    state: "seen",
  });
  const alone = {
    state: "alone",
    neighbours: 0,
    bootstraps: 1,
    remembered: 2,
    nextAttemptInMs: 900,
  } as const;
  assert.deepEqual(eventLine({ type: "connectivity", ...alone }), {
    type: "connectivity",
    ...alone,
  });
});

Deno.test("eventLine() keeps diagnostics off stdout", () => {
  for (const level of ["debug", "info", "warn"] as const) {
    assert.equal(eventLine({ type: "log", level, text: "x" } as PeerEvent), undefined);
  }
});

/** A LineWriter whose output a test can read. */
function capture(): { out: LineWriter; lines: () => Promise<unknown[]> } {
  let text = "";
  const out = new LineWriter({
    write(bytes) {
      text += new TextDecoder().decode(bytes);
      return Promise.resolve(bytes.length);
    },
  });
  return {
    out,
    lines: async () => {
      await out.flush();
      return text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
    },
  };
}

const STATS = {
  messagesSent: 1,
  chatSends: 2,
  bytesSent: 3,
  messagesReceived: 4,
  bytesReceived: 5,
  protocolErrors: 6,
  forgeries: 0,
  delivered: 7,
  heldBack: 8,
  heldBackBytes: 10,
  historyMessages: 11,
  historyBytes: 12,
  heapUsedBytes: 13,
  rssBytes: 14,
  neighbours: 9,
};

function fakePeer(): PeerService & { sent: string[]; stopped: number } {
  const fake = {
    id: ANN,
    addr: "127.0.0.1:9000",
    reachability: "public" as const,
    relayStats: () => undefined,
    recheckReachability: () => {},
    nick: "ann",
    sent: [] as string[],
    stopped: 0,
    sendDirect(to: string, text: string) {
      fake.sent.push(`direct ${to} ${text}`);
      return Promise.resolve();
    },
    send(text: string): Promise<ChatMessage> {
      fake.sent.push(text);
      if (text === "fail") return Promise.reject(new Error("Cannot send: the disk is gone"));
      return Promise.resolve(chat({ text }));
    },
    edit(seq: number, text: string): Promise<ChatMessage> {
      fake.sent.push(`edit ${seq} ${text}`);
      return Promise.resolve(chat({ text, amends: { kind: "edit", target: seq } }));
    },
    delete(seq: number): Promise<ChatMessage> {
      fake.sent.push(`delete ${seq}`);
      return Promise.reject(new RangeError(`Cannot delete: message ${seq} is deleted already`));
    },
    setPolicy(kind: "muted" | "blocked", id: string, on: boolean) {
      fake.sent.push(`${on ? "" : "un"}${kind} ${id.slice(0, 4)}`);
      if (on) fake.policySet[kind].push(id);
    },
    policySet: { muted: [] as string[], blocked: [] as string[] },
    policy: () => fake.policySet,
    peers: () => [
      { id: BOB, addr: "127.0.0.1:9001", connected: true },
      { id: CAROL, addr: "127.0.0.1:9002", connected: false },
    ],
    clock: () => new Map([[ANN, 3], [BOB, 0]]),
    backlog: () => ({ messages: 0, authors: 0 }),
    overlay: () => ({ members: [], omittedMembers: 0, links: [], held: [], omittedHeld: 0 }),
    heldCause: () => undefined,
    setNick(nick: string) {
      fake.nick = nick;
    },
    stats: () => ({ ...STATS }),
    messageCounts: () => new MessageCounts(),
    refusalCounts: () => new RefusalCounts(),
    limitDrops: () => ({ authorRate: 0, holdBack: 0 }),
    stop() {
      fake.stopped++;
      return Promise.resolve();
    },
  };
  return fake;
}

Deno.test("runPeerCommand() carries out each command and answers peers and clock", async () => {
  const peer = fakePeer();
  const { out, lines } = capture();
  const run = (command: JsonCommand) => runPeerCommand(command, peer, out);
  assert.equal(await run({ type: "send", text: "hi" }), true);
  assert.deepEqual(peer.sent, ["hi"]);
  // A send that fails later says so on its own line; the session goes on.
  assert.equal(await run({ type: "send", text: "fail" }), true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(await run({ type: "peers" }), true);
  assert.equal(await run({ type: "clock" }), true);
  assert.equal(await run({ type: "nick", nick: "annie" }), true);
  assert.equal(peer.nick, "annie");
  assert.equal(await run({ type: "stats" }), true);
  assert.equal(peer.stopped, 0);
  assert.equal(await run({ type: "quit" }), false);
  assert.equal(peer.stopped, 1);
  const answers = await lines();
  assert.deepEqual(answers, [
    { type: "sent", command: "send", author: ANN, seq: 2, ts: 1_700_000_000_000 },
    { type: "error", error: "Cannot send: the disk is gone" },
    {
      type: "peers",
      peers: [
        { id: BOB, addr: "127.0.0.1:9001", connected: true },
        { id: CAROL, addr: "127.0.0.1:9002", connected: false },
      ],
    },
    { type: "clock", clock: { [ANN]: 3 } },
    { type: "ok", command: "nick", nick: "annie" },
    { type: "stats", ...STATS },
    { type: "ok", command: "quit" },
  ]);
  for (const line of answers) assertOutputLine(line);
});

Deno.test("runPeerCommand() answers every command with its ref echoed", async () => {
  const peer = fakePeer();
  const { out, lines } = capture();
  const run = (command: RefCommand) => runPeerCommand(command, peer, out);
  await run({ type: "send", text: "hi", ref: "s1" });
  await run({ type: "send", text: "fail", ref: 2 });
  await new Promise((resolve) => setTimeout(resolve, 0));
  await run({ type: "direct", to: BOB, text: "psst", ref: "d1" });
  for (const type of ["peers", "clock", "stats"] as const) await run({ type, ref: type });
  await run({ type: "nick", nick: "annie", ref: "n" });
  await run({ type: "quit", ref: "q" });
  const answers = (await lines()) as { type: string; ref?: unknown }[];
  assert.deepEqual(answers.map((l) => [l.type, l.ref]), [
    ["sent", "s1"],
    ["error", 2],
    ["sent", "d1"],
    ["peers", "peers"],
    ["clock", "clock"],
    ["stats", "stats"],
    ["ok", "n"],
    ["ok", "q"],
  ]);
  assert.deepEqual(answers[2], { type: "sent", command: "direct", to: BOB, ref: "d1" });
  for (const line of answers) assertOutputLine(line);
});

Deno.test("runPeerCommand() sends direct to a nick, nick#prefix or id prefix, and refuses what names no one peer", async () => {
  const peer = fakePeer();
  const { out, lines } = capture();
  const roster = new Roster(() => peer.peers());
  roster.heardEvent({ type: "deliver", message: chat({ author: BOB, nick: "bob" }) });
  roster.heardEvent({
    type: "direct-message",
    from: CAROL,
    nick: "carol",
    text: "hi",
    ts: 1,
  } as PeerEvent);
  const run = (command: RefCommand) => runPeerCommand(command, peer, out, { roster });
  await run({ type: "direct", to: "bob", text: "1" });
  await run({ type: "direct", to: "carol#cc", text: "2" });
  await run({ type: "direct", to: "CCCC", text: "3" });
  assert.deepEqual(peer.sent, [`direct ${BOB} 1`, `direct ${CAROL} 2`, `direct ${CAROL} 3`]);
  for (
    const [to, why] of [["dave", /^Invalid direct: No peer known as dave$/], ["bb", /No peer/]]
  ) {
    await assert.rejects(
      () => run({ type: "direct", to: to as string, text: "x", ref: "r" }),
      (error: unknown) => {
        assert.ok(error instanceof InvalidCommandError);
        assert.match(error.message, why as RegExp);
        assert.equal(error.ref, "r");
        return true;
      },
    );
  }
  // Two members called bob: the plain nick is ambiguous, bob#prefix is not.
  const BOB2 = "b0".repeat(32);
  roster.heardEvent({ type: "deliver", message: chat({ author: BOB2, nick: "bob" }) });
  await assert.rejects(
    () => run({ type: "direct", to: "bob", text: "x" }),
    /Several peers are called bob/,
  );
  await run({ type: "direct", to: "bob#b0", text: "4" });
  assert.equal(peer.sent.at(-1), `direct ${BOB2} 4`);
  // peers lines carry the nicks seen.
  await run({ type: "peers" });
  const answers = (await lines()) as { type: string; peers?: unknown }[];
  assert.deepEqual(answers.find((l) => l.type === "peers")?.peers, [
    { id: BOB, addr: "127.0.0.1:9001", connected: true, nick: "bob" },
    { id: CAROL, addr: "127.0.0.1:9002", connected: false, nick: "carol" },
  ]);
  for (const line of answers) assertOutputLine(line);
});

Deno.test("runPeerCommand() prefers the nick a peer summary carries over the one seen in chat", async () => {
  const peer = fakePeer();
  peer.peers = () => [{ id: BOB, addr: "127.0.0.1:9001", connected: true, nick: "robert" }];
  const { out, lines } = capture();
  const roster = new Roster(() => [{ id: BOB }]);
  roster.heard(BOB, "bob");
  await runPeerCommand({ type: "peers" }, peer, out, { roster });
  assert.deepEqual(await lines(), [{
    type: "peers",
    peers: [{ id: BOB, addr: "127.0.0.1:9001", connected: true, nick: "robert" }],
  }]);
});

Deno.test("runBootstrapCommand() answers peers and quit, and refuses the rest", async () => {
  let stopped = 0;
  const bootstrap: BootstrapService = {
    id: BOB,
    addr: "127.0.0.1:7411",
    peers: () => [{ id: ANN, addr: "127.0.0.1:9000" }],
    messageCounts: () => new MessageCounts(),
    refusalCounts: () => new RefusalCounts(),
    peersServed: () => 0,
    relayStats: () => undefined,
    stop() {
      stopped++;
      return Promise.resolve();
    },
  };
  const { out, lines } = capture();
  const run = (command: JsonCommand) => runBootstrapCommand(command, bootstrap, out);
  assert.equal(await run({ type: "peers" }), true);
  assert.equal(await run({ type: "send", text: "x" }), true);
  assert.equal(await run({ type: "clock" }), true);
  assert.equal(await run({ type: "nick", nick: "n" }), true);
  assert.equal(await run({ type: "stats" }), true);
  assert.equal(stopped, 0);
  assert.equal(await run({ type: "quit" }), false);
  assert.equal(stopped, 1);
  const answers = await lines();
  assert.deepEqual(answers, [
    { type: "peers", peers: [{ id: ANN, addr: "127.0.0.1:9000" }] },
    { type: "error", error: "A bootstrap does not take 'send'" },
    { type: "error", error: "A bootstrap does not take 'clock'" },
    { type: "error", error: "A bootstrap does not take 'nick'" },
    { type: "error", error: "A bootstrap does not take 'stats'" },
    { type: "ok", command: "quit" },
  ]);
  for (const line of answers) assertOutputLine(line);
});

Deno.test("messageJson() is the JSON text of messageLine(), escaping nick and text", () => {
  const author = "ab".repeat(32);
  const other = "cd".repeat(32);
  const message = {
    author,
    seq: 3,
    clock: new Map([[author, 3], [other, 7]]),
    nick: 'é "quoted" \u0001',
    text: 'line\nbreak "and" \\ \u2028 👋',
    ts: -5,
    signature: new Uint8Array(0),
  };
  assert.equal(messageJson(message, 12.5), JSON.stringify(messageLine(message, 12.5)));
  assert.deepEqual(JSON.parse(messageJson(message, 1)), messageLine(message, 1));
});

Deno.test("parseJsonCommand() reads edit, delete, mute, unmute, block, unblock and policy, and names what is wrong", () => {
  assert.deepEqual(parseJsonCommand('{"type":"edit","seq":3,"text":"fixed"}'), {
    type: "edit",
    seq: 3,
    text: "fixed",
  });
  assert.deepEqual(parseJsonCommand('{"type":"delete","seq":1}'), { type: "delete", seq: 1 });
  for (const type of ["mute", "unmute", "block", "unblock"]) {
    assert.deepEqual(parseJsonCommand(JSON.stringify({ type, id: BOB })), { type, id: BOB });
  }
  assert.deepEqual(parseJsonCommand('{"type":"policy"}'), { type: "policy" });
  assert.throws(
    () => parseJsonCommand('{"type":"edit","seq":0,"text":"x"}'),
    /Invalid edit: seq must be a positive integer/,
  );
  assert.throws(
    () => parseJsonCommand('{"type":"edit","seq":2,"text":" "}'),
    /Invalid edit: text is empty \(use delete/,
  );
  assert.throws(() => parseJsonCommand('{"type":"delete"}'), /Invalid delete: seq must be/);
  assert.throws(
    () => parseJsonCommand('{"type":"block","id":"bob"}'),
    /Invalid block: id must be a peer id/,
  );
});

Deno.test("runPeerCommand() edits, deletes (a refusal is an error line) and answers mute and block with the policy line, each with its ref", async () => {
  const peer = fakePeer();
  const { out, lines } = capture();
  const run = (line: string) => runPeerCommand(parseJsonCommand(line), peer, out);
  assert.equal(await run('{"type":"edit","seq":2,"text":"fixed","ref":"e"}'), true);
  assert.equal(await run('{"type":"delete","seq":1,"ref":"d"}'), true);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(await run(JSON.stringify({ type: "block", id: BOB, ref: 7 })), true);
  assert.deepEqual(peer.sent, ["edit 2 fixed", "delete 1", "blocked bbbb"]);
  const [sent, ...rest] = (await lines()) as Record<string, unknown>[];
  assert.deepEqual(
    { type: sent?.type, command: sent?.command, target: sent?.target, ref: sent?.ref },
    { type: "sent", command: "edit", target: 2, ref: "e" },
  );
  assert.deepEqual(rest, [
    { type: "error", error: "Cannot delete: message 1 is deleted already", ref: "d" },
    { type: "policy", muted: [], blocked: [BOB], ref: 7 },
  ]);
  assert.throws(
    () => parseJsonCommand('{"type":"delete","seq":0,"ref":"z"}'),
    (error: unknown) => error instanceof InvalidCommandError && error.ref === "z",
  );
});

Deno.test("eventJson() marks an edit, a delete and a redacted message, and reports a redaction", () => {
  const edit = chat({ seq: 3, clock: new Map([[ANN, 3]]), amends: { kind: "edit", target: 2 } });
  const line = JSON.parse(eventJson({ type: "deliver", message: edit })!);
  assert.equal(line.edit, 2);
  assert.equal(line.redacted, undefined);
  const gone = chat({ text: "", redacted: true, amends: { kind: "delete", target: 1 } });
  const deleted = JSON.parse(eventJson({ type: "deliver", message: gone })!);
  assert.equal(deleted.delete, 1);
  assert.equal(deleted.redacted, true);
  assert.deepEqual(JSON.parse(eventJson({ type: "redact", message: gone })!), {
    type: "redact",
    author: ANN,
    seq: 2,
  });
  for (const message of [edit, gone]) {
    const { at: _a, ...fast } = JSON.parse(eventJson({ type: "deliver", message })!);
    const { at: _b, ...slow } = messageLine(message);
    assert.deepEqual(fast, JSON.parse(JSON.stringify(slow)));
  }
});
