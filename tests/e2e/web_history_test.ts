/**
 * End to end: a `peer --web --data-dir` page opened after a restart sees the
 * messages stored in the earlier session (the snapshot's `history`), and a
 * message of this session only once (in `messages`, not again in `history`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { WAIT_MS, withProcesses } from "../_helpers/process.ts";
import { say, startStoredWebPeer } from "../_helpers/web_peers.ts";

/** The first feed object of a page opened at `url`: its snapshot. */
async function snapshotOf(url: string): Promise<Record<string, unknown>> {
  const { host, searchParams } = new URL(url);
  const socket = new WebSocket(`ws://${host}/feed`, {
    headers: { origin: `http://${host}`, "x-p2pchat-token": searchParams.get("token") ?? "" },
  });
  const closed = new Promise<void>((resolve) => (socket.onclose = () => resolve()));
  try {
    return await new Promise((resolve, reject) => {
      socket.onmessage = (e) => resolve(JSON.parse(e.data));
      socket.onerror = () => reject(new Error(`the feed of ${url} did not open`));
    });
  } finally {
    socket.close();
    await closed;
  }
}

Deno.test("main.ts peer --web --data-dir: a page opened after a restart gets the stored messages as history, this session's once", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "p2pchat-web-history-" });
  try {
    await withProcesses(async (group) => {
      const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"], {
        name: "bootstrap",
      });
      const booted = await bootstrap.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
      const addr = String(booted.addr);

      const first = await startStoredWebPeer(group, addr, dataDir, 1);
      await say(first.process, "from the first session");
      await say(first.process, "also from the first session");
      const fresh = await snapshotOf(first.web);
      assert.deepEqual(fresh.history, [], "nothing stored before this session");
      assert.equal((fresh.messages as unknown[]).length, 2);
      await first.process.send({ type: "quit" });
      assert.equal((await first.process.status).code, 0);

      const second = await startStoredWebPeer(group, addr, dataDir, 2);
      const reopened = await snapshotOf(second.web);
      assert.equal(reopened.type, "snapshot");
      const history = reopened.history as { text: string; seq: number; author: string }[];
      assert.deepEqual(history.map((m) => m.text), [
        "from the first session",
        "also from the first session",
      ]);
      assert.deepEqual(reopened.messages, [], "no message of this session yet");

      await say(second.process, "from the second session");
      const later = await snapshotOf(second.web);
      assert.deepEqual(
        (later.history as { text: string }[]).map((m) => m.text),
        ["from the first session", "also from the first session"],
        "this session's message is not repeated as history",
      );
      assert.deepEqual(
        (later.messages as { text: string }[]).map((m) => m.text),
        ["from the second session"],
      );
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});
