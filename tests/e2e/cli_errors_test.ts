/**
 * End to end: how `main.ts` fails (exit code 2, one line on stderr), how it
 * answers `--help` and `--version`, how a lone peer founds a network, and how
 * the JSON-lines mode answers commands it cannot take.
 */

import assert from "node:assert/strict";
import { DEFAULT_BOOTSTRAP, HELP, VERSION } from "../../lib/cli/parse_cli.ts";
import {
  runMain,
  type RunResult,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";

/** Asserts exit code 2 and exactly one line on stderr starting `p2pchat:`; returns that line. */
function assertUsageFailure(result: RunResult, args: readonly string[]): string {
  const context = `main.ts ${args.join(" ")}\n${result.process.context()}`;
  assert.equal(result.code, 2, `exit code: ${context}`);
  assert.ok(result.stderr.endsWith("\n"), `stderr must end with a newline: ${context}`);
  const lines = result.stderr.slice(0, -1).split("\n");
  assert.equal(lines.length, 1, `exactly one line on stderr: ${context}`);
  assert.match(lines[0]!, /^p2pchat: \S/, context);
  assert.equal(result.stdout, "", `nothing on stdout: ${context}`);
  return lines[0]!;
}

const USAGE_FAILURES: { readonly args: string[]; readonly says: RegExp }[] = [
  { args: ["peer", "--bogus"], says: /Unknown option '--bogus'/ },
  { args: ["bootstrap", "--nick", "x"], says: /Unknown option '--nick'/ },
  { args: ["peer", "--json", "extra"], says: /extra/ },
  { args: ["frobnicate"], says: /Unknown command 'frobnicate'/ },
  { args: ["help", "nonsense"], says: /Unknown help topic 'nonsense'/ },
  { args: ["peer", "--bootstrap", "not-an-address"], says: /Invalid --bootstrap/ },
  { args: ["peer", "--bootstrap", "127.0.0.1:70000"], says: /Invalid --bootstrap/ },
  { args: ["peer", "--listen", "999.1.1.1:80"], says: /Invalid --listen/ },
  { args: ["bootstrap", "--listen", "localhost"], says: /Invalid --listen/ },
  { args: ["peer", "--advertise", "[::1]"], says: /Invalid --advertise/ },
  { args: ["peer", "--max-connections", "0"], says: /Invalid --max-connections '0'/ },
  { args: ["peer", "--max-connections", "many"], says: /Invalid --max-connections/ },
  { args: ["peer", "--gossip-interval", "-5"], says: /gossip-interval/ },
  { args: ["peer", "--heartbeat-timeout", "1.5"], says: /Invalid --heartbeat-timeout/ },
  { args: ["bootstrap", "--sample", "0"], says: /Invalid --sample '0'/ },
  { args: ["peer", "--nick", ""], says: /Invalid --nick/ },
  { args: ["peer", "--nick", "x".repeat(33)], says: /Invalid --nick: .*33 bytes, limit 32/ },
];

for (const { args, says } of USAGE_FAILURES) {
  Deno.test(`main.ts ${args.join(" ")} exits 2 with one line on stderr`, async () => {
    const result = await runMain(args);
    assert.match(assertUsageFailure(result, args), says);
  });
}

const MULTI_LINE_FAILURES: string[][] = [
  ["frob\nnicate"],
  ["help", "x\ny"],
  ["peer", "--max-connections", "1\n2"],
  ["peer", "--nick", "ab\n".repeat(15)],
];

for (const args of MULTI_LINE_FAILURES) {
  Deno.test({
    name: `main.ts ${JSON.stringify(args)} exits 2 with one line on stderr, the newline escaped`,
    async fn() {
      assertUsageFailure(await runMain(args), args);
    },
  });
}

/** Runs `body` with a port on 127.0.0.1 held open by this test. */
async function withBusyPort(body: (port: number) => Promise<void>): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    await body(listener.addr.port);
  } finally {
    listener.close();
  }
}

