/**
 * End to end, the feed of the page's network and message views (a Deno
 * WebSocket client plays the page): real `peer --web --json` processes and a
 * bootstrap. The `overlay` objects show the right members and own links as
 * peers join and one is killed; an insider's message that arrives before its
 * cause is shown held back (`provenance`, `overlay.held`) until the cause
 * arrives, then released.
 *
 * @module
 */

import assert from "node:assert/strict";
import { generateIdentity } from "../../lib/identity/identity.ts";
import { assertOutputLine } from "../_helpers/json_schema.ts";
import { privateRoom } from "../_helpers/private_room.ts";
import { ownChat, RawPeer } from "../_helpers/raw_client.ts";
import {
  portOf,
  type ProcessGroup,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";

type Feed = Record<string, unknown>;

/** A page's feed: a wait for the first object (from now on) that passes `accept`. */
async function openPage(url: string) {
  const { host } = new URL(url);
  const token = new URL(url).searchParams.get("token") ?? "";
  const socket = new WebSocket(`ws://${host}/feed`, {
    headers: { origin: `http://${host}`, "x-p2pchat-token": token },
  });
  let received: Feed[] = [];
  let wake = () => {};
  socket.onmessage = (e) => {
    const object = JSON.parse(e.data);
    // The views' feed objects are documented in the schema: check every one.
    if (object.type === "overlay" || object.type === "provenance") assertOutputLine(object);
    received.push(object);
    wake();
  };
  const closed = new Promise<void>((resolve) => (socket.onclose = () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error(`the feed of ${url} did not open`));
  });
  const next = async (accept: (m: Feed) => boolean, what: string): Promise<Feed> => {
    const deadline = Date.now() + WAIT_MS;
    while (true) {
      const at = received.findIndex(accept);
      if (at >= 0) {
        const found = received[at]!;
        received = received.slice(at + 1);
        return found;
      }
      received = [];
      if (Date.now() > deadline) throw new Error(`no ${what} on ${url}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, 200);
      });
      clearTimeout(timer);
    }
  };
  return {
    next,
    close: async () => {
      socket.close();
      await closed;
    },
  };
}

interface Member {
  id: string;
  state: string;
}
interface Link {
  id: string;
  kind: string;
}

async function startWebPeer(group: ProcessGroup, args: readonly string[], nick: string) {
  const process = group.spawnMain([
    "peer",
    "--json",
    "--web",
    "--ephemeral",
    "--listen",
    "127.0.0.1:0",
    "--nick",
    nick,
    ...args,
  ], { name: `peer ${nick}` });
  const ready = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  return { process, id: String(ready.id), addr: String(ready.addr), web: String(ready.web) };
}

/** The live (self, alive, suspect) members of an overlay object, and its own peer links. */
function shape(overlay: Feed): { live: string[]; peerLinks: string[] } {
  const members = overlay.members as Member[];
  const links = overlay.links as Link[];
  return {
    live: members.filter((m) => m.state !== "dead" && m.state !== "bootstrap").map((m) => m.id)
      .sort(),
    peerLinks: links.filter((l) => l.kind === "eager" || l.kind === "lazy").map((l) => l.id)
      .sort(),
  };
}

Deno.test({
  name: "peer --web: overlay objects show the members and own links as peers join and die",
  fn: async () => {
    await withProcesses(async (group) => {
      const boot = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
      const booted = await boot.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
      const via = ["--bootstrap", String(booted.addr)];
      const [ann, bob, cat] = await Promise.all(
        ["ann", "bob", "cat"].map((nick) => startWebPeer(group, via, nick)),
      ) as [
        Awaited<ReturnType<typeof startWebPeer>>,
        Awaited<ReturnType<typeof startWebPeer>>,
        Awaited<ReturnType<typeof startWebPeer>>,
      ];
      await waitUntilConnected(ann.process, [bob.id, cat.id]);
      const page = await openPage(ann.web);
      const snapshot = await page.next((m) => m.type === "snapshot", "snapshot");
      const first = snapshot.overlay as Feed;
      assert.equal((first.members as Member[])[0]?.id, ann.id);
      assert.equal((first.members as Member[])[0]?.state, "self");
      const three = [ann.id, bob.id, cat.id].sort();
      await page.next((m) => {
        if (m.type !== "overlay") return false;
        const { live, peerLinks } = shape(m);
        return JSON.stringify(live) === JSON.stringify(three) &&
          JSON.stringify(peerLinks) === JSON.stringify([bob.id, cat.id].sort());
      }, "an overlay of 3 members and 2 own peer links");

      const dan = await startWebPeer(group, via, "dan");
      const four = [...three, dan.id].sort();
      await page.next(
        (m) => m.type === "overlay" && JSON.stringify(shape(m).live) === JSON.stringify(four),
        "an overlay of 4 members",
      );

      bob.process.kill("SIGKILL");
      await page.next(
        (m) => m.type === "peer-down" && m.id === bob.id,
        "bob's peer-down",
      );
      const after = await page.next((m) => {
        if (m.type !== "overlay") return false;
        const { live, peerLinks } = shape(m);
        return !live.includes(bob.id) && !peerLinks.includes(bob.id);
      }, "an overlay without bob alive or linked");
      const bobNow = (after.members as Member[]).find((m) => m.id === bob.id);
      assert.ok(bobNow === undefined || bobNow.state === "dead", JSON.stringify(bobNow));

      // One that quits says goodbye: drawn as left, not dead.
      await dan.process.send({ type: "quit" });
      await page.next((m) => {
        if (m.type !== "overlay") return false;
        const danNow = (m.members as Member[]).find((n) => n.id === dan.id);
        return danNow?.state === "left" && !shape(m).peerLinks.includes(dan.id);
      }, "an overlay with dan left");
      await page.close();
    });
  },
});

Deno.test({
  name: "peer --web: an insider's seq 2 before seq 1 is shown held back for #1, then released",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { roomKey, flags } = await privateRoom("held-back-view");
    await withProcesses(async (group) => {
      const boot = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0", ...flags]);
      const booted = await boot.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
      const vic = await startWebPeer(group, ["--bootstrap", String(booted.addr), ...flags], "vic");
      const page = await openPage(vic.web);
      await page.next((m) => m.type === "snapshot", "snapshot");
      const author = await generateIdentity();
      const insider = await RawPeer.join(portOf(vic.addr), { roomKey, identity: author });
      try {
        await insider.send([{ type: "register" }]);
        await insider.send([await ownChat(author, roomKey, 2)]);
        const held = await page.next(
          (m) => m.type === "provenance" && m.author === author.id && m.seq === 2,
          "seq 2's provenance",
        );
        assert.deepEqual(held.waitsFor, { author: author.id, seq: 1 });
        assert.equal(held.from, author.id);
        assert.equal(held.deliveredAt, undefined);
        const overlay = await page.next((m) => m.type === "overlay", "an overlay");
        assert.deepEqual(overlay.held, [
          { author: author.id, seq: 2, waitsFor: { author: author.id, seq: 1 } },
        ]);

        await insider.send([await ownChat(author, roomKey, 1)]);
        const released = await page.next(
          (m) => m.type === "provenance" && m.seq === 2 && m.deliveredAt !== undefined,
          "seq 2 delivered",
        );
        assert.equal(typeof released.releasedAt, "number");
        assert.ok((released.heldAt as number) <= (released.releasedAt as number));
        const later = await page.next((m) => m.type === "overlay", "an overlay");
        assert.deepEqual(later.held, []);
        await vic.process.waitFor(
          (l) => l.type === "message" && l.author === author.id && l.seq === 2,
          WAIT_MS,
          "seq 2 delivered as a --json line",
        );
      } finally {
        await insider.close();
        await page.close();
      }
    });
  },
});
