// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Takes the screenshot of the chat page for the docs:
 *
 *   deno run -A scripts/chat_screenshot.ts [OUT.png] [--width 900] [--height 420]
 *
 * (default OUT.png: docs/screenshots/chat.png). Starts a bootstrap and three
 * `peer --web` processes on loopback, lets them chat a few lines (one of them
 * a direct message), opens ann's page in headless Chromium through the test
 * harness (tests/_helpers/browser.ts: `/usr/bin/chromium` or
 * `$CHROMIUM_PATH`) and writes the PNG; then ends everything it started.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { screenshot, waitForText, waitUntil, withBrowser } from "../tests/_helpers/browser.ts";
import { waitUntilConnected, withProcesses } from "../tests/_helpers/process.ts";
import { startBootstrap, startWebPeer } from "../tests/_helpers/web_peers.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    width: { type: "string", default: "900" },
    height: { type: "string", default: "420" },
  },
  allowPositionals: true,
});
const out = positionals[0] ?? "docs/screenshots/chat.png";

await withProcesses(async (group) => {
  const bootstrap = await startBootstrap(group);
  const [ann, bob, cy] = await Promise.all(
    ["ann", "bob", "cy"].map((nick) => startWebPeer(group, bootstrap, nick)),
  ) as [
    Awaited<ReturnType<typeof startWebPeer>>,
    Awaited<ReturnType<typeof startWebPeer>>,
    Awaited<ReturnType<typeof startWebPeer>>,
  ];
  for (const peer of [ann, bob, cy]) {
    await waitUntilConnected(
      peer.process,
      [ann, bob, cy].filter((p) => p !== peer).map((p) => p.id),
    );
  }
  const said: [typeof ann, Record<string, string>][] = [
    [bob, { type: "send", text: "morning all! is the build green again?" }],
    [cy, { type: "send", text: "yes, the flaky test is fixed since last night" }],
    [ann, { type: "send", text: "great, I'll cut the release after lunch" }],
    [cy, { type: "direct", to: ann.id, text: "can you review my branch first?" }],
    [bob, { type: "send", text: "nice, ping me when it's out" }],
  ];
  await withBrowser(async (browser) => {
    const page = await browser.openPage(ann.web, {
      viewport: { width: Number(values.width), height: Number(values.height) },
    });
    await waitForText(page, "#status", "live");
    for (const [peer, command] of said) {
      await peer.process.send(command);
      await waitForText(page, "#messages li", command.text!);
    }
    await waitUntil(
      page,
      `[...document.querySelectorAll("#messages li.message .state")].every((s) =>
        s.textContent === "seen")`,
      "ann's lines are seen",
    );
    await screenshot(page, out);
  });
});
const { size } = await Deno.stat(out);
console.log(`Wrote ${out} (${size} bytes)`);
