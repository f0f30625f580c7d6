/**
 * Relayed links moving off their relay and back (PROTOCOL.md § Relays,
 * punching), over real loopback sockets: a link starts relayed, its dialer
 * punches through on a second relayed stream, the link moves to the punched
 * connection and the relay carries nothing more; when the punched connection
 * dies the link falls back to its relayed stream without the members
 * noticing. On one host a TCP simultaneous open cannot succeed (the first
 * SYN is refused at once), so these tests open the punched connection with a
 * stand-in (one side listens, the other connects); the real simultaneous
 * open through routers is tested in tests/e2e/nat_test.ts.
 */

import assert from "node:assert/strict";
import { connect, createServer, type Socket } from "node:net";
import { type PeerEvent, startBootstrap, startPeer } from "../../lib/runtime/mod.ts";
import type { PunchOpener } from "../../lib/runtime/hole_punch.ts";
import { NodeSocketConn } from "../../lib/runtime/node_socket_conn.ts";
import { closedPort, waitFor } from "../_helpers/net.ts";

/**
 * One connection between two punching sides on one host: the side punching
 * from the lower port connects to the other's port (again while refused),
 * the other listens on its own port for it. Every socket is kept in `sockets`.
 */
function loopbackOpener(sockets: Socket[]): PunchOpener {
  return async (target, localPort, timeoutMs) => {
    if (localPort < target.port) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        const socket = await new Promise<Socket | undefined>((resolve) => {
          const socket = connect({ host: target.host, port: target.port });
          socket.once("connect", () => resolve(socket));
          socket.once("error", () => resolve(undefined));
        });
        if (socket !== undefined) {
          socket.removeAllListeners("error");
          sockets.push(socket);
          return new NodeSocketConn(socket);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return undefined;
    }
    return await new Promise<NodeSocketConn | undefined>((resolve) => {
      const server = createServer();
      const timer = setTimeout(() => {
        server.close();
        resolve(undefined);
      }, timeoutMs);
      server.once("connection", (socket: Socket) => {
        clearTimeout(timer);
        server.close();
        sockets.push(socket);
        resolve(new NodeSocketConn(socket));
      });
      server.listen(localPort, "127.0.0.1");
    });
  };
}

function recorder() {
  const events: PeerEvent[] = [];
  return {
    onEvent: (event: PeerEvent) => void events.push(event),
    delivered: () =>
      events.flatMap((e) => (e.type === "deliver" ? [`${e.message.nick}: ${e.message.text}`] : [])),
    peerDowns: () => events.filter((e) => e.type === "peer-down"),
    logs: () => events.flatMap((e) => (e.type === "log" ? [e.text] : [])),
  };
}

Deno.test("a relayed link moves to a punched connection, the relay then carries nothing, and falls back to the relay when the punched connection dies", async () => {
  const bootstrap = await startBootstrap({ listen: "127.0.0.1:0", relay: {} });
  const sockets: Socket[] = [];
  const annSeen = recorder();
  const bobSeen = recorder();
  const start = (nick: string, seen: ReturnType<typeof recorder>) =>
    startPeer({
      listen: "127.0.0.1:0",
      advertise: `127.0.0.1:${closedPort()}`,
      reachability: "private",
      punchOpener: loopbackOpener(sockets),
      nick,
      bootstraps: [bootstrap.addr],
      onEvent: seen.onEvent,
    });
  const ann = await start("ann", annSeen);
  await waitFor("ann to advertise a relayed address", () => ann.addr.includes("/relay/"));
  const bob = await start("bob", bobSeen);
  const pathOf = (from: typeof ann, to: typeof ann) =>
    from.peers().find((p) => p.id === to.id && p.connected)?.path;
  try {
    await waitFor(
      "the link to be punched at both ends",
      () => pathOf(ann, bob) === "punched" && pathOf(bob, ann) === "punched",
    );
    // The upgrade's own relayed stream closes; the link's first one stays, as its fallback.
    await waitFor("the relay to hold one link", () => bootstrap.relayStats()!.open === 1);
    const relayedBefore = bootstrap.relayStats()!.bytes;
    for (let i = 0; i < 10; i++) await (i % 2 === 0 ? ann : bob).send(`direct ${i}`);
    await waitFor(
      "both to deliver the direct messages",
      () =>
        bobSeen.delivered().includes("bob: direct 9") &&
        annSeen.delivered().includes("bob: direct 9") &&
        bobSeen.delivered().includes("ann: direct 8") &&
        annSeen.delivered().includes("ann: direct 8"),
    );
    assert.equal(bootstrap.relayStats()!.bytes, relayedBefore, "the relay carried chat");

    // The punched connection dies (a router forgot it): the link goes back to its relay.
    const linksBefore = bootstrap.relayStats()!.links;
    for (const socket of sockets) socket.destroy();
    await waitFor(
      "the link to be relayed again at both ends",
      () => pathOf(ann, bob) === "relayed" && pathOf(bob, ann) === "relayed",
    );
    for (let i = 0; i < 10; i++) await (i % 2 === 0 ? ann : bob).send(`relayed ${i}`);
    await waitFor(
      "both to deliver the relayed messages",
      () =>
        bobSeen.delivered().includes("bob: relayed 9") &&
        annSeen.delivered().includes("ann: relayed 8") &&
        annSeen.delivered().includes("bob: relayed 9") &&
        bobSeen.delivered().includes("ann: relayed 8"),
    );
    assert.ok(bootstrap.relayStats()!.bytes > relayedBefore, "the relay carried the link again");
    // On the stream it kept: nobody dialled through the relay again.
    assert.equal(bootstrap.relayStats()!.links, linksBefore);
    // Nobody saw the other go: the link itself never closed.
    assert.deepEqual([...annSeen.peerDowns(), ...bobSeen.peerDowns()], []);
    for (const seen of [annSeen, bobSeen]) {
      const ordered = seen.delivered().filter((l) => l.startsWith("ann: "));
      assert.deepEqual(ordered, [
        ...[0, 2, 4, 6, 8].map((i) => `ann: direct ${i}`),
        ...[0, 2, 4, 6, 8].map((i) => `ann: relayed ${i}`),
      ]);
    }
    assert.ok(annSeen.logs().concat(bobSeen.logs()).some((l) => l.includes("back on its relay")));
  } finally {
    await bob.stop();
    await ann.stop();
    await bootstrap.stop();
  }
});

