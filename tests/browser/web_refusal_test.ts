/**
 * The chat page refuses a real browser that lacks what proves it is the
 * user's: the token (missing or wrong), a loopback `Host` (a DNS-rebinding
 * name is played with Chromium's `--host-resolver-rules`), and, for the feed
 * WebSocket, the page's own `Origin` (a page served by another port of the
 * same machine tries to open it while the browser holds the token cookie).
 */
import assert from "node:assert/strict";
import {
  browserAvailable,
  type Page,
  waitForText,
  waitUntil,
  withBrowser,
} from "../_helpers/browser.ts";
import { withProcesses } from "../_helpers/process.ts";
import { startBootstrap, startWebPeer } from "../_helpers/web_peers.ts";

const skip = browserAvailable();

/** A name a rebinding attacker's DNS points at 127.0.0.1. */
const REBOUND_HOST = "rebind.test";

/**
 * Serves, on another port, a page whose script opens a WebSocket to
 * `feedUrl` and writes `open` or `closed <code>` into `#result`.
 */
function serveForeignPage(feedUrl: string): Deno.HttpServer<Deno.NetAddr> {
  const script = `
    const result = document.getElementById("result");
    const socket = new WebSocket(${JSON.stringify(feedUrl)});
    socket.onopen = () => { result.textContent = "open"; };
    socket.onmessage = () => { result.textContent = "got data"; };
    socket.onclose = (event) => {
      if (result.textContent === "trying") result.textContent = "closed " + event.code;
    };`;
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    if (new URL(request.url).pathname === "/foreign.js") {
      return new Response(script, { headers: { "content-type": "text/javascript" } });
    }
    return new Response(
      `<!doctype html><p id="result">trying</p><script src="/foreign.js"></script>`,
      { headers: { "content-type": "text/html" } },
    );
  });
}

/** Navigates `page` to `url`; the status and the text the user sees. */
async function visit(page: Page, url: string): Promise<{ status: number; text: string }> {
  const response = await page.goto(url, { waitUntil: "load" });
  assert(response !== null, `no response for ${url}`);
  const text = await page.evaluate(`document.body?.innerText ?? ""`) as string;
  return { status: response.status(), text: text.trim() };
}

Deno.test({
  name:
    "chat page: a browser without the token, with a wrong one, a foreign Host or Origin is refused",
  ignore: skip !== undefined,
  async fn(t) {
    await withProcesses(async (group) => {
      const ann = await startWebPeer(group, await startBootstrap(group), "ann");
      const token = new URL(ann.web).searchParams.get("token")!;
      const base = `http://127.0.0.1:${ann.webPort}`;
      await withBrowser(async (browser) => {
        const page = await browser.openPage("about:blank");

        await t.step("without the token: 401 and the hint to open the printed URL", async () => {
          assert.deepEqual(await visit(page, `${base}/`), {
            status: 401,
            text: "Unauthorized: open the URL p2pchat printed",
          });
          assert.equal(await page.$("#compose"), null);
        });

        await t.step("with a wrong token: 403", async () => {
          const wrong = token.startsWith("A") ? `B${token.slice(1)}` : `A${token.slice(1)}`;
          assert.deepEqual(await visit(page, `${base}/?token=${wrong}`), {
            status: 403,
            text: "Forbidden: wrong token",
          });
          // Nor did a refused visit leave a cookie that opens the page.
          assert.equal((await visit(page, `${base}/`)).status, 401);
        });

        await t.step("under a foreign Host (DNS rebinding), even with the token: 403", async () => {
          const rebound = `http://${REBOUND_HOST}:${ann.webPort}/?token=${token}`;
          assert.deepEqual(await visit(page, rebound), {
            status: 403,
            text: "Forbidden: unknown Host (DNS rebinding?)",
          });
        });

        await t.step("a page of another origin cannot open the feed, cookie or not", async () => {
          // The user's own page works, and leaves the token cookie in the browser.
          const own = await browser.openPage(ann.web);
          await waitForText(own, "#status", "live");
          const foreign = serveForeignPage(`ws://127.0.0.1:${ann.webPort}/feed`);
          try {
            const attacker = await browser.openPage(`http://127.0.0.1:${foreign.addr.port}/`);
            const result = await waitUntil<string>(
              attacker,
              `(() => { const r = document.getElementById("result").textContent;
                 return r === "trying" ? "" : r; })()`,
              "the foreign page's WebSocket settles",
            );
            assert.equal(result, "closed 1006");
            // What the server answered, as Chromium tells the page's console.
            const errors = browser.errorsOf(attacker).join("\n");
            assert.match(errors, /WebSocket connection to .* failed: .*response code: 403/);
          } finally {
            await foreign.shutdown();
          }
        });
      }, { args: [`--host-resolver-rules=MAP ${REBOUND_HOST} 127.0.0.1`] });
    });
  },
});
