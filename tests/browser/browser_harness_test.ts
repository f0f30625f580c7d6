/**
 * The browser test harness itself (tests/_helpers/browser.ts): it opens a
 * page at the viewport asked for, waits for text, takes a screenshot, and
 * ends Chromium even when the test body throws.
 */
import assert from "node:assert/strict";
import {
  browserAvailable,
  PHONE_VIEWPORT,
  screenshot,
  waitForText,
  withBrowser,
} from "../_helpers/browser.ts";
import { processAlive } from "../_helpers/process.ts";

const skip = browserAvailable();

/** Serves one small page on loopback whose text changes after a script runs. */
function servePage(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    if (new URL(request.url).pathname === "/late.js") {
      return new Response(
        `setTimeout(() => { document.getElementById("late").textContent = "arrived"; }, 50);`,
        { headers: { "content-type": "text/javascript" } },
      );
    }
    return new Response(
      `<!doctype html><meta name="viewport" content="width=device-width">` +
        `<p id="late">waiting</p><script src="/late.js"></script>`,
      { headers: { "content-type": "text/html" } },
    );
  });
}

Deno.test({
  name: "withBrowser(): a page opens at the viewport asked for and text can be waited for",
  ignore: skip !== undefined,
  async fn() {
    const server = servePage();
    const folder = await Deno.makeTempDir();
    try {
      await withBrowser(async (browser) => {
        const page = await browser.openPage(`http://127.0.0.1:${server.addr.port}/`, {
          viewport: PHONE_VIEWPORT,
          waitFor: "#late",
        });
        await waitForText(page, "#late", "arrived");
        const width = await page.evaluate("window.innerWidth");
        assert.equal(width, PHONE_VIEWPORT.width);
        await screenshot(page, `${folder}/shots/page.png`);
        const png = await Deno.readFile(`${folder}/shots/page.png`);
        assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG file");
        assert.deepEqual(browser.errorsOf(page), []);
      });
    } finally {
      await Deno.remove(folder, { recursive: true });
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "withBrowser(): Chromium ends when the test body throws",
  ignore: skip !== undefined,
  async fn() {
    let pid: number | undefined;
    await assert.rejects(
      withBrowser((browser) => {
        pid = browser.browser.process()?.pid;
        throw new Error("the body failed");
      }),
      /the body failed/,
    );
    assert(pid !== undefined);
    assert.equal(await processAlive(pid), false, `Chromium ${pid} still runs`);
  },
});

Deno.test({
  name: "waitForText(): a missing text fails, naming what the page showed",
  ignore: skip !== undefined,
  async fn() {
    const server = servePage();
    try {
      await withBrowser(async (browser) => {
        const page = await browser.openPage(`http://127.0.0.1:${server.addr.port}/`);
        await page.waitForFunction(`document.getElementById("late").textContent === "arrived"`);
        await assert.rejects(
          waitForText(page, "#late", "never", { timeoutMs: 100 }),
          /saw \["arrived"\]/,
        );
      });
    } finally {
      await server.shutdown();
    }
  },
});
