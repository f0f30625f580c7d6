/**
 * End to end: two `peer --web --json` processes and a bootstrap; a Deno
 * WebSocket client plays each one's page. A message sent on one page is
 * received on the other page (and as a `--json` line), and the `ready`
 * line's `web` URL serves the page. Also: a non-loopback `--web-listen`
 * without `--web-public` is refused with exit 2.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type ChildProcess,
  runMain,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";

/** A page's feed: what it received, and a wait for the first object of a type. */
async function openPage(url: string) {
  const { host } = new URL(url);
  const token = new URL(url).searchParams.get("token") ?? "";
  const socket = new WebSocket(`ws://${host}/feed`, {
    headers: { origin: `http://${host}`, "x-p2pchat-token": token },
  });
  const received: Record<string, unknown>[] = [];
  let wake = () => {};
  socket.onmessage = (e) => {
    received.push(JSON.parse(e.data));
    wake();
  };
  const closed = new Promise<void>((resolve) => (socket.onclose = () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`the feed of ${url} did not open`));
  });
  const next = async (accept: (m: Record<string, unknown>) => boolean, what: string) => {
    const deadline = Date.now() + WAIT_MS;
    while (true) {
      const found = received.find(accept);
      if (found !== undefined) {
        received.splice(received.indexOf(found), 1);
        return found;
      }
      if (Date.now() > deadline) {
        throw new Error(`no ${what} on ${url}; got ${JSON.stringify(received).slice(0, 2000)}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, 200);
      });
      clearTimeout(timer);
    }
  };
  return {
    send: (command: Record<string, unknown>) => socket.send(JSON.stringify(command)),
    next,
    close: async () => {
      socket.close();
      await closed;
    },
  };
}

async function startWebPeer(
  group: { spawnMain(args: readonly string[], o?: { name?: string }): ChildProcess },
  bootstrap: string,
  nick: string,
) {
  const process = group.spawnMain([
    "peer",
    "--json",
    "--web",
    "--bootstrap",
    bootstrap,
    "--listen",
    "127.0.0.1:0",
    "--nick",
    nick,
  ], { name: `peer ${nick}` });
  const ready = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  assert.match(String(ready.web), /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
  return { process, id: String(ready.id), web: String(ready.web) };
}

Deno.test({
  name: "peer --web: a message sent on one page arrives on the other page",
  fn: async () => {
    await withProcesses(async (group) => {
      const boot = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
      const booted = await boot.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
      const [ann, bob] = await Promise.all([
        startWebPeer(group, String(booted.addr), "ann"),
        startWebPeer(group, String(booted.addr), "bob"),
      ]);
      await waitUntilConnected(ann.process, [bob.id]);
      await waitUntilConnected(bob.process, [ann.id]);

      // The ready line's URL serves the page and hands over the cookie.
      const page = await fetch(ann.web);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<title>p2pchat<\/title>/);
      assert.match(page.headers.get("set-cookie") ?? "", /HttpOnly; SameSite=Strict; Path=\//);
      const noToken = await fetch(new URL("/", ann.web));
      assert.equal(noToken.status, 401);
      await noToken.body?.cancel();

      const annPage = await openPage(ann.web);
      const bobPage = await openPage(bob.web);
      const snapshot = await annPage.next((m) => m.type === "snapshot", "snapshot");
      assert.deepEqual(snapshot.self, { id: ann.id, nick: "ann" });
      await bobPage.next((m) => m.type === "snapshot", "snapshot");

      annPage.send({ type: "send", text: "hello from a page", ref: "w1" });
      const sent = await annPage.next((m) => m.type === "sent", "sent");
      assert.equal(sent.ref, "w1");
      const got = await bobPage.next(
        (m) => m.type === "message" && m.text === "hello from a page",
        "the message",
      );
      assert.equal(got.author, ann.id);
      assert.equal(got.nick, "ann");
      // The same event as bob's --json line.
      await bob.process.waitFor(
        (l) => l.type === "message" && l.text === "hello from a page",
        WAIT_MS,
        "message line",
      );

      // A direct message from bob's page, by nick, reaches ann's page.
      bobPage.send({ type: "direct", to: "ann", text: "psst" });
      const direct = await annPage.next((m) => m.type === "direct", "direct");
      assert.equal(direct.from, bob.id);
      assert.equal(direct.text, "psst");

      // A page opened later gets the message in its snapshot.
      const late = await openPage(bob.web);
      const lateSnapshot = await late.next((m) => m.type === "snapshot", "snapshot");
      assert.ok(
        (lateSnapshot.messages as { text: string }[]).some((m) => m.text === "hello from a page"),
      );
      assert.ok((lateSnapshot.peers as { id: string }[]).some((p) => p.id === ann.id));
      await Promise.all([annPage.close(), bobPage.close(), late.close()]);
    });
  },
});

Deno.test("peer --web-listen on a non-loopback address without --web-public exits 2 with one line", async () => {
  const result = await runMain(["peer", "--web-listen", "0.0.0.0:0", "--json"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--web-listen.*not a loopback address; add --web-public/);
  assert.equal(result.stdout, "");
});

Deno.test("peer --web-listen on a port in use exits 2 with one line naming it", async () => {
  using busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const address = `127.0.0.1:${busy.addr.port}`;
  const result = await runMain([
    "peer",
    "--web-listen",
    address,
    "--json",
    // Not the default bootstrap: without --bootstrap the peer would found a network on its port.
    "--bootstrap",
    "127.0.0.1:1",
  ]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, new RegExp(`Cannot serve --web on ${address}: `));
});
