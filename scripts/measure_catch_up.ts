// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Measures how much history a peer gets back, and what its catch-up shows,
 * with real processes: a bootstrap and a peer "bob" (`--json`, data
 * directory) who writes N messages; then a newcomer "ann" with a fresh data
 * directory joins; she leaves, bob writes N more, and she restarts with the
 * same directory. For both runs it prints how many messages she delivered
 * and how long that took, her `marker` and `catch-up` lines, and how many
 * messages her store answers `history` with.
 *
 * Prints one JSON object per run on stdout. Every child is stopped and the
 * data directories removed on exit and on error.
 *
 * ```sh
 * deno run --allow-run --allow-read --allow-write --allow-env scripts/measure_catch_up.ts [N=300]
 * ```
 *
 * @module
 */

import { type JsonLine, WAIT_MS, withProcesses } from "../tests/_helpers/process.ts";

const n = Number(Deno.args[0] ?? 300);
if (!Number.isSafeInteger(n) || n < 1) {
  console.error(`measure_catch_up: N must be a positive integer, got ${Deno.args[0]}`);
  Deno.exit(2);
}
const dir = await Deno.makeTempDir({ prefix: "measure_catch_up_" });
const isText = (text: string) => (l: JsonLine) => l.type === "message" && l.text === text;
const shown = (lines: JsonLine[]) =>
  lines.filter((l) => l.type === "catch-up" || l.type === "marker").map((l) =>
    l.type === "marker" ? l.marker : `${l.delivered}/${l.expected}${l.done ? " done" : ""}`
  );
try {
  await withProcesses(async (group) => {
    const boot = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
    const addr = String((await boot.waitFor((l) => l.type === "ready")).addr);
    const peer = (nick: string) =>
      group.spawnMain(
        ["peer", "--json", "--bootstrap", addr, "--nick", nick, "--data-dir", `${dir}/${nick}`],
        { name: nick },
      );
    const bob = peer("bob");
    await bob.waitFor((l) => l.type === "ready");
    for (const [run, prefix] of [["newcomer", "before"], ["restart", "away"]] as const) {
      for (let i = 1; i <= n; i++) await bob.send({ type: "send", text: `${prefix} ${i}` });
      await bob.waitFor(isText(`${prefix} ${n}`), 4 * WAIT_MS);
      const startMs = Date.now();
      const ann = peer("ann");
      await ann.waitFor((l) => l.type === "ready");
      await ann.waitFor(isText(`${prefix} ${n}`), 4 * WAIT_MS, "the catch-up");
      const ms = Date.now() - startMs;
      const delivered = ann.jsonLines.filter((l) => l.type === "message").length;
      const page = await ann.ask({ type: "history", count: 500 }, "history");
      console.log(JSON.stringify({
        run,
        written: n,
        delivered,
        ms,
        shown: shown(ann.jsonLines),
        storeAnswers: (page.messages as unknown[]).length,
        more: page.more,
      }));
      await ann.send({ type: "quit" });
      await ann.waitForExit();
    }
  });
} finally {
  await Deno.remove(dir, { recursive: true });
}
