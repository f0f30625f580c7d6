/**
 * Hosts behind home routers, made with network namespaces (see
 * tests/_helpers/netns.ts, `NatKind`): first what the routers and the
 * firewall do to plain TCP (who can dial whom, which address and port the
 * other side sees), then `main.ts` across them.
 *
 * Skips, saying why, where routers cannot be made (not Linux, not root, no
 * iproute2 or nftables).
 */

import assert from "node:assert/strict";
import { type JsonLine, REPO_ROOT, WAIT_MS, withProcesses } from "../_helpers/process.ts";
import {
  cacheMainForHosts,
  natAvailable,
  type NetnsHost,
  type NetnsNetwork,
  spawnMainIn,
  withNetwork,
} from "../_helpers/netns.ts";

const unavailable = await natAvailable();
if (unavailable !== undefined) {
  // deno-lint-ignore no-console
  console.warn(`tests/e2e/nat_test.ts: skipped, routers unavailable: ${unavailable}`);
}

/** Where the probe server and peers listen. */
const PORT = 7431;

/** A TCP server that answers each connection with the address it sees, `host:port`, and closes it. */
const ECHO_ADDRESS = `
const listener = Deno.listen({ hostname: "0.0.0.0", port: ${PORT} });
console.log("ready");
for await (const conn of listener) {
  const { hostname, port } = conn.remoteAddr;
  await conn.write(new TextEncoder().encode(hostname + ":" + port + "\\n")).catch(() => {});
  conn.close();
}
`;

/** Connects to `host` three times; prints each connection's local port and what the server saw. */
function askAddress(host: string): string {
  return `
for (let i = 0; i < 3; i++) {
  const conn = await Deno.connect({ hostname: "${host}", port: ${PORT} });
  const buffer = new Uint8Array(64);
  const n = await conn.read(buffer);
  conn.close();
  console.log(conn.localAddr.port + " " + new TextDecoder().decode(buffer.subarray(0, n ?? 0)).trim());
}
`;
}

/** Starts the echo server on `host`; returns a function that stops it. */
async function startEcho(host: NetnsHost): Promise<() => Promise<void>> {
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", host.namespace, Deno.execPath(), "eval", ECHO_ADDRESS],
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const { value } = await reader.read();
  assert.equal(value?.trim(), "ready", `echo server on host ${host.name}`);
  return async () => {
    child.kill("SIGKILL");
    await child.status;
    await reader.cancel().catch(() => {});
  };
}

/** What the echo server on `server` saw of three connections from `client`: [local port, seen as][]. */
async function seenAs(
  network: NetnsNetwork,
  client: NetnsHost,
  server: NetnsHost,
): Promise<[number, string][]> {
  const result = await network.exec(client, [Deno.execPath(), "eval", askAddress(server.address)]);
  assert.equal(result.code, 0, `host ${client.name} → ${server.name}: ${result.stderr}`);
  return result.stdout.trim().split("\n").map((line) => {
    const [local, seen] = line.split(" ") as [string, string];
    return [Number(local), seen];
  });
}

/** Whether `client` can open a TCP connection to `address:port` within 2 s. */
async function canDial(
  network: NetnsNetwork,
  client: NetnsHost,
  address: string,
): Promise<boolean> {
  const probe = `exec 3<>/dev/tcp/${address}/${PORT}`;
  const { code } = await network.exec(client, ["timeout", "2", "bash", "-c", probe]);
  return code === 0;
}

