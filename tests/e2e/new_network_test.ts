/**
 * End to end, on network-namespace hosts (each with its own 127.0.0.1, so
 * the default bootstrap port is free): a peer that finds no bootstrap says
 * it starts a new network, looks for the existing one through the addresses
 * it remembers, says when it joined it, and shows that network's missed
 * messages under the history marker.
 *
 * Skips, saying why, where network namespaces cannot be made.
 */

import assert from "node:assert/strict";
import { type JsonLine, REPO_ROOT, WAIT_MS, withProcesses } from "../_helpers/process.ts";
import { netnsAvailable, type NetnsHost, spawnMainIn, withNetwork } from "../_helpers/netns.ts";

const unavailable = await netnsAvailable();

/** Catching up may take several anti-entropy rounds on a loaded machine. */
const CATCH_UP_MS = 3 * WAIT_MS;

/** Compiles main.ts's dependencies into the cache first: hosts have no route to a registry. */
async function cacheMain(): Promise<void> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["cache", "main.ts"],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  assert.equal(code, 0, "deno cache main.ts");
}

const isMessage = (text: string) => (l: JsonLine) => l.type === "message" && l.text === text;

Deno.test({
  name: "main.ts peer without a bootstrap starts a new network, then joins the remembered one" +
    (unavailable === undefined ? "" : ` (skipped: ${unavailable})`),
  ignore: unavailable !== undefined,
  async fn() {
    await cacheMain();
    const dataDir = await Deno.makeTempDir({ prefix: "new_network_test_" });
    try {
      await withNetwork(3, async (network) => {
        const [a, b, c] = network.hosts as [NetnsHost, NetnsHost, NetnsHost];
        await withProcesses(async (group) => {
          const bootstrap = group.add(
            spawnMainIn(a, ["bootstrap", "--json", "--listen", `${a.address}:7411`]),
          );
          const bootstrapAddr = String((await bootstrap.waitFor((l) => l.type === "ready")).addr);
          const bob = group.add(spawnMainIn(b, [
            "peer",
            "--json",
            "--bootstrap",
            bootstrapAddr,
            "--listen",
            `${b.address}:7412`,
            "--nick",
            "bob",
          ], { name: "bob" }));
          const bobReady = await bob.waitFor((l) => l.type === "ready");
          const annArgs = ["--listen", `${c.address}:7412`, "--nick", "ann", "--data-dir", dataDir];
          // First run: ann meets bob through the bootstrap and remembers his address.
          let ann = group.add(
            spawnMainIn(c, ["peer", "--json", "--bootstrap", bootstrapAddr, ...annArgs], {
              name: "ann (first run)",
            }),
          );
          await ann.waitFor((l) => l.type === "ready");
          await bob.send({ type: "send", text: "hello ann" });
          await ann.waitFor(isMessage("hello ann"), CATCH_UP_MS);
          await ann.send({ type: "quit" });
          assert.equal((await ann.waitForExit()).code, 0);

          // The bootstrap goes; bob stays and talks on.
          await bootstrap.close();
          await bob.send({ type: "send", text: "written while you were away" });
          await bob.waitFor(isMessage("written while you were away"));

          // Second run, no --bootstrap: nothing at 127.0.0.1:7411 on host C.
          ann = group.add(
            spawnMainIn(c, ["peer", "--json", ...annArgs], { name: "ann (founder)" }),
          );
          await ann.waitFor((l) => l.type === "ready");
          const started = await ann.waitFor((l) => l.type === "network" && l.state === "new");
          assert.ok(Number(started.remembered) >= 1, JSON.stringify(started));
          await ann.waitForStderr("starting a NEW network");
          const joined = await ann.waitFor(
            (l) => l.type === "network" && l.state === "joined",
            CATCH_UP_MS,
            "the joined line",
          );
          assert.equal(joined.via, bobReady.addr);
          await ann.waitForStderr("joined the existing network");
          await ann.waitFor(isMessage("written while you were away"), CATCH_UP_MS, "the catch-up");
          const order = ann.jsonLines.flatMap((l) =>
            l.type === "marker"
              ? [`marker:${l.marker}`]
              : l.type === "message"
              ? [String(l.text)]
              : l.type === "network"
              ? [`network:${l.state}`]
              : []
          );
          assert.deepEqual(order, [
            "network:new",
            "network:joined",
            "marker:history",
            "marker:unread",
            "written while you were away",
          ]);
        });
      });
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  },
});
