/**
 * End to end: edits, deletes and mutes in the terminal front end (under a
 * pseudo-terminal), with a JSON peer on the other side seeing the same
 * amendments as `message` lines.
 */

import assert from "node:assert/strict";
import { WAIT_MS, waitUntilConnected, withProcesses } from "../_helpers/process.ts";
import { NO_PTY, PTY_NOTE, spawnMainInTerminal } from "../_helpers/pty.ts";

Deno.test({
  name:
    `main.ts peer in a terminal: /edit and /delete reach the room, /mute hides a member${PTY_NOTE}`,
  ignore: NO_PTY,
  async fn() {
    await withProcesses(async (group) => {
      const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
      const addr = String((await bootstrap.waitFor((l) => l.type === "ready")).addr);
      const bob = group.spawnMain(
        ["peer", "--json", "--bootstrap", addr, "--listen", "127.0.0.1:0", "--nick", "bob"],
        { name: "peer bob" },
      );
      await bob.waitFor((l) => l.type === "ready");
      const tty = spawnMainInTerminal(
        group,
        ["peer", "--bootstrap", addr, "--listen", "127.0.0.1:0", "--nick", "ann"],
        "peer ann (terminal)",
      );
      await tty.waitForLine((l) => l.text.includes("you are ann ("), WAIT_MS, "the welcome");
      const up = await bob.waitFor((l) => l.type === "peer-up");
      await waitUntilConnected(bob, [String(up.id)]);

      await tty.writeLine("helo wrld\r");
      const first = await bob.waitFor((l) => l.type === "message" && l.text === "helo wrld");
      await tty.writeLine("/edit hello world\r");
      const edit = await bob.waitFor((l) => l.type === "message" && l.edit === first.seq);
      assert.equal(edit.text, "hello world");
      await tty.waitForLine((l) => l.text.includes('(edited, was "helo wrld"): hello world'));

      await tty.writeLine("oops, wrong room\r");
      const oops = await bob.waitFor((l) => l.type === "message" && l.text === "oops, wrong room");
      await tty.writeLine("/delete\r");
      const del = await bob.waitFor((l) => l.type === "message" && l.delete === oops.seq);
      assert.equal(del.text, "");
      await bob.waitFor((l) => l.type === "redact" && l.seq === oops.seq);
      await tty.waitForLine((l) => l.text.includes(`(deleted): message #${oops.seq} from`));
      // Only the first message of this session is left to edit; the deleted one is gone.
      await tty.writeLine("/edit 3 again\r");
      await tty.waitForLine((l) => l.text.includes("You have only 1 message(s) in this session"));

      await bob.send({ type: "send", text: "visible before" });
      await tty.waitForLine((l) => l.text.includes("bob: visible before"));
      await tty.writeLine("/mute bob\r");
      await tty.waitForLine((l) => l.text.includes("muted: their messages are hidden here"));
      await bob.send({ type: "send", text: "muted words" });
      await tty.writeLine("/clock\r");
      // bob's third message delivered (the clock says so) but not shown.
      // (Asked again until it is: a bounded number of times, a pause between.)
      const delivered = () =>
        tty.lines.some((l) => /\sbob(#[0-9a-f]+)?: 2$/.test(l.text.trimEnd()));
      for (let asked = 1; !delivered(); asked++) {
        if (asked > 150) assert.fail("bob's muted message was never delivered (see /clock)");
        await new Promise((resolve) => setTimeout(resolve, 200));
        await tty.writeLine("/clock\r");
      }
      await tty.writeLine("/unmute bob\r");
      await tty.waitForLine((l) => l.text.includes("unmuted: their messages are shown again"));
      await bob.send({ type: "send", text: "visible after" });
      await tty.waitForLine((l) => l.text.includes("bob: visible after"));
      // An edit through the JSON command shows in the terminal as a new line.
      const after = await bob.waitFor((l) => l.type === "message" && l.text === "visible after");
      await bob.send({ type: "edit", seq: after.seq, text: "visible, edited" });
      await tty.waitForLine((l) =>
        l.text.includes('bob (edited, was "visible after"): visible, edited')
      );
      assert.ok(!tty.lines.some((l) => l.text.includes("muted words")), "a muted line was shown");
      await tty.writeLine("/quit\r");
      assert.equal((await tty.waitForExit()).code, 0);
    });
  },
});