Deno.test({
  name: "netns routers: a host behind NAT dials out and is seen at its router's address; " +
    "nobody dials it; symmetric NAT changes ports; a firewall lets nothing in" +
    (unavailable === undefined ? "" : ` (skipped: ${unavailable})`),
  ignore: unavailable !== undefined,
  async fn() {
    await withNetwork(5, async (network) => {
      const [pub, nat, sym, wall, other] = network.hosts as NetnsHost[] as [
        NetnsHost,
        NetnsHost,
        NetnsHost,
        NetnsHost,
        NetnsHost,
      ];
      assert.ok(nat.address.startsWith("192.168.") && nat.publicAddress !== nat.address);
      assert.equal(wall.publicAddress, wall.address);
      const stops = await Promise.all([pub, nat, wall].map(startEcho));
      try {
        // Out: every host reaches a public one, seen at its public address.
        for (const client of [nat, sym, wall]) {
          for (const [, seen] of await seenAs(network, client, pub)) {
            assert.equal(seen.split(":")[0], client.publicAddress, `host ${client.name} seen as`);
          }
        }
        // A home router keeps the socket's port (what hole punching relies on) …
        for (const [local, seen] of await seenAs(network, nat, pub)) {
          assert.equal(seen, `${nat.publicAddress}:${local}`);
        }
        // … a symmetric one picks another for each connection.
        const ports = (await seenAs(network, sym, pub)).map(([local, seen]) => [local, seen]);
        assert.ok(
          ports.some(([local, seen]) => seen !== `${sym.publicAddress}:${local}`),
          `symmetric NAT kept every port: ${JSON.stringify(ports)}`,
        );
        // In: nobody reaches the NAT'd host (its address is private, its router forwards
        // nothing it did not open) nor the firewalled one; public hosts stay reachable.
        for (const client of [pub, other]) {
          assert.equal(await canDial(network, client, nat.address), false, "private address");
          assert.equal(await canDial(network, client, nat.publicAddress), false, "via its router");
          assert.equal(await canDial(network, client, wall.address), false, "through a firewall");
        }
        assert.equal(await canDial(network, other, pub.address), true, "a public host");
        assert.equal(await canDial(network, wall, pub.address), true, "out of the firewall");
      } finally {
        await Promise.all(stops.map((stop) => stop()));
      }
    }, { nat: { 1: "nat", 2: "symmetric-nat", 3: "firewall" } });
  },
});

/** Runs tests/_helpers/simultaneous_open.ts on `from`, towards `to`'s public address. */
async function punch(network: NetnsNetwork, from: NetnsHost, to: NetnsHost) {
  const script = `${REPO_ROOT}/tests/_helpers/simultaneous_open.ts`;
  const argv = [
    Deno.execPath(),
    "run",
    "--allow-net",
    script,
    to.publicAddress,
    "40001",
    from.name,
  ];
  return await network.exec(from, argv);
}

Deno.test({
  name: "netns routers: two hosts behind home routers open a direct TCP connection by " +
    "simultaneous open; behind symmetric NATs they cannot" +
    (unavailable === undefined ? "" : ` (skipped: ${unavailable})`),
  ignore: unavailable !== undefined,
  async fn() {
    for (const kind of ["nat", "symmetric-nat"] as const) {
      await withNetwork(2, async (network) => {
        const [b, c] = network.hosts as NetnsHost[] as [NetnsHost, NetnsHost];
        const [fromB, fromC] = await Promise.all([punch(network, b, c), punch(network, c, b)]);
        if (kind === "nat") {
          assert.equal(fromB.code, 0, `B: ${fromB.stdout}${fromB.stderr}`);
          assert.equal(fromC.code, 0, `C: ${fromC.stdout}${fromC.stderr}`);
          assert.match(
            fromB.stdout,
            new RegExp(`^connected to ${c.publicAddress}:40001: hello from ${c.name}\n`),
          );
          assert.match(
            fromC.stdout,
            new RegExp(`^connected to ${b.publicAddress}:40001: hello from ${b.name}\n`),
          );
        } else {
          assert.notEqual(fromB.code, 0, `B connected through symmetric NATs: ${fromB.stdout}`);
          assert.notEqual(fromC.code, 0, `C connected through symmetric NATs: ${fromC.stdout}`);
        }
      }, { nat: { 0: kind, 1: kind } });
    }
  },
});

