/**
 * The network view in a real browser (headless Chromium, driven by the
 * harness of tests/_helpers/browser.ts): real `peer --web` processes and a
 * bootstrap; the page of one peer draws self + its members as `[data-node]`
 * and its own links as `[data-link]`, follows a fourth peer joining and one
 * being killed, and shows a clicked node's details. Every wait is for a
 * condition.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  browserAvailable,
  evaluate,
  type Page,
  waitUntil,
  withBrowser,
} from "../_helpers/browser.ts";
import {
  type ProcessGroup,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";

const skip = browserAvailable();

async function startWebPeer(group: ProcessGroup, bootstrap: string, nick: string) {
  const process = group.spawnMain([
    "peer",
    "--json",
    "--web",
    "--ephemeral",
    "--bootstrap",
    bootstrap,
    "--listen",
    "127.0.0.1:0",
    "--nick",
    nick,
  ], { name: `peer ${nick}` });
  const ready = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  return { process, id: String(ready.id), web: String(ready.web) };
}

/** What the svg draws: `id=state` per node and `id=kind` per link, sorted. */
const DRAWN = `(() => {
  const svg = document.getElementById("network-graph");
  const nodes = [...svg.querySelectorAll("[data-node]")]
    .map((e) => e.dataset.node + "=" + e.dataset.state).sort();
  const links = [...svg.querySelectorAll("[data-link]")]
    .map((e) => e.dataset.link + "=" + e.dataset.kind).sort();
  return JSON.stringify({ nodes, links, counted: [svg.dataset.nodes, svg.dataset.links] });
})()`;

interface Drawn {
  nodes: string[];
  links: string[];
  counted: [string, string];
}

/** Waits until the drawing passes `accept`; returns it. */
async function waitForDrawing(
  page: Page,
  accept: (drawn: Drawn) => boolean,
  what: string,
): Promise<Drawn> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const drawn = JSON.parse(await evaluate<string>(page, DRAWN)) as Drawn;
    if (accept(drawn)) return drawn;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not drawn within ${WAIT_MS} ms; drawn: ${JSON.stringify(drawn)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const peerLinks = (d: Drawn) => d.links.filter((l) => /=(eager|lazy)$/.test(l));
const nodeIds = (d: Drawn, states: RegExp) =>
  d.nodes.filter((n) => states.test(n.slice(65))).map((n) => n.slice(0, 64)).sort();

Deno.test({
  name: "network view: nodes and own links follow peers joining and dying; a click shows details",
  ignore: skip !== undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await withProcesses(async (group) => {
      const boot = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
      const booted = await boot.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
      const addr = String(booted.addr);
      const [ann, bob, cat] = await Promise.all(
        ["ann", "bob", "cat"].map((nick) => startWebPeer(group, addr, nick)),
      ) as [
        Awaited<ReturnType<typeof startWebPeer>>,
        Awaited<ReturnType<typeof startWebPeer>>,
        Awaited<ReturnType<typeof startWebPeer>>,
      ];
      await waitUntilConnected(ann.process, [bob.id, cat.id]);
      await withBrowser(async (browser) => {
        const page = await browser.openPage(ann.web);
        await waitUntil(page, `document.getElementById("status")?.textContent === "live"`, "live");
        await evaluate(page, `document.querySelector('button[data-view="network"]').click()`);
        await waitUntil(
          page,
          `!document.getElementById("view-network").hidden && ` +
            `document.getElementById("view-chat").hidden`,
          "the network tab",
        );

        const three = await waitForDrawing(
          page,
          (d) => d.nodes.length === 3 && peerLinks(d).length === 2,
          "3 nodes and 2 own peer links",
        );
        assert.deepEqual(nodeIds(three, /^self$/), [ann.id]);
        assert.deepEqual(nodeIds(three, /^alive$/), [bob.id, cat.id].sort());
        assert.deepEqual(
          peerLinks(three).map((l) => l.slice(0, 64)).sort(),
          [bob.id, cat.id].sort(),
        );
        assert.deepEqual(three.counted, ["3", String(three.links.length)]);

        const dan = await startWebPeer(group, addr, "dan");
        const four = await waitForDrawing(page, (d) => d.nodes.length === 4, "4 nodes");
        assert.ok(nodeIds(four, /^(self|alive)$/).includes(dan.id));

        bob.process.kill("SIGKILL");
        const gone = await waitUntil<string>(
          page,
          `(() => {
            const node = document.querySelector('[data-node="${bob.id}"]');
            const link = document.querySelector('[data-link="${bob.id}"]');
            return (node === null || node.dataset.state === "dead") && link === null
              ? String(node?.dataset.state ?? "gone") : "";
          })()`,
          "bob's node dead or gone and its link gone",
        );
        assert.ok(gone === "dead" || gone === "gone", gone);

        // A click on a node shows its id, nick and link.
        await evaluate(
          page,
          `document.querySelector('[data-node="${cat.id}"]')` +
            `.dispatchEvent(new MouseEvent("click", { bubbles: true }))`,
        );
        const details = await waitUntil<string>(
          page,
          `(() => { const t = document.getElementById("node-details").textContent;
            return t.includes("${cat.id}") ? t : ""; })()`,
          "cat's details",
        );
        assert.match(details, /nick: cat/);
        assert.match(details, /link: (eager|lazy)/);
        assert.match(details, /address: 127\.0\.0\.1:\d+/);
      });
    });
  },
});
