/**
 * The chat page in a real browser (headless Chromium, driven by the harness
 * of tests/_helpers/browser.ts) after a restart: a `peer --web --data-dir`
 * shows the message of its earlier session under the history marker, and
 * this session's message after the end-of-history marker, once. Every wait
 * is for a condition.
 *
 * @module
 */

import assert from "node:assert/strict";
import { browserAvailable, waitUntil, withBrowser } from "../_helpers/browser.ts";
import { WAIT_MS, withProcesses } from "../_helpers/process.ts";
import { say, startStoredWebPeer } from "../_helpers/web_peers.ts";

const skip = browserAvailable();

Deno.test({
  name: "chat page: after a restart the stored messages show under the history marker, once",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dataDir = await Deno.makeTempDir({ prefix: "p2pchat-browser-history-" });
    try {
      await withProcesses(async (group) => {
        const boot = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
        const booted = await boot.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
        const first = await startStoredWebPeer(group, String(booted.addr), dataDir, 1);
        await say(first.process, "said yesterday");
        await first.process.send({ type: "quit" });
        assert.equal((await first.process.status).code, 0);

        const second = await startStoredWebPeer(group, String(booted.addr), dataDir, 2);
        await say(second.process, "said today");
        await withBrowser(async (browser) => {
          const page = await browser.openPage(second.web);
          await waitUntil(
            page,
            `document.getElementById("status")?.textContent === "live"`,
            "live",
          );
          const lines = await waitUntil<string[]>(
            page,
            `(() => { const items = [...document.querySelectorAll("#messages li")];
              return items.some((li) => li.textContent.includes("said today"))
                ? items.map((li) => (li.dataset.marker ?? (li.classList.contains("history")
                  ? "old: " : "new: ") + li.textContent)) : undefined; })()`,
            "the chat with its history",
          );
          assert.deepEqual(lines.map((l) => l.replace(/^(old|new): .*(said \w+).*$/, "$1: $2")), [
            "history",
            "old: said yesterday",
            "end-of-history",
            "new: said today",
          ]);
        });
      });
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
