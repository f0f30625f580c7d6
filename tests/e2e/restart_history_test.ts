/**
 * End to end: a peer restarted with its data directory shows what it missed
 * as history, after an "unread since you left" marker, in JSON and in a
 * terminal (where its stored messages come first, under the history marker),
 * and answers `history` and `search` from its store. No timing is assumed
 * beyond generous deadlines.
 */

import assert from "node:assert/strict";
import {
  ChildProcess,
  type JsonLine,
  MAIN_PERMISSIONS,
  type ProcessGroup,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";
import { NO_PTY, PTY_NOTE, scriptArgs } from "../_helpers/pty.ts";

/** Catching up may take several anti-entropy rounds on a loaded machine. */
const CATCH_UP_MS = 3 * WAIT_MS;

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "restart_history_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function startAnn(group: ProcessGroup, addr: string, dataDir: string): ChildProcess {
  return group.spawnMain(
    ["peer", "--json", "--bootstrap", addr, "--nick", "ann", "--data-dir", dataDir],
    { name: "peer ann" },
  );
}

const isMessage = (text: string) => (l: JsonLine) => l.type === "message" && l.text === text;

Deno.test({
  name:
    `main.ts peer restarted with its data directory marks history and unread (JSON, then terminal)${PTY_NOTE}`,
  async fn() {
    await withTempDir(async (dir) => {
      await withProcesses(async (group) => {
        const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
        const addr = String((await bootstrap.waitFor((l) => l.type === "ready")).addr);
        const bob = group.spawnMain(["peer", "--json", "--bootstrap", addr, "--nick", "bob"], {
          name: "peer bob",
        });
        await bob.waitFor((l) => l.type === "ready");

        // First session: both talk, ann sees it all, then leaves.
        let ann = startAnn(group, addr, `${dir}/ann`);
        const annId = String((await ann.waitFor((l) => l.type === "ready")).id);
        await waitUntilConnected(bob, [annId]);
        await ann.send({ type: "send", text: "Hello from before" });
        await bob.waitFor(isMessage("Hello from before"));
        await bob.send({ type: "send", text: "hi ann" });
        await ann.waitFor(isMessage("hi ann"));
        assert.ok(
          !ann.jsonLines.some((l) => l.type === "marker" && l.marker === "unread"),
          "nothing is unread in a first session",
        );
        await ann.send({ type: "quit" });
        assert.equal((await ann.waitForExit()).code, 0);
        await bob.waitFor((l) => l.type === "peer-down" && l.id === annId);

        // While ann is away.
        await bob.send({ type: "send", text: "while away one" });
        await bob.send({ type: "send", text: "while away two" });
        await bob.waitFor(isMessage("while away two"));

        // Second session, JSON: the missed messages come under the markers.
        ann = startAnn(group, addr, `${dir}/ann`);
        await ann.waitFor((l) => l.type === "ready");
        await ann.waitFor(isMessage("while away two"), CATCH_UP_MS, "the catch-up");
        const kinds = ann.jsonLines.flatMap((l) =>
          l.type === "marker"
            ? [`marker:${l.marker}`]
            : l.type === "message"
            ? [String(l.text)]
            : []
        );
        assert.deepEqual(kinds, [
          "marker:history",
          "marker:unread",
          "while away one",
          "while away two",
        ]);
        const page = await ann.ask({ type: "history", count: 3 }, "history");
        assert.deepEqual((page.messages as JsonLine[]).map((m) => m.text), [
          "hi ann",
          "while away one",
          "while away two",
        ]);
        assert.equal(page.more, true);
        const found = await ann.ask({ type: "search", query: "AWAY two" }, "search");
        assert.deepEqual((found.messages as JsonLine[]).map((m) => [m.nick, m.text]), [
          ["bob", "while away two"],
        ]);
        await ann.send({ type: "quit" });
        assert.equal((await ann.waitForExit()).code, 0);
        await bob.waitFor((l) => l.type === "peer-down" && l.id === annId);
        if (NO_PTY) return;

        // Third session, in a terminal: stored history first, then the unread line.
        await bob.send({ type: "send", text: "one more while away" });
        await bob.waitFor(isMessage("one more while away"));
        const argv = [
          Deno.execPath(),
          "run",
          ...MAIN_PERMISSIONS,
          "main.ts",
          "peer",
          "--bootstrap",
          addr,
          "--nick",
          "ann",
          "--data-dir",
          `${dir}/ann`,
        ];
        const tty = group.add(
          new ChildProcess(scriptArgs(argv), {
            program: "script",
            name: "ann (terminal)",
            quitLine: "/quit\r",
          }),
        );
        await tty.waitForLine(
          (l) => l.text.includes("bob: one more while away"),
          CATCH_UP_MS,
          "the catch-up on screen",
        );
        // deno-lint-ignore no-control-regex
        const screen = tty.lines.map((l) => l.text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ""));
        const at = (text: string) => screen.findIndex((l) => l.includes(text));
        assert.ok(at("── history: 4 stored messages ──") >= 0, screen.join("\n"));
        assert.ok(
          at("── history: 4 stored messages ──") < at("ann (you): Hello from before"),
        );
        assert.ok(at("ann (you): Hello from before") < at("bob: while away two"));
        assert.ok(at("bob: while away two") < at("── unread since you left ──"));
        assert.ok(at("── unread since you left ──") < at("bob: one more while away"));
        assert.match(screen.join("\n"), /── \w+day \d{1,2} \w+ \d{4} ──/, "a date separator");
        // /history and /search read the store.
        await tty.writeLine("/search before\r");
        await tty.waitForLine((l) => l.text.includes("── 1 match for "));
        await tty.writeLine("/quit\r");
        assert.equal((await tty.waitForExit()).code, 0);
      });
    });
  },
});