Deno.test({
  name: "main.ts: a peer behind NAT and one behind a firewall learn the address others see " +
    "and chat with a public peer through the links they open" +
    (unavailable === undefined ? "" : ` (skipped: ${unavailable})`),
  ignore: unavailable !== undefined,
  async fn() {
    await cacheMainForHosts();
    await withNetwork(4, async (network) => {
      const [a, b, c, d] = network.hosts as NetnsHost[] as [
        NetnsHost,
        NetnsHost,
        NetnsHost,
        NetnsHost,
      ];
      await withProcesses(async (group) => {
        const bootstrap = group.add(
          spawnMainIn(a, ["bootstrap", "--json", "--listen", `0.0.0.0:${PORT}`]),
        );
        await bootstrap.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
        const start = async (host: NetnsHost, nick: string) => {
          const args = [
            "peer",
            "--json",
            "--bootstrap",
            `${a.address}:${PORT}`,
            "--nick",
            nick,
            "--listen",
            `0.0.0.0:${PORT}`,
          ];
          const process = group.add(spawnMainIn(host, args));
          const ready: JsonLine = await process.waitFor(
            (l) => l.type === "ready",
            WAIT_MS,
            "ready",
          );
          return { process, id: String(ready.id) };
        };
        // The public peer first, so that the others find it at the bootstrap.
        const pub = await start(d, "pub");
        const natted = await Promise.all([start(b, "nat"), start(c, "wall")]);
        // Each learns where the nodes it dials see it: behind NAT, at its router's address.
        for (const [peer, host] of [[pub, d], [natted[0]!, b], [natted[1]!, c]] as const) {
          const seen = await peer.process.waitFor(
            (l) => l.type === "observed-address",
            WAIT_MS,
            "observed-address",
          );
          assert.equal(seen.host, host.publicAddress, `${peer.process.name}: seen at`);
          assert.equal(seen.advertised, `${host.address}:${PORT}`);
        }
        const peers = [pub, ...natted];
        const texts = peers.map((_, i) => `hello ${i} across the routers`);
        // Links take a moment to form; send once everyone hears the public peer.
        for (const peer of natted) {
          await peer.process.waitFor(
            (l) => l.type === "peer-up" && l.id === pub.id,
            WAIT_MS,
            "a link to the public peer",
          );
        }
        await Promise.all(peers.map((p, i) => p.process.send({ type: "send", text: texts[i] })));
        for (const peer of peers) {
          for (const [i, text] of texts.entries()) {
            const line = await peer.process.waitFor(
              (l) => l.type === "message" && l.text === text,
              WAIT_MS,
              `message '${text}'`,
            );
            assert.equal(line.author, peers[i]!.id);
          }
        }
      });
    }, { nat: { 1: "nat", 2: "firewall" } });
  },
});

