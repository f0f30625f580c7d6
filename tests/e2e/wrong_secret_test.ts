/**
 * End to end: a peer with the wrong room secret is refused by the room's
 * bootstrap (and peers), says so once, and exits with the misuse code 2 in
 * both front ends, while the peers that got in go on. No timing is assumed
 * beyond generous deadlines.
 */

import assert from "node:assert/strict";
import {
  ChildProcess,
  MAIN_PERMISSIONS,
  type ProcessGroup,
  WAIT_MS,
  withProcesses,
} from "../_helpers/process.ts";
import { NO_PTY, PTY_NOTE, scriptArgs } from "../_helpers/pty.ts";
import { WRONG_SECRET_REJECTIONS_MAX } from "../../lib/runtime/wrong_secret_watch.ts";

/** The bootstrap retries every 2 s: the refusals come well within this. */
const GIVE_UP_MS = 2 * WAIT_MS;

/** A bootstrap and a peer "ann" of a room with the secret "right". */
async function startRoom(group: ProcessGroup) {
  const bootstrap = group.spawnMain([
    "bootstrap",
    "--json",
    "--listen",
    "127.0.0.1:0",
    "--secret",
    "right",
  ]);
  const addr = String((await bootstrap.waitFor((l) => l.type === "ready")).addr);
  const ann = group.spawnMain(
    ["peer", "--json", "--bootstrap", addr, "--secret", "right", "--nick", "ann"],
    { name: "peer ann" },
  );
  await ann.waitFor((l) => l.type === "ready");
  return { addr, ann };
}

Deno.test("main.ts peer --json with a wrong secret prints one fatal line and exits with code 2", async () => {
  await withProcesses(async (group) => {
    const { addr, ann } = await startRoom(group);
    const eve = group.spawnMain(
      ["peer", "--json", "--bootstrap", addr, "--secret", "wrong", "--nick", "eve"],
      { name: "peer eve (wrong secret)" },
    );
    await eve.waitFor((l) => l.type === "ready");
    // Typed while refused (its state, queued, is the own-line states' business).
    await eve.send({ type: "send", text: "can anyone hear me?" });
    const fatal = await eve.waitFor((l) => l.type === "fatal", GIVE_UP_MS, "the fatal line");
    assert.equal(fatal.reason, "wrong-secret");
    assert.match(String(fatal.error), /No peer of room "lobby" accepts your secret/);
    assert.match(String(fatal.error), /check --secret\/--key-file/);
    assert.equal((await eve.waitForExit(GIVE_UP_MS)).code, 2);
    assert.equal(eve.jsonLines.filter((l) => l.type === "fatal").length, 1, "said once");
    assert.ok(!eve.jsonLines.some((l) => l.type === "peer-up"), "nobody let it in");
    const refusals = eve.stderr.split("\n").filter((l) => l.includes("rejected our room secret"));
    assert.ok(refusals.length >= WRONG_SECRET_REJECTIONS_MAX, eve.stderr);
    // The peer that got in goes on.
    assert.equal(ann.exitStatus, undefined);
    assert.equal((await ann.ask({ type: "clock" }, "clock")).type, "clock");
  });
});

Deno.test("main.ts peer with stdin piped and a wrong secret says why on stderr and exits with code 2", async () => {
  await withProcesses(async (group) => {
    const { addr } = await startRoom(group);
    const eve = group.spawnMain(
      ["peer", "--bootstrap", addr, "--secret", "wrong", "--nick", "eve"],
      { name: "peer eve (plain, wrong secret)", quitLine: null },
    );
    assert.equal((await eve.waitForExit(GIVE_UP_MS)).code, 2);
    const said = eve.stderr.split("\n").filter((l) => l.includes("accepts your secret"));
    assert.equal(said.length, 1, eve.stderr);
    assert.match(said[0]!, /^p2pchat: No peer of room "lobby" accepts your secret/);
  });
});

Deno.test({
  name:
    `main.ts peer in a terminal with a wrong secret shows the reason and exits with code 2${PTY_NOTE}`,
  ignore: NO_PTY,
  async fn() {
    await withProcesses(async (group) => {
      const { addr } = await startRoom(group);
      const argv = [
        Deno.execPath(),
        "run",
        ...MAIN_PERMISSIONS,
        "main.ts",
        "peer",
        "--bootstrap",
        addr,
        "--secret",
        "wrong",
        "--nick",
        "eve",
        "--ephemeral",
      ];
      const tty = group.add(
        new ChildProcess(scriptArgs(argv), {
          program: "script",
          name: "eve (terminal)",
          quitLine: "/quit\r",
        }),
      );
      await tty.waitForLine((l) => l.text.includes("you are eve ("), WAIT_MS, "the welcome");
      const shown = await tty.waitForLine(
        (l) => l.text.includes("accepts your secret"),
        GIVE_UP_MS,
        "the wrong-secret message",
      );
      assert.match(
        shown.text,
        /No peer of room "lobby" accepts your secret.*check --secret\/--key-file/,
      );
      assert.equal((await tty.waitForExit(GIVE_UP_MS)).code, 2);
      assert.equal(
        tty.lines.filter((l) => l.text.includes("accepts your secret")).length,
        1,
        "said once",
      );
    });
  },
});
