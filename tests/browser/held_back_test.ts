/**
 * The message view in a real browser (headless Chromium, driven by the
 * harness of tests/_helpers/browser.ts): an insider (a raw client with a
 * real identity in a private room) sends its message 2 before its message 1
 * to a `peer --web`. The page's `#holdback` shows 2 waiting for 1; once 1
 * arrives both are delivered, the held element goes, and the message view
 * of 2 says it was held back and what it waited for. Every wait is for a
 * condition.
 *
 * @module
 */

import assert from "node:assert/strict";
import { generateIdentity } from "../../lib/identity/identity.ts";
import { browserAvailable, evaluate, waitUntil, withBrowser } from "../_helpers/browser.ts";
import { portOf, WAIT_MS, withProcesses } from "../_helpers/process.ts";
import { privateRoom } from "../_helpers/private_room.ts";
import { ownChat, RawPeer } from "../_helpers/raw_client.ts";

const skip = browserAvailable();

Deno.test({
  name: "message view: a message before its cause is shown held back, then released",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { roomKey, flags } = await privateRoom("held-back-browser");
    await withProcesses(async (group) => {
      const boot = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0", ...flags]);
      const booted = await boot.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
      const vic = group.spawnMain([
        "peer",
        "--json",
        "--web",
        "--ephemeral",
        "--bootstrap",
        String(booted.addr),
        "--listen",
        "127.0.0.1:0",
        "--nick",
        "vic",
        ...flags,
      ], { name: "vic" });
      const ready = await vic.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
      await withBrowser(async (browser) => {
        const page = await browser.openPage(String(ready.web));
        const author = await generateIdentity();
        let insider: RawPeer | undefined;
        try {
          await waitUntil(
            page,
            `document.getElementById("status")?.textContent === "live"`,
            "live",
          );
          insider = await RawPeer.join(portOf(String(ready.addr)), { roomKey, identity: author });
          await insider.send([{ type: "register" }]);

          await insider.send([await ownChat(author, roomKey, 2)]);
          const held = `[data-held="${author.id}:2"]`;
          const waiting = await waitUntil<string>(
            page,
            `document.querySelector('#holdback ${held}')?.textContent ?? ""`,
            "seq 2 in the hold-back list",
          );
          assert.match(waiting, /waits for (raw|[0-9a-f]{8})#1$/);
          // Not delivered: not in the chat.
          assert.equal(
            await evaluate(page, `document.querySelector('[data-msg="${author.id}:2"]') === null`),
            true,
          );

          await insider.send([await ownChat(author, roomKey, 1)]);
          await waitUntil(
            page,
            `document.querySelector('[data-msg="${author.id}:1"]') !== null && ` +
              `document.querySelector('[data-msg="${author.id}:2"]') !== null`,
            "both messages in the chat",
          );
          await waitUntil(
            page,
            `document.querySelector('#holdback ${held}') === null`,
            "held gone",
          );

          // A click on message 2 opens the message view with its story.
          await evaluate(
            page,
            `document.querySelector('[data-msg="${author.id}:2"]')` +
              `.dispatchEvent(new MouseEvent("click", { bubbles: true }))`,
          );
          const details = await waitUntil<string>(
            page,
            `(() => { const t = document.getElementById("message-details").textContent;
            return !document.getElementById("view-message").hidden && t.includes("released")
              ? t : ""; })()`,
            "message 2's details",
          );
          assert.match(details, /held back/);
          assert.match(details, /waited for (raw|[0-9a-f]{8})#1/);
          assert.ok(details.includes(`clock: {`), details);
          assert.ok(details.includes(author.id.slice(0, 16)), "the neighbour it came from");
        } finally {
          await insider?.close();
        }
      });
    });
  },
});