Deno.test("when punching does not get through, the link stays on the relay and the upgrade's stream is closed", async () => {
  const bootstrap = await startBootstrap({ listen: "127.0.0.1:0", relay: {} });
  const annSeen = recorder();
  const bobSeen = recorder();
  let attempts = 0;
  // As behind a symmetric NAT: the other side's port is not where its SYNs come from.
  const unreachable: PunchOpener = async () => {
    attempts++;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return undefined;
  };
  const start = (nick: string, seen: ReturnType<typeof recorder>) =>
    startPeer({
      listen: "127.0.0.1:0",
      advertise: `127.0.0.1:${closedPort()}`,
      reachability: "private",
      punchOpener: unreachable,
      nick,
      bootstraps: [bootstrap.addr],
      onEvent: seen.onEvent,
    });
  const ann = await start("ann", annSeen);
  await waitFor("ann to advertise a relayed address", () => ann.addr.includes("/relay/"));
  const bob = await start("bob", bobSeen);
  try {
    await waitFor(
      "the link's dialer to try and give up",
      () =>
        annSeen.logs().concat(bobSeen.logs()).some((l) =>
          l.includes("stays on its relay: no punch through")
        ),
    );
    assert.ok(attempts >= 2, `both sides tried to open it: ${attempts}`);
    await waitFor("the relay to hold one link", () => bootstrap.relayStats()!.open === 1);
    assert.equal(ann.peers().find((p) => p.id === bob.id && p.connected)?.path, "relayed");
    assert.equal(bob.peers().find((p) => p.id === ann.id && p.connected)?.path, "relayed");
    await ann.send("still relayed");
    await waitFor("bob to deliver it", () => bobSeen.delivered().includes("ann: still relayed"));
  } finally {
    await bob.stop();
    await ann.stop();
    await bootstrap.stop();
  }
});

Deno.test("a full relay closes a punched link's idle fallback to carry a new link; the punched link goes on", async () => {
  const bootstrap = await startBootstrap({
    listen: "127.0.0.1:0",
    relay: { linksMax: 2, linkIdleMs: 1_000 },
  });
  const sockets: Socket[] = [];
  const seen = { ann: recorder(), bob: recorder(), cat: recorder() };
  const start = (nick: "ann" | "bob" | "cat", punch: boolean) =>
    startPeer({
      listen: "127.0.0.1:0",
      advertise: `127.0.0.1:${closedPort()}`,
      reachability: "private",
      punch,
      punchOpener: loopbackOpener(sockets),
      nick,
      bootstraps: [bootstrap.addr],
      onEvent: seen[nick].onEvent,
    });
  const ann = await start("ann", true);
  await waitFor("ann to advertise a relayed address", () => ann.addr.includes("/relay/"));
  const bob = await start("bob", true);
  const linked = (from: typeof ann, to: typeof ann) =>
    from.peers().find((p) => p.id === to.id && p.connected)?.path;
  let cat: typeof ann | undefined;
  try {
    await waitFor(
      "ann and bob to punch through",
      () => linked(ann, bob) === "punched" && linked(bob, ann) === "punched",
    );
    await waitFor("the relay to hold only the fallback", () => bootstrap.relayStats()!.open === 1);
    // The fallback carries nothing: past linkIdleMs it may give way.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    // Cat does not punch: its two links stay relayed and need both of the relay's slots.
    cat = await start("cat", false);
    const c = cat;
    await waitFor(
      "cat to be linked to ann and bob through the relay",
      () => linked(c, ann) === "relayed" && linked(c, bob) === "relayed",
    );
    assert.equal(linked(ann, bob), "punched");
    assert.equal(linked(bob, ann), "punched");
    assert.deepEqual([...seen.ann.peerDowns(), ...seen.bob.peerDowns()], []);
    await ann.send("from ann, punched to bob, relayed to cat");
    await waitFor(
      "bob and cat to deliver it",
      () =>
        [seen.bob, seen.cat].every((s) =>
          s.delivered().includes("ann: from ann, punched to bob, relayed to cat")
        ),
    );
  } finally {
    await cat?.stop();
    await bob.stop();
    await ann.stop();
    await bootstrap.stop();
  }
});