Deno.test({
  name: "main.ts: with only a public relaying bootstrap, peers behind two NATs, a symmetric NAT " +
    "and a firewall learn they are private, reserve at the relay, punch through where the NATs " +
    "allow (else stay relayed) and chat in causal order" +
    (unavailable === undefined ? "" : ` (skipped: ${unavailable})`),
  ignore: unavailable !== undefined,
  async fn() {
    await cacheMainForHosts();
    await withNetwork(5, async (network) => {
      const [a, ...homes] = network.hosts as NetnsHost[];
      await withProcesses(async (group) => {
        const relay = `${a!.address}:${PORT}`;
        const bootstrap = group.add(
          spawnMainIn(a!, ["bootstrap", "--json", "--relay", "--listen", `0.0.0.0:${PORT}`]),
        );
        await bootstrap.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
        const started = performance.now();
        const peers = await Promise.all(homes.map(async (host, i) => {
          const process = group.add(spawnMainIn(host, [
            "peer",
            "--json",
            "--bootstrap",
            relay,
            "--nick",
            `home${i}`,
            "--listen",
            `0.0.0.0:${PORT}`,
          ]));
          const ready = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
          return { process, id: String(ready.id), host };
        }));
        // A question from one NAT'd peer as soon as it has the other as a neighbour (and an
        // answer below, sent only once it arrived: every peer delivers them in order).
        const [asker, answerer] = peers as [typeof peers[0], typeof peers[0]];
        await asker.process.waitFor(
          (l) => l.type === "peer-up" && l.id === answerer.id,
          WAIT_MS,
          "peer-up of the answerer",
        );
        await asker.process.send({ type: "send", text: "anyone there?" });
        await answerer.process.waitFor(
          (l) => l.type === "message" && l.text === "anyone there?",
          WAIT_MS,
          "the question",
        );
        const firstMessageMs = performance.now() - started;
        // Each learns from the bootstrap's dial-back that it cannot be dialled, and reserves
        // (those behind NATs, seen at another host than they advertise, before the verdict).
        for (const peer of peers) {
          const first = await peer.process.waitFor(
            (l) => l.type === "reachability" && l.state !== "unknown",
            WAIT_MS,
            "reachability",
          );
          assert.equal(first.state, "private", `${peer.process.name}: ${first.reason}`);
          const reserved = await peer.process.waitFor(
            (l) => l.type === "reachability" && l.relay !== undefined,
            WAIT_MS,
            "a reservation",
          );
          assert.equal(reserved.relay, relay);
          assert.equal(reserved.addr, `${relay}/relay/${peer.id}`);
        }
        // Everyone links to everyone else through the relay (five nodes, tables have room).
        for (const peer of peers) {
          for (const other of peers) {
            if (other === peer || (peer === asker && other === answerer)) continue;
            await peer.process.waitFor(
              (l) => l.type === "peer-up" && l.id === other.id,
              WAIT_MS,
              `peer-up of ${other.process.name}`,
            );
          }
        }
        // How each link runs: every link started on the relay; the ones between port-keeping
        // NATs (and the firewall) moved to a punched connection; the links of the peer behind
        // a symmetric NAT stay on the relay.
        const pathsOf = async (peer: typeof peers[0]) => {
          await peer.process.send({ type: "peers", ref: "paths" });
          const answer = await peer.process.waitFor(
            (l) => l.type === "peers" && l.ref === "paths",
            WAIT_MS,
            "peers",
          );
          return new Map(
            (answer.peers as JsonLine[]).filter((p) => p.connected === true)
              .map((p) => [String(p.id), String(p.path)]),
          );
        };
        const [nat1, nat2, symmetric, firewalled] = peers as [
          typeof peers[0],
          typeof peers[0],
          typeof peers[0],
          typeof peers[0],
        ];
        const punchable = [nat1, nat2, firewalled];
        const allPunched = async () => {
          for (const peer of punchable) {
            const paths = await pathsOf(peer);
            for (const other of punchable) {
              if (other !== peer && paths.get(other.id) !== "punched") return false;
            }
          }
          return true;
        };
        const deadline = performance.now() + WAIT_MS;
        while (!(await allPunched())) {
          assert.ok(
            performance.now() < deadline,
            `not punched through: ${
              JSON.stringify(await Promise.all(punchable.map(async (p) => [...await pathsOf(p)])))
            }`,
          );
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        const punchedMs = performance.now() - started;
        for (const [id, path] of await pathsOf(symmetric)) {
          assert.equal(path, "relayed", `symmetric NAT ↔ ${id.slice(0, 8)}`);
        }
        // deno-lint-ignore no-console
        console.log(
          `  paths: ${
            JSON.stringify(
              await Promise.all(
                peers.map(async (p) => [p.process.name, Object.fromEntries(await pathsOf(p))]),
              ),
            )
          }`,
        );
        await answerer.process.send({ type: "send", text: "yes, behind my own NAT" });
        for (const peer of peers) {
          await peer.process.waitFor(
            (l) => l.type === "message" && l.text === "yes, behind my own NAT",
            WAIT_MS,
            "the answer",
          );
          const texts = peer.process.jsonLines.filter((l) => l.type === "message").map((l) =>
            l.text
          );
          assert.deepEqual(texts, ["anyone there?", "yes, behind my own NAT"], peer.process.name);
        }
        // deno-lint-ignore no-console
        console.log(
          `  first message across NATs ${firstMessageMs.toFixed(0)} ms after start; ` +
            `every link but the symmetric NAT's punched through ${
              punchedMs.toFixed(0)
            } ms after start`,
        );
      });
    }, { nat: { 1: "nat", 2: "nat", 3: "symmetric-nat", 4: "firewall" } });
  },
});