Deno.test("main.ts peer --listen on a port in use exits 2 with one line on stderr", async () => {
  await withBusyPort(async (port) => {
    // A --bootstrap is given so the peer never looks at the default bootstrap address.
    const args = ["peer", "--json", "--listen", `127.0.0.1:${port}`, "--bootstrap", "127.0.0.1:9"];
    const line = assertUsageFailure(await runMain(args), args);
    assert.equal(line, `p2pchat: Cannot listen on 127.0.0.1:${port}: address in use`);
  });
});

Deno.test("main.ts bootstrap --listen on a port in use exits 2 with one line on stderr", async () => {
  await withBusyPort(async (port) => {
    const args = ["bootstrap", "--json", "--listen", `127.0.0.1:${port}`];
    const line = assertUsageFailure(await runMain(args), args);
    assert.equal(line, `p2pchat: Cannot listen on 127.0.0.1:${port}: address in use`);
  });
});

const INFO: { readonly args: string[]; readonly stdout: string }[] = [
  { args: ["--help"], stdout: HELP.main },
  { args: ["-h"], stdout: HELP.main },
  { args: [], stdout: HELP.main },
  { args: ["help", "peer"], stdout: HELP.peer },
  { args: ["peer", "--help"], stdout: HELP.peer },
  { args: ["bootstrap", "-h"], stdout: HELP.bootstrap },
  { args: ["--version"], stdout: `p2pchat ${VERSION}` },
  { args: ["version"], stdout: `p2pchat ${VERSION}` },
];

for (const { args, stdout } of INFO) {
  Deno.test(
    `main.ts ${args.length === 0 ? "(no arguments)" : args.join(" ")} prints to stdout and exits 0`,
    async () => {
      const result = await runMain(args);
      const context = result.process.context();
      assert.equal(result.code, 0, context);
      assert.equal(result.stdout, `${stdout}\n`, context);
      assert.equal(result.stderr, "", context);
    },
  );
}

/** Whether something already holds 127.0.0.1:`port` (then a test that needs it is skipped). */
function portInUse(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return true;
    throw error;
  }
}

const defaultPort = Number(DEFAULT_BOOTSTRAP.split(":")[1]);
const defaultBusy = portInUse(defaultPort);

/** Lock file serialising the default-address test across concurrent runs of this suite. */
const DEFAULT_PORT_LOCK = `${
  Deno.env.get("TMPDIR") ?? "/tmp"
}/p2pchat-test-port-${defaultPort}.lock`;
/** A lock older than this was left by a run that died: take it over. */
const LOCK_STALE_MS = 120_000;

/** Runs `body` holding {@linkcode DEFAULT_PORT_LOCK} (waits up to 2 minutes for it). */
async function withDefaultPortLock(body: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      Deno.openSync(DEFAULT_PORT_LOCK, { write: true, createNew: true }).close();
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const modified = Deno.statSync(DEFAULT_PORT_LOCK).mtime?.getTime() ?? 0;
      if (Date.now() - modified > LOCK_STALE_MS) Deno.removeSync(DEFAULT_PORT_LOCK);
      else if (Date.now() > deadline) {
        throw new Error(`Cannot take ${DEFAULT_PORT_LOCK}: held too long`);
      } else await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  try {
    await body();
  } finally {
    Deno.removeSync(DEFAULT_PORT_LOCK);
  }
}

Deno.test({
  name: defaultBusy
    ? `main.ts peer without --bootstrap founds a network (SKIPPED: ${DEFAULT_BOOTSTRAP} is in use on this machine)`
    : "main.ts peer without --bootstrap founds a network when nothing listens on the default address",
  ignore: defaultBusy,
  async fn() {
    // Another run of this suite on the machine may be using the port right now: take turns.
    await withDefaultPortLock(() => foundAndJoin());
  },
});

