// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Measures `deno task sim:view` on a trace: what the server does at start
 * (read, convert, lay out, serialise, gzip), the size of what it ships, and
 * in headless Chromium the page's load, keyframe index and seek times.
 *
 *   deno task sim --scenario chaos --nodes 1000 --seed 2 --trace /tmp/c1000.jsonl.gz
 *   deno run -A scripts/measure_sim_view.ts /tmp/c1000.jsonl.gz
 *
 * Prints one JSON object. RSS is this process's after loading (the viewer's
 * own process holds the same data plus the HTTP server).
 *
 * @module
 */

import { evaluate, waitUntil, withBrowser } from "../tests/_helpers/browser.ts";
import { loadReplay, startReplayServer } from "../testing/sim/viewer/replay_server.ts";

const SEEKS = 40;

const file = Deno.args[0];
if (file === undefined) {
  console.error("Usage: measure_sim_view.ts TRACE");
  Deno.exit(2);
}
const started = performance.now();
const replay = await loadReplay(file);
const loadMs = performance.now() - started;
const rssMb = Deno.memoryUsage().rss / 1e6;
const server = await startReplayServer(replay);
/** How long a big trace's page may take to become ready. */
const READY_TIMEOUT_MS = 300_000;
try {
  await withBrowser(async (browser) => {
    const opened = performance.now();
    const page = await browser.openPage(server.url, { viewport: { width: 1200, height: 800 } });
    // Evaluating the seeks can take long on a big trace too.
    page.setDefaultTimeout(READY_TIMEOUT_MS);
    await waitUntil(page, `document.getElementById("view")?.dataset.ready === "1"`, "ready", {
      timeoutMs: READY_TIMEOUT_MS,
    });
    const pageReadyMs = performance.now() - opened;
    const status = await evaluate<string>(page, `document.getElementById("status").textContent`);
    // Each seek: move the slider, then wait for the frame that draws it.
    const frames = await evaluate<number[]>(
      page,
      `(async () => {
    const slider = document.getElementById("time");
    const end = Number(slider.max);
    const out = [];
    for (let k = 0; k < ${SEEKS}; k++) {
      const started = performance.now();
      slider.value = String(Math.floor(((k * 7919) % ${SEEKS}) / ${SEEKS} * end));
      slider.dispatchEvent(new Event("input"));
      await new Promise((resolve) => requestAnimationFrame(() => resolve()));
      out.push(performance.now() - started);
    }
    return out.sort((a, b) => a - b);
  })()`,
    );
    const t = replay.timeline;
    console.log(JSON.stringify({
      trace: file,
      trace_bytes: (await Deno.stat(file)).size,
      nodes: t.addrs.length,
      simulated_s: t.endMs / 1000,
      steps: t.stepTimes.length,
      state_changes: t.ops.length / 3,
      broadcasts: t.pubs.length / 4,
      timeline_bytes: replay.timelineJson.length,
      timeline_gzip_bytes: replay.timelineGzip.length,
      waves_bytes: replay.waves.reduce((sum, wave) => sum + wave.length, 0),
      server_load_ms: Math.round(loadMs),
      server_rss_mb: Math.round(rssMb),
      page_ready_ms: Math.round(pageReadyMs),
      page_status: status,
      seek_frame_ms_p50: Number(frames[Math.floor(SEEKS / 2)]!.toFixed(1)),
      seek_frame_ms_max: Number(frames[SEEKS - 1]!.toFixed(1)),
    }));
  });
} finally {
  await server.stop();
}
