/**
 * End to end: the two human front ends of `main.ts peer`. The terminal UI
 * runs under a pseudo-terminal made by util-linux `script` (those tests are
 * skipped where it is missing); the plain mode runs with stdin piped and no
 * `--json`. A JSON peer plays the remote side.
 */

import assert from "node:assert/strict";
import {
  descendants,
  type ProcessGroup,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";
import { NO_PTY, PTY_NOTE, spawnMainInTerminal } from "../_helpers/pty.ts";

/** A bootstrap and a JSON peer "mallory" for the front end under test to talk to. */
async function startRemote(group: ProcessGroup) {
  const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
  const addr = String((await bootstrap.waitFor((l) => l.type === "ready")).addr);
  const mallory = group.spawnMain(
    ["peer", "--json", "--bootstrap", addr, "--listen", "127.0.0.1:0", "--nick", "mallory"],
    { name: "peer mallory" },
  );
  await mallory.waitFor((l) => l.type === "ready");
  return { addr, mallory };
}

const HOSTILE = "\u001b]0;pwned\u0007\u001b[2J hi\r\nbob: send me your password";

Deno.test({
  name: `main.ts peer in a terminal shows remote text with escape sequences neutralised${PTY_NOTE}`,
  ignore: NO_PTY,
  async fn() {
    await withProcesses(async (group) => {
      const { addr, mallory } = await startRemote(group);
      const tty = spawnMainInTerminal(
        group,
        ["peer", "--bootstrap", addr, "--listen", "127.0.0.1:0", "--nick", "tty"],
        "peer tty (terminal)",
      );
      await tty.waitForLine((l) => l.text.includes("you are tty ("), WAIT_MS, "the welcome");
      const up = await mallory.waitFor((l) => l.type === "peer-up");
      await waitUntilConnected(mallory, [String(up.id)]);
      await mallory.send({ type: "send", text: HOSTILE });
      const shown = await tty.waitForLine((l) => l.text.includes("pwned"), WAIT_MS, "the message");
      assert.ok(
        shown.text.includes("mallory: \ufffd]0;pwned\ufffd\ufffd[2J hi\ufffd"),
        JSON.stringify(shown.text),
      );
      // The newline is kept, and the next line is indented under a bar: never a line of its own.
      await tty.waitForLine((l) => l.text.includes("  │ bob: send"), WAIT_MS, "the second line");
      const output = tty.lines.map((l) => l.text).join("\n");
      assert.ok(
        !output.includes("\u001b]0;"),
        "no OSC sequence from the remote reaches the screen",
      );
      assert.ok(!output.includes("\u0007"), "no BEL from the remote reaches the screen");
      assert.ok(!tty.lines.some((l) => l.text.startsWith("bob: ")), "no forged line");

      // Typing a line sends it; /quit leaves and the others see it go.
      await tty.writeLine("hello from a terminal\r");
      await mallory.waitFor((l) => l.type === "message" && l.text === "hello from a terminal");
      await tty.writeLine("/quit\r");
      assert.equal((await tty.waitForExit()).code, 0);
      await mallory.waitFor((l) => l.type === "peer-down" && l.id === up.id);
    });
  },
});

Deno.test({
  name: `main.ts peer in a terminal exits on SIGTERM${PTY_NOTE}`,
  ignore: NO_PTY,
  async fn() {
    await withProcesses(async (group) => {
      const tty = spawnMainInTerminal(
        group,
        ["peer", "--bootstrap", "127.0.0.1:9", "--listen", "127.0.0.1:0", "--nick", "tty"],
        "peer tty (terminal)",
      );
      await tty.waitForLine((l) => l.text.includes("you are tty ("), WAIT_MS, "the welcome");
      // scriptArgs execs: the only child of script is the deno process.
      const [deno] = await descendants(tty.pid);
      assert.ok(deno !== undefined, "the deno process under script");
      Deno.kill(deno, "SIGTERM");
      const status = await tty.waitForExit(10_000);
      assert.equal(status.code, 0);
    });
  },
});

/** A peer "plain" in plain mode (stdin piped, no --json), connected to mallory. */
async function startPlainPeer(group: ProcessGroup) {
  const { addr, mallory } = await startRemote(group);
  const plain = group.spawnMain(
    ["peer", "--bootstrap", addr, "--listen", "127.0.0.1:0", "--nick", "plain"],
    { name: "peer plain", quitLine: "/quit" },
  );
  const up = await mallory.waitFor((l) => l.type === "peer-up");
  await waitUntilConnected(mallory, [String(up.id)]);
  return { mallory, plain, up };
}

Deno.test("main.ts peer with stdin piped and no --json sends lines and prints deliveries", async () => {
  await withProcesses(async (group) => {
    const { mallory, plain, up } = await startPlainPeer(group);
    await plain.writeLine("hello from plain");
    await mallory.waitFor((l) => l.type === "message" && l.text === "hello from plain");
    await plain.waitForLine((l) => l.text === "plain: hello from plain");
    await mallory.send({ type: "send", text: "hello plain" });
    await plain.waitForLine((l) => l.text === "mallory: hello plain");
    await plain.writeLine("/quit");
    assert.equal((await plain.waitForExit()).code, 0);
    await mallory.waitFor((l) => l.type === "peer-down" && l.id === up.id);
  });
});

Deno.test("main.ts peer with stdin piped and no --json skips an over-long line and reads on", async () => {
  await withProcesses(async (group) => {
    const { mallory, plain } = await startPlainPeer(group);
    await plain.writeLine("y".repeat(70_000));
    await plain.writeLine("short again");
    await mallory.waitFor((l) => l.type === "message" && l.text === "short again");
    assert.match(plain.stderr, /line not sent: it is longer than 65536 bytes \(70000\)/);
    assert.ok(
      !mallory.jsonLines.some((l) => l.type === "message" && String(l.text).startsWith("yyy")),
    );
    await plain.writeLine("/quit");
    assert.equal((await plain.waitForExit()).code, 0);
  });
});

Deno.test("main.ts peer with stdin piped and no --json stops at end of input", async () => {
  await withProcesses(async (group) => {
    const { addr, mallory } = await startRemote(group);
    const plain = group.spawnMain(
      ["peer", "--bootstrap", addr, "--listen", "127.0.0.1:0", "--nick", "plain"],
      { name: "peer plain", quitLine: null },
    );
    await mallory.waitFor((l) => l.type === "peer-up");
    await plain.closeStdin();
    assert.equal((await plain.waitForExit()).code, 0);
  });
});

Deno.test({
  name: "main.ts peer with stdin piped and no --json prints one line per message, sanitised",
  async fn() {
    await withProcesses(async (group) => {
      const { addr, mallory } = await startRemote(group);
      const plain = group.spawnMain(
        ["peer", "--bootstrap", addr, "--listen", "127.0.0.1:0", "--nick", "plain"],
        { name: "peer plain", quitLine: "/quit" },
      );
      const up = await mallory.waitFor((l) => l.type === "peer-up");
      await waitUntilConnected(mallory, [String(up.id)]);
      await mallory.send({ type: "send", text: HOSTILE });
      await mallory.send({ type: "send", text: "after" });
      await plain.waitForLine((l) => l.text === "mallory: after");
      const lines = plain.lines.map((l) => l.text);
      assert.deepEqual(lines.filter((l) => l.startsWith("bob: ")), [], "no forged line");
      assert.ok(!lines.join("\n").includes("\u001b"), "no escape sequence from the remote");
      assert.equal(lines.filter((l) => l.startsWith("mallory: ")).length, 2);
    });
  },
});
