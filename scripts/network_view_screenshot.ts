// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Takes a screenshot of the web page's network view of a local cluster, for
 * the docs:
 *
 *   deno run -A scripts/network_view_screenshot.ts docs/screenshots/network-view.png --peers 10
 *
 * Starts a bootstrap and `--peers` peers (`peer --web --json --ephemeral`
 * on loopback), waits until the first one's `overlay` feed object shows
 * them all, opens its page at `#network` in headless Chromium
 * (tests/_helpers/browser.ts: `/usr/bin/chromium` or `$CHROMIUM_PATH`),
 * waits until it draws every node, and writes the PNG; then stops
 * everything.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { screenshot, waitUntil, withBrowser } from "../tests/_helpers/browser.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    peers: { type: "string", default: "10" },
    width: { type: "string", default: "1100" },
    height: { type: "string", default: "700" },
  },
  allowPositionals: true,
});
if (positionals.length !== 1) {
  console.error("Usage: network_view_screenshot.ts OUT.png [--peers N]");
  Deno.exit(2);
}
const out = positionals[0]!;
const peerCount = Number(values.peers);
const MAIN = new URL("../main.ts", import.meta.url).pathname;
/** How long the cluster may take to form. */
const FORM_TIMEOUT_MS = 60_000;
/** How long the messages get to spread (and prune) before the picture. */
const SETTLE_MS = 4_000;

const children: Deno.ChildProcess[] = [];
/** Each peer's stdin, for `--json` commands. */
const inputs: WritableStreamDefaultWriter<Uint8Array>[] = [];

/** Starts `main.ts args` and resolves its `ready` line. */
async function start(args: string[]): Promise<Record<string, unknown>> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args, "--json", "--listen", "127.0.0.1:0"],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  children.push(child);
  inputs.push(child.stdin.getWriter());
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`main.ts ${args[0]} ended before its ready line`);
    text += value;
  }
  // Keep draining stdout so that the process never blocks on a full pipe.
  (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
  return JSON.parse(text.slice(0, text.indexOf("\n")));
}

/** Resolves once the page's feed at `url` has an overlay of `count` live members. */
async function waitForOverlay(url: string, count: number): Promise<void> {
  const { host } = new URL(url);
  const socket = new WebSocket(`ws://${host}/feed`, {
    headers: {
      origin: `http://${host}`,
      "x-p2pchat-token": new URL(url).searchParams.get("token")!,
    },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no overlay of ${count} members in ${FORM_TIMEOUT_MS} ms`)),
        FORM_TIMEOUT_MS,
      );
      socket.onmessage = (e) => {
        const object = JSON.parse(e.data);
        const members = (object.type === "overlay" ? object.members : []) as { state: string }[];
        const live = members.filter((m) => m.state === "self" || m.state === "alive");
        if (live.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      };
      socket.onerror = () => reject(new Error(`the feed of ${url} failed`));
    });
  } finally {
    socket.close();
  }
}

try {
  const boot = await start(["bootstrap"]);
  const nicks = ["ann", "bob", "cat", "dan", "eve", "fay", "gus", "hal", "ivy", "jon"];
  const peers = await Promise.all(
    Array.from({ length: peerCount }, (_, i) =>
      start([
        "peer",
        "--web",
        "--ephemeral",
        "--bootstrap",
        String(boot.addr),
        "--nick",
        nicks[i] ?? `p${i}`,
      ])),
  );
  const web = String(peers[0]!.web);
  await waitForOverlay(web, peerCount);
  // A message from every peer: duplicates prune some links off the broadcast trees (lazy).
  for (const [i, input] of inputs.entries()) {
    if (i === 0) continue; // the bootstrap
    const line = JSON.stringify({ type: "send", text: `hello from ${nicks[i - 1] ?? i}` });
    await input.write(new TextEncoder().encode(`${line}\n`));
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  await withBrowser(async (browser) => {
    const page = await browser.openPage(`${web}#network`, {
      viewport: { width: Number(values.width), height: Number(values.height) },
    });
    await waitUntil(
      page,
      `Number(document.getElementById("network-graph")?.dataset.nodes) >= ${peerCount}`,
      "every peer drawn",
      { timeoutMs: FORM_TIMEOUT_MS },
    );
    await screenshot(page, out);
  }, { args: ["--hide-scrollbars"] });
  console.log(`${out}: ${(await Deno.stat(out)).size} bytes`);
} finally {
  for (const input of inputs) await input.close().catch(() => {});
  for (const child of children) {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
  }
  await Promise.all(children.map((child) => child.status));
}