async function foundAndJoin(): Promise<void> {
  if (portInUse(defaultPort)) {
    throw new Error(
      `${DEFAULT_BOOTSTRAP} was free when this file loaded but is taken now, by a process outside this suite`,
    );
  }
  await withProcesses(async (group) => {
    const founder = group.spawnMain(
      ["peer", "--json", "--listen", "127.0.0.1:0", "--nick", "founder"],
      // As if run by `deno run … main.ts`, whether this suite runs under deno task, npx or neither.
      {
        name: "founder",
        env: { INIT_CWD: "", npm_config_user_agent: "", npm_lifecycle_event: "" },
      },
    );
    const ready = await founder.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
    await founder.waitForStderr(
      `No bootstrap answered at ${DEFAULT_BOOTSTRAP}: starting a NEW network (this peer is its bootstrap).`,
    );
    // The command as this test ran it (deno, from $PATH or npx, `run … main.ts`), not `deno task`.
    await founder.waitForStderr("Others join with:  ");
    assert.match(
      founder.stderr,
      new RegExp(
        `Others join with: {2}(deno|npx -y deno@[0-9.]+|/\\S*deno) run -A main\\.ts peer --bootstrap ${DEFAULT_BOOTSTRAP} --nick NAME\n`,
      ),
    );
    // Another peer without --bootstrap now finds the founder's bootstrap and joins.
    const joiner = group.spawnMain(
      ["peer", "--json", "--listen", "127.0.0.1:0", "--nick", "joiner"],
      { name: "joiner" },
    );
    const joined = await joiner.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
    await joiner.waitFor((l) => l.type === "peer-up" && l.id === ready.id, WAIT_MS, "founder up");
    await founder.waitFor(
      (l) => l.type === "peer-up" && l.id === joined.id,
      WAIT_MS,
      "joiner up",
    );
    await waitUntilConnected(joiner, [String(ready.id)]);
    await joiner.send({ type: "send", text: "hi founder" });
    await founder.waitFor((l) => l.type === "message" && l.text === "hi founder");
    assert.ok(
      !joiner.stderr.includes("No bootstrap answered"),
      "the second peer must join, not found another network",
    );
  });
}

Deno.test("main.ts peer --json answers invalid commands with error lines and keeps working", async () => {
  await withProcesses(async (group) => {
    const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
    const { addr } = await bootstrap.waitFor((l) => l.type === "ready");
    const peer = group.spawnMain(
      ["peer", "--json", "--bootstrap", String(addr), "--listen", "127.0.0.1:0", "--nick", "eve"],
      { name: "peer eve" },
    );
    const ready = await peer.waitFor((l) => l.type === "ready");
    const invalid: [string, RegExp][] = [
      ["not json", /^Invalid command: not JSON$/],
      ["{", /^Invalid command: not JSON$/],
      ["[1,2]", /^Invalid command: expected a JSON object$/],
      ["null", /^Invalid command: expected a JSON object$/],
      ['"send"', /^Invalid command: expected a JSON object$/],
      ["{}", /^Invalid command: unknown type undefined/],
      ['{"type":"dance"}', /^Invalid command: unknown type "dance"/],
      ['{"type":"send"}', /^Invalid send: text must be a string$/],
      ['{"type":"send","text":42}', /^Invalid send: text must be a string$/],
      [
        JSON.stringify({ type: "send", text: "x".repeat(4097) }),
        /^Invalid send: text is 4097 bytes/,
      ],
      ['{"type":"nick","nick":""}', /^Invalid nick: /],
      ['{"type":"nick","nick":"a\\u0007b"}', /^Invalid nick: .*control characters/],
      [JSON.stringify({ type: "nick", nick: "n".repeat(40) }), /^Invalid nick: .*40 bytes/],
    ];
    for (const [line, expected] of invalid) {
      await peer.writeLine(line);
      const answer = await peer.waitFor((l) => l.type === "error", WAIT_MS, `error for ${line}`);
      assert.equal(typeof answer.error, "string");
      assert.match(String(answer.error), expected, `answer to ${line}`);
    }
    // Blank lines are ignored, not errors.
    await peer.writeLine("");
    await peer.writeLine("   ");
    // Still working: commands are answered and messages are sent.
    await peer.send({ type: "nick", nick: "eve2" });
    await peer.send({ type: "send", text: "still here" });
    const message = await peer.waitFor((l) => l.type === "message");
    assert.equal(message.text, "still here");
    assert.equal(message.nick, "eve2");
    assert.equal(message.author, ready.id);
    assert.equal(message.seq, 1);
    const clock = await peer.ask({ type: "clock" }, "clock");
    assert.deepEqual(clock.clock, { [String(ready.id)]: 1 });
    const peers = await peer.ask({ type: "peers" }, "peers");
    assert.deepEqual(peers.peers, []);
    assert.equal(
      peer.jsonLines.filter((l) => l.type === "error").length,
      invalid.length,
      "one error line per invalid command, none for blank lines",
    );
    assert.equal(peer.exitStatus, undefined, "the peer is still running");

    // The bootstrap refuses peer commands and invalid lines, and keeps answering.
    await bootstrap.send({ type: "send", text: "hello?" });
    const refused = await bootstrap.waitFor((l) => l.type === "error");
    assert.equal(refused.error, "A bootstrap does not take 'send'");
    await bootstrap.writeLine("garbage");
    const garbage = await bootstrap.waitFor((l) => l.type === "error");
    assert.equal(garbage.error, "Invalid command: not JSON");
    await bootstrap.waitFor((l) => l.type === "peer-up" && l.id === ready.id);
    const registered = await bootstrap.ask({ type: "peers" }, "peers");
    assert.deepEqual(registered.peers, [{ id: ready.id, addr: ready.addr }]);
  });
});

