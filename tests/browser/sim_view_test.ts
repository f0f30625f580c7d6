/**
 * The replay page in a real browser (headless Chromium, driven by the
 * harness of tests/_helpers/browser.ts): it loads the timeline of a
 * simulated run, and the state it draws — read from the `data-`
 * attributes of `#view` — follows the time it is opened at, the slider, the arrow keys and Play. Every wait
 * is for a condition, never for a time.
 */
import assert from "node:assert/strict";
import { runScenario } from "../../testing/sim/scenarios.ts";
import { TraceWriter } from "../../testing/sim/trace_writer.ts";
import {
  loadReplay,
  type Replay,
  startReplayServer,
} from "../../testing/sim/viewer/replay_server.ts";
import {
  browserAvailable,
  evaluate,
  type Page,
  waitUntil,
  withBrowser,
} from "../_helpers/browser.ts";

const skip = browserAvailable();

/** The replay of a 10-node chaos run (crashes, stalls, blocks, broadcasts). */
async function chaosReplay(): Promise<Replay> {
  const lines: string[] = [];
  const writer = new TraceWriter({ write: (l) => lines.push(l) });
  writer.header({ scenario: "chaos", nodes: 10, seed: 2, options: {} });
  let endMs = 0;
  runScenario({
    scenario: "chaos",
    nodes: 10,
    seed: 2,
    observers: [writer],
    onFinish: (w) => (endMs = w.net.nowMs),
  });
  writer.finish(endMs);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/trace.jsonl`, lines.join("\n") + "\n");
    return await loadReplay(`${dir}/trace.jsonl`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `body` with the replay served and a page open at the URL plus `query`; closes both. */
async function withPage(
  replay: Replay,
  query: string,
  body: (page: Page) => Promise<void>,
): Promise<void> {
  const server = await startReplayServer(replay);
  try {
    await withBrowser(async (browser) => {
      const page = await browser.openPage(server.url + query);
      // Ready, then drawn in the next animation frame (which sets what `drawn` reads).
      await waitUntil(
        page,
        `document.getElementById("view")?.dataset.ready === "1" &&
          document.getElementById("view").dataset.time !== undefined`,
        "page ready and drawn once",
      );
      await body(page);
      assert.deepStrictEqual(browser.errorsOf(page), [], "no errors in the page");
    });
  } finally {
    await server.stop();
  }
}

/** What the page says it draws (`data-` attributes of `#view`, camelCase). */
function drawn(page: Page): Promise<Record<string, string>> {
  return evaluate(page, `({ ...document.getElementById("view").dataset })`);
}

Deno.test({
  name: "sim:view page: opened at a later time it draws the nodes, links and wave of that time",
  ignore: skip !== undefined,
  async fn() {
    const replay = await chaosReplay();
    await withPage(replay, "&t=0", async (page) => {
      const start = await drawn(page);
      assert.deepStrictEqual([start.time, start.links], ["0", "0"], JSON.stringify(start));
      assert(Number(start.nodesAlive) <= 1, JSON.stringify(start));
    });
    const later = replay.timeline.pubs[2]! + 2000;
    await withPage(replay, `&t=${later}`, async (page) => {
      // The wave is fetched after the timeline: wait until it is drawn.
      await waitUntil(
        page,
        `Number(document.getElementById("view").dataset.waveDelivered) > 0`,
        "the wave drawn",
      );
      const state = await drawn(page);
      assert.deepStrictEqual(state.time, String(later));
      assert(Number(state.nodesAlive) >= 10, JSON.stringify(state));
      assert(Number(state.links) > 0, JSON.stringify(state));
      assert.deepStrictEqual(state.linksDrawn, state.links, "all links drawn under the limit");
      assert(Number(state.wave) >= 0, "follows a broadcast");
    });
  },
});

Deno.test({
  name: "sim:view page: moving the slider, the arrow keys and Play change the state drawn",
  ignore: skip !== undefined,
  async fn() {
    const replay = await chaosReplay();
    await withPage(replay, "", async (page) => {
      const start = await drawn(page);
      assert.deepStrictEqual([start.time, start.links], ["0", "0"]);
      assert.deepStrictEqual(
        await evaluate(page, `location.pathname + location.search`),
        "/",
        "the token is gone from the address bar",
      );

      const later = replay.timeline.pubs[2]! + 2000;
      await evaluate(
        page,
        `(() => {
        const slider = document.getElementById("time");
        slider.value = "${later}";
        slider.dispatchEvent(new Event("input"));
      })()`,
      );
      await waitUntil(page, `document.getElementById("view").dataset.time === "${later}"`, "seek");
      const moved = await drawn(page);
      assert(Number(moved.nodesAlive) >= 10, JSON.stringify(moved));
      assert(Number(moved.links) > 0, JSON.stringify(moved));
      assert.notDeepStrictEqual(moved.step, start.step);

      await evaluate(
        page,
        `document.body.dispatchEvent(
        new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }))`,
      );
      await waitUntil(
        page,
        `document.getElementById("view").dataset.step === "${Number(moved.step) + 1}"`,
        "one step on",
      );

      await evaluate(page, `document.getElementById("play").click()`);
      await waitUntil(
        page,
        `Number(document.getElementById("view").dataset.time) > ${later + 100}`,
        "playing advances the time",
      );
      assert.deepStrictEqual(
        await evaluate(page, `document.getElementById("play").textContent`),
        "Pause",
      );
    });
  },
});
