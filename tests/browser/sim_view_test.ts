/**
 * The replay page in a real browser (headless Chromium): it loads the
 * timeline, and the state it draws changes with the time it is opened at.
 * Reads what is drawn from the `data-` attributes of `#view` in the DOM
 * Chromium dumps once the page has settled.
 */
import assert from "node:assert/strict";
import { runScenario } from "../../testing/sim/scenarios.ts";
import { TraceWriter } from "../../testing/sim/trace_writer.ts";
import { loadReplay, startReplayServer } from "../../testing/sim/viewer/replay_server.ts";
import { CdpPage } from "../_helpers/cdp.ts";

const CHROMIUM = Deno.env.get("CHROMIUM") ?? "/usr/bin/chromium";
const hasChromium = await Deno.stat(CHROMIUM).then(() => true, () => false);

/** The `data-` attributes of `#view` after Chromium loaded `url` and let it settle. */
async function viewData(url: string, profile: string): Promise<Record<string, string>> {
  const out = await new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      `--user-data-dir=${profile}`,
      "--window-size=1000,700",
      "--virtual-time-budget=10000",
      "--dump-dom",
      url,
    ],
    stdout: "piped",
    stderr: "null",
  }).output();
  const dom = new TextDecoder().decode(out.stdout);
  const tag = /<div id="view"([^>]*)>/.exec(dom)?.[1];
  assert(tag !== undefined, `no #view in the page:\n${dom.slice(0, 2000)}`);
  const data: Record<string, string> = {};
  for (const [, name, value] of tag.matchAll(/data-([a-z-]+)="([^"]*)"/g)) data[name!] = value!;
  return data;
}

Deno.test({
  name: "sim:view page: loads a 10-node chaos trace and draws a different state at a later time",
  ignore: !hasChromium,
  async fn() {
    const dir = await Deno.makeTempDir();
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
    await Deno.writeTextFile(`${dir}/trace.jsonl`, lines.join("\n") + "\n");
    const replay = await loadReplay(`${dir}/trace.jsonl`);
    const server = await startReplayServer(replay);
    try {
      const start = await viewData(`${server.url}&t=0`, `${dir}/profile`);
      assert.deepStrictEqual(start.ready, "1", JSON.stringify(start));
      assert.deepStrictEqual(start.time, "0");
      assert.deepStrictEqual(start.links, "0");
      assert(Number(start["nodes-alive"]) <= 1, JSON.stringify(start));

      const firstPub = replay.timeline.pubs[2]!;
      const later = await viewData(`${server.url}&t=${firstPub + 2000}`, `${dir}/profile`);
      assert.deepStrictEqual(later.ready, "1");
      assert.deepStrictEqual(later.time, String(firstPub + 2000));
      assert(Number(later["nodes-alive"]) >= 10, JSON.stringify(later));
      assert(Number(later.links) > 0, JSON.stringify(later));
      assert.deepStrictEqual(later["links-drawn"], later.links);
      assert(Number(later.wave) >= 0, "follows a broadcast");
      assert(Number(later["wave-delivered"]) > 0, JSON.stringify(later));
    } finally {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "sim:view page: moving the slider, the arrow keys and Play change the state drawn",
  ignore: !hasChromium,
  async fn() {
    const dir = await Deno.makeTempDir();
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
    await Deno.writeTextFile(`${dir}/trace.jsonl`, lines.join("\n") + "\n");
    const replay = await loadReplay(`${dir}/trace.jsonl`);
    const server = await startReplayServer(replay);
    let page: CdpPage | undefined;
    try {
      page = await CdpPage.open(CHROMIUM, server.url);
      await page.waitFor(`document.getElementById("view")?.dataset.ready === "1"`, "page ready");
      const view = () =>
        page!.evaluate<Record<string, string>>(`({...document.getElementById("view").dataset})`);
      const start = await view();
      assert.deepStrictEqual([start.time, start.links], ["0", "0"]);
      assert.deepStrictEqual(
        await page.evaluate(`location.pathname + location.search`),
        "/",
        "the token is gone from the address bar",
      );

      const later = replay.timeline.pubs[2]! + 2000;
      await page.evaluate(`(() => {
        const slider = document.getElementById("time");
        slider.value = "${later}";
        slider.dispatchEvent(new Event("input"));
      })()`);
      await page.waitFor(`document.getElementById("view").dataset.time === "${later}"`, "seek");
      const moved = await view();
      assert(Number(moved.nodesAlive) >= 10, JSON.stringify(moved));
      assert(Number(moved.links) > 0, JSON.stringify(moved));
      assert.notDeepStrictEqual(moved.step, start.step);

      await page.evaluate(`document.body.dispatchEvent(
        new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true }))`);
      await page.waitFor(
        `document.getElementById("view").dataset.step === "${Number(moved.step) + 1}"`,
        "one step on",
      );

      await page.evaluate(`document.getElementById("play").click()`);
      await page.waitFor(
        `Number(document.getElementById("view").dataset.time) > ${later + 100}`,
        "playing advances the time",
      );
      assert.deepStrictEqual(
        await page.evaluate(`document.getElementById("play").textContent`),
        "Pause",
      );
    } finally {
      await page?.close();
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