Deno.test("main.ts peer --json quits at end of input; a bootstrap outlives its stdin", async () => {
  await withProcesses(async (group) => {
    const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
    const { addr } = await bootstrap.waitFor((l) => l.type === "ready");
    const peer = group.spawnMain(
      ["peer", "--json", "--bootstrap", String(addr), "--listen", "127.0.0.1:0", "--nick", "eof"],
      { name: "peer eof" },
    );
    const ready = await peer.waitFor((l) => l.type === "ready");
    await bootstrap.waitFor((l) => l.type === "peer-up" && l.id === ready.id);
    await peer.closeStdin();
    const status = await peer.waitForExit();
    assert.equal(status.code, 0);
    await bootstrap.closeStdin();
    // Still there after end of input: it answers over the network (a peer can register).
    const late = group.spawnMain(
      ["peer", "--json", "--bootstrap", String(addr), "--listen", "127.0.0.1:0", "--nick", "late"],
      { name: "peer late" },
    );
    const lateReady = await late.waitFor((l) => l.type === "ready");
    await bootstrap.waitFor((l) => l.type === "peer-up" && l.id === lateReady.id);
    assert.equal(bootstrap.exitStatus, undefined, "the bootstrap is still running");
    // SIGTERM stops it cleanly.
    bootstrap.kill("SIGTERM");
    assert.equal((await bootstrap.waitForExit()).code, 0);
  });
});

Deno.test({
  name:
    "main.ts peer --json answers an over-long command line with an error line and keeps working",
  async fn() {
    await withProcesses(async (group) => {
      const peer = group.spawnMain(
        [
          "peer",
          "--json",
          "--bootstrap",
          "127.0.0.1:9",
          "--listen",
          "127.0.0.1:0",
          "--nick",
          "big",
        ],
        { name: "peer big" },
      );
      await peer.waitFor((l) => l.type === "ready");
      // The write itself fails (broken pipe) while the bug is there: the peer stops reading.
      await peer.writeLine(JSON.stringify({ type: "send", text: "y".repeat(200_000) }))
        .catch(() => {});
      const answer = await peer.waitFor((l) => l.type === "error");
      assert.match(String(answer.error), /longer than/);
      await peer.send({ type: "send", text: "after" });
      await peer.waitFor((l) => l.type === "message" && l.text === "after");
    });
  },
});
