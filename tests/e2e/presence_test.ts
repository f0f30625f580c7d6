/**
 * End to end: presence with names. A peer in a terminal (a pseudo-terminal
 * made by util-linux `script`; skipped where it is missing) sees a named JSON
 * peer join by its nick before it says anything, messages it by that nick,
 * sees its own line marked sent and seen, and sees the nick change and the
 * leave in words. The JSON side sees the terminal peer's nick the same way.
 */

import assert from "node:assert/strict";
import { WAIT_MS, waitUntilConnected, withProcesses } from "../_helpers/process.ts";
import { NO_PTY, PTY_NOTE, spawnMainInTerminal } from "../_helpers/pty.ts";

Deno.test({
  name:
    `main.ts peer: a named peer shows by its nick before it speaks, in the terminal and in JSON; /msg by nick works${PTY_NOTE}`,
  ignore: NO_PTY,
  async fn() {
    await withProcesses(async (group) => {
      const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
      const addr = String((await bootstrap.waitFor((l) => l.type === "ready")).addr);
      const tty = spawnMainInTerminal(
        group,
        ["peer", "--bootstrap", addr, "--listen", "127.0.0.1:0", "--nick", "alice"],
        "peer alice (terminal)",
      );
      await tty.waitForLine((l) => l.text.includes("you are alice ("), WAIT_MS, "the welcome");
      const bob = group.spawnMain(
        ["peer", "--json", "--bootstrap", addr, "--listen", "127.0.0.1:0", "--nick", "bob"],
        { name: "peer bob" },
      );
      const bobReady = await bob.waitFor((l) => l.type === "ready");

      // Neither has said a word: each knows the other by nick.
      await tty.waitForLine((l) => l.text.includes("* bob joined"), WAIT_MS, "bob's join by nick");
      const up = await bob.waitFor(
        (l) => l.type === "peer-up" && l.nick === "alice",
        WAIT_MS,
        "alice's join by nick",
      );
      const peers = await bob.ask({ type: "peers" }, "peers");
      assert.deepEqual(
        (peers.peers as { id: string; nick?: string }[]).map((p) => [p.id, p.nick]),
        [[up.id, "alice"]],
      );
      // A direct message needs a route: ask /who until alice lists bob as a
      // direct link (a direct sent with no link at all is lost).
      await waitUntilConnected(bob, [String(up.id)]);
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        await tty.writeLine("/who\r");
        await tty.waitForLine((l) => l.text.includes("1 peer here"), WAIT_MS, "/who");
        const row = await tty.waitForLine((l) => / bob +127\.0\.0\.1:\d+/.test(l.text));
        if (row.text.includes("* bob")) break;
        assert.ok(Date.now() < deadline, "alice never listed bob as a direct link");
      }

      // A private message by nick, before bob spoke.
      await tty.writeLine("/msg bob psst\r");
      const direct = await bob.waitFor((l) => l.type === "direct", WAIT_MS, "the direct message");
      assert.deepEqual([direct.from, direct.nick, direct.text], [up.id, "alice", "psst"]);

      // Alice's own line: sent, then seen by bob (its have covers it).
      await tty.writeLine("hello bob\r");
      await bob.waitFor((l) => l.type === "message" && l.text === "hello bob", WAIT_MS, "hello");
      await tty.waitForLine((l) => l.text.includes("hello bob ✓✓"), WAIT_MS, "the seen mark");

      // Bob's own line, through JSON: sent, then seen by alice.
      await bob.send({ type: "send", text: "hi alice" });
      await tty.waitForLine((l) => l.text.includes("bob: hi alice"), WAIT_MS, "bob's line");
      await bob.waitFor(
        (l) => l.type === "message-state" && l.seq === 1 && l.state === "seen",
        WAIT_MS,
        "bob's line seen",
      );
      const states = bob.jsonLines.filter((l) => l.type === "message-state").map((l) => l.state);
      assert.deepEqual(states, ["sent", "seen"], "once per state, never queued with a link up");

      // A nick change is announced once; a leave is said in words.
      await bob.send({ type: "nick", nick: "robert" });
      await tty.waitForLine((l) => l.text.includes("* bob is now robert"), WAIT_MS, "the rename");
      await bob.send({ type: "quit" });
      await bob.waitForExit();
      await tty.waitForLine((l) => l.text.includes("* robert left"), WAIT_MS, "the leave");
      assert.equal(
        tty.lines.filter((l) => l.text.includes("is now robert")).length,
        1,
        "the rename was announced once",
      );
      assert.ok(bobReady.id !== up.id);
      await tty.writeLine("/quit\r");
      assert.equal((await tty.waitForExit()).code, 0);
    });
  },
});
