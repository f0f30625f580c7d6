// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Takes a screenshot of the replay page of a trace, for the docs:
 *
 *   deno task sim --scenario chaos --nodes 1000 --seed 2 --trace /tmp/c1000.jsonl.gz
 *   deno run -A scripts/sim_view_screenshot.ts /tmp/c1000.jsonl.gz docs/screenshots/sim-replay-1000.png --t 100000
 *
 * Starts `sim:view` on the trace, opens the printed URL (at `--t MS`, on
 * broadcast `--pub K` if given) in headless Chromium (`CHROMIUM`, default
 * /usr/bin/chromium) and writes the PNG.
 *
 * @module
 */

import { parseArgs } from "node:util";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    t: { type: "string", default: "0" },
    pub: { type: "string" },
    width: { type: "string", default: "1200" },
    height: { type: "string", default: "760" },
  },
  allowPositionals: true,
});
if (positionals.length !== 2) {
  console.error("Usage: sim_view_screenshot.ts TRACE OUT.png [--t MS] [--pub K]");
  Deno.exit(2);
}
const [trace, out] = positionals as [string, string];
const viewer = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "--allow-read",
    "--allow-net",
    new URL("./sim_view.ts", import.meta.url).pathname,
    trace,
  ],
  stdout: "piped",
  stderr: "inherit",
  env: { NO_COLOR: "1" },
}).spawn();
try {
  const lines = viewer.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error("sim:view ended before printing its URL");
    text += value;
  }
  lines.releaseLock();
  const url = new URL(text.trim());
  url.searchParams.set("t", values.t);
  if (values.pub !== undefined) url.searchParams.set("pub", values.pub);
  const profile = await Deno.makeTempDir({ prefix: "sim-view-shot-" });
  const shot = await new Deno.Command(Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium", {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      // A profile of its own: other Chromium instances on the machine are left alone.
      `--user-data-dir=${profile}`,
      `--window-size=${values.width},${values.height}`,
      "--virtual-time-budget=10000",
      `--screenshot=${out}`,
      url.href,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  await Deno.remove(profile, { recursive: true });
  if (shot.code !== 0) throw new Error(new TextDecoder().decode(shot.stderr));
  console.log(`${out}: ${(await Deno.stat(out)).size} bytes`);
} finally {
  viewer.kill("SIGTERM");
  await viewer.status;
}
