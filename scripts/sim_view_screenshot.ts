// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Takes a screenshot of the replay page of a trace, for the docs:
 *
 *   deno task sim --scenario chaos --nodes 1000 --seed 2 --trace /tmp/c1000.jsonl.gz
 *   deno run -A scripts/sim_view_screenshot.ts /tmp/c1000.jsonl.gz docs/screenshots/sim-replay-1000.png --t 100000
 *
 * Starts `sim:view` on the trace, opens the printed URL (at `--t MS`, on
 * broadcast `--pub K` if given) in headless Chromium (tests/_helpers/browser.ts: `/usr/bin/chromium` or
 * `$CHROMIUM_PATH`), waits until it has drawn, and writes the PNG.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { screenshot, waitUntil, withBrowser } from "../tests/_helpers/browser.ts";

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
  await withBrowser(async (browser) => {
    const page = await browser.openPage(url.href, {
      viewport: { width: Number(values.width), height: Number(values.height) },
    });
    await waitUntil(page, `document.getElementById("view")?.dataset.ready === "1"`, "page ready");
    if (values.pub !== undefined) {
      // The wave is fetched after the timeline.
      await waitUntil(
        page,
        `Number(document.getElementById("view").dataset.waveDelivered) > 0`,
        "the wave drawn",
      );
    }
    await screenshot(page, out);
  }, { args: ["--hide-scrollbars"] });
  console.log(`${out}: ${(await Deno.stat(out)).size} bytes`);
} finally {
  viewer.kill("SIGTERM");
  await viewer.status;
}
