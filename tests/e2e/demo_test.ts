/**
 * End to end: `scripts/demo.ts` with stdin piped (not a terminal), run with
 * exactly the permissions of `deno task demo`. The bots' chat shows on its
 * stdout, a question gets an answer, and however the demo is stopped, no
 * process it started survives it.
 */

import assert from "node:assert/strict";
import {
  ChildProcess,
  descendants,
  processAlive,
  REPO_ROOT,
  WAIT_MS,
  withProcesses,
} from "../_helpers/process.ts";
import { NO_PTY, PTY_NOTE, scriptArgs } from "../_helpers/pty.ts";

/** `deno task demo` as `deno` arguments, read from deno.json so the permissions stay in sync. */
async function demoArgs(): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}deno.json`));
  const task = String(config.tasks.demo).trim().split(/\s+/);
  assert.equal(task[0], "deno", `deno task demo runs deno: ${task.join(" ")}`);
  return task.slice(1);
}

/**
 * Starts the demo, waits for a question from ada and bob's answer on stdout,
 * and returns the demo with the pids of everything it started.
 */
async function startDemo(add: (child: ChildProcess) => ChildProcess) {
  const demo = add(
    new ChildProcess(await demoArgs(), {
      name: "deno task demo",
      env: { USER: "tester" },
      quitLine: null,
      // The demo itself gives each child a few seconds; leave it time to do so.
      graceMs: 15_000,
    }),
  );
  const question = await demo.waitForLine((l) => l.text.startsWith("ada: "), WAIT_MS, "ada");
  const asked = question.text.slice("ada: ".length);
  const answer = await demo.waitForLine(
    (l) => l.text.startsWith("bob: “") && asked.startsWith(l.text.slice(6, 20)),
    WAIT_MS,
    "bob's answer to ada",
  );
  assert.ok(demo.lines.indexOf(question) < demo.lines.indexOf(answer));
  const pids = await descendants(demo.pid);
  // A bootstrap, three bots and the user's peer (each may be a deno process tree).
  assert.ok(pids.length >= 5, `the demo runs at least 5 processes, found ${pids.length}`);
  return { demo, pids };
}

async function assertAllGone(pids: readonly number[]): Promise<void> {
  const alive: number[] = [];
  for (const pid of pids) if (await processAlive(pid)) alive.push(pid);
  // Clean up after a failing demo, so that one failure does not leak processes.
  for (const pid of alive) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Gone meanwhile.
    }
  }
  assert.deepEqual(alive, [], "processes the demo started must not outlive it");
}

Deno.test("deno task demo (stdin not a terminal): bots chat, answer a question, stop at end of input", async () => {
  await withProcesses(async (group) => {
    const { demo, pids } = await startDemo((c) => group.add(c));
    assert.match(demo.stderr, /p2pchat demo: a bootstrap \(127\.0\.0\.1:\d+\) and three bots/);
    assert.match(demo.stderr, /Your nick: tester\. Stdin is not a terminal/);

    await demo.writeLine("hello from the test");
    await demo.waitForLine((l) => l.text === "tester: hello from the test");
    await demo.writeLine("does anybody know what causal order is?");
    const reply = await demo.waitForLine(
      (l) => l.text.startsWith("cy: @tester “does anybody know"),
      WAIT_MS,
      "cy's answer to the user",
    );
    const asked = demo.lines.findIndex((l) => l.text.startsWith("tester: does anybody"));
    assert.ok(
      asked >= 0 && asked < demo.lines.indexOf(reply),
      "the answer comes after the question",
    );

    await demo.closeStdin();
    const status = await demo.waitForExit();
    assert.equal(status.code, 0);
    assert.match(demo.stderr, /everything stopped/);
    await assertAllGone(pids);
  });
});

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`deno task demo stops every process it started on ${signal}`, async () => {
    await withProcesses(async (group) => {
      const { demo, pids } = await startDemo((c) => group.add(c));
      demo.kill(signal);
      const status = await demo.waitForExit();
      assert.equal(status.signal, null, `the demo handles ${signal} and exits by itself`);
      assert.match(demo.stderr, new RegExp(`stopped \\(${signal}\\)`));
      await assertAllGone(pids);
    });
  });
}

/** The demo under a pseudo-terminal (so the user's peer runs its terminal UI); we talk to `script`. */
async function startDemoInTerminal(add: (child: ChildProcess) => ChildProcess) {
  const demo = add(
    new ChildProcess(scriptArgs([Deno.execPath(), ...(await demoArgs())]), {
      program: "script",
      name: "deno task demo (terminal)",
      env: { USER: "tty" },
      quitLine: "/quit\r",
      graceMs: 15_000,
    }),
  );
  await demo.waitForLine((l) => l.text.includes("Your nick: tty. /peers"), WAIT_MS, "the banner");
  await demo.waitForLine((l) => l.text.includes("ada: "), WAIT_MS, "ada's question");
  await demo.waitForLine((l) => l.text.includes("bob: “"), WAIT_MS, "bob's answer");
  const pids = await descendants(demo.pid);
  // script, then the demo, a bootstrap, three bots and the user's peer.
  assert.ok(pids.length >= 6, `the demo runs at least 6 processes, found ${pids.length}`);
  return { demo, pids };
}

Deno.test({
  name:
    `deno task demo in a terminal: the user chats in the terminal UI; Ctrl-C stops everything${PTY_NOTE}`,
  ignore: NO_PTY,
  async fn() {
    await withProcesses(async (group) => {
      const { demo, pids } = await startDemoInTerminal((c) => group.add(c));
      await demo.writeLine("anyone up for a question?\r");
      await demo.waitForLine((l) => l.text.includes("cy: @tty “anyone up"), WAIT_MS, "cy's answer");
      await demo.writeLine("\u0003");
      const status = await demo.waitForExit();
      assert.equal(status.code, 0);
      assert.ok(demo.lines.some((l) => l.text.includes("everything stopped")));
      await assertAllGone(pids);
    });
  },
});

Deno.test({
  name: `deno task demo in a terminal stops every process on SIGTERM${PTY_NOTE}`,
  ignore: NO_PTY,
  async fn() {
    await withProcesses(async (group) => {
      const { demo, pids } = await startDemoInTerminal((c) => group.add(c));
      // scriptArgs execs: the demo is the first process under script.
      Deno.kill(pids[0]!, "SIGTERM");
      const status = await demo.waitForExit();
      assert.equal(status.code, 0);
      assert.ok(demo.lines.some((l) => l.text.includes("stopped (SIGTERM)")));
      await assertAllGone(pids);
    });
  },
});
