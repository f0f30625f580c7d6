/**
 * End to end beyond one host: a bootstrap and three peers as `main.ts`
 * processes in `--json --ephemeral` mode, each on a host of its own (a
 * network namespace with its own address on a shared bridge, see
 * tests/_helpers/netns.ts). They listen on the wildcard address or a chosen
 * interface; others must end up dialing and listing their host addresses.
 *
 * Skips, saying why, where network namespaces cannot be made (not Linux, not
 * root, no iproute2).
 */

import assert from "node:assert/strict";
import {
  type ChildProcess,
  type JsonLine,
  poll,
  type ProcessGroup,
  WAIT_MS,
  withProcesses,
} from "../_helpers/process.ts";
import {
  cacheMainForHosts,
  listNamespaces,
  netnsAvailable,
  type NetnsHost,
  spawnMainIn,
  withNetwork,
} from "../_helpers/netns.ts";

const unavailable = await netnsAvailable();
if (unavailable !== undefined) {
  // deno-lint-ignore no-console
  console.warn(`tests/e2e/netns_test.ts: skipped, network namespaces unavailable: ${unavailable}`);
}

/** The bootstrap's port on host A. */
const BOOTSTRAP_PORT = 7411;

/** The fixed port of the peers that are not given port 0. */
const PEER_PORT = 7412;

interface Started {
  readonly process: ChildProcess;
  readonly host: NetnsHost;
  readonly id: string;
  readonly addr: string;
}

interface PeerEntry {
  readonly id: string;
  readonly addr: string;
  readonly connected?: boolean;
}

async function ready(process: ChildProcess, role: string): Promise<JsonLine> {
  const line = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  assert.equal(line.role, role, `${process.name}: ready line ${JSON.stringify(line)}`);
  return line;
}

/** Asks for `peers` until `accept` holds for the answer; the error shows the last answer. */
async function waitForPeers(
  process: ChildProcess,
  what: string,
  accept: (peers: readonly PeerEntry[]) => boolean,
): Promise<PeerEntry[]> {
  let last: PeerEntry[] = [];
  try {
    return await poll(
      async () => {
        const answer = await process.ask({ type: "peers" }, "peers");
        last = answer.peers as PeerEntry[];
        return accept(last) ? last : undefined;
      },
      `${process.name}: ${what}`,
      { intervalMs: 200 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last answer ${JSON.stringify(last)}`);
  }
}

function assertHostAddress(where: string, addr: string): void {
  assert.ok(
    !addr.startsWith("127.") && !addr.startsWith("0.0.0.0") && !addr.startsWith("["),
    `${where}: ${addr} is not a host address`,
  );
}

/** Starts `main.ts bootstrap` on `host`, listening on the wildcard address; checks what it advertises. */
async function startBootstrapOn(group: ProcessGroup, host: NetnsHost): Promise<Started> {
  const process = group.add(
    spawnMainIn(host, ["bootstrap", "--json", "--listen", `0.0.0.0:${BOOTSTRAP_PORT}`]),
  );
  const line = await ready(process, "bootstrap");
  const addr = `${host.address}:${BOOTSTRAP_PORT}`;
  assert.equal(line.addr, addr, `${process.name}: advertised address`);
  return { process, host, id: String(line.id), addr };
}

/** Arguments of an ephemeral `--json` peer registering with `bootstrap`. */
function peerArgsFor(bootstrap: string, nick: string, ...more: string[]): string[] {
  return ["peer", "--json", "--ephemeral", "--bootstrap", bootstrap, "--nick", nick, ...more];
}

Deno.test({
  name: "main.ts on four network-namespace hosts: peers list each other's host addresses and chat" +
    (unavailable === undefined ? "" : ` (skipped: ${unavailable})`),
  ignore: unavailable !== undefined,
  async fn() {
    await cacheMainForHosts();
    let namespaces: readonly string[] = [];
    // Host B is multi-homed: its first non-loopback address is on an interface
    // nobody else reaches, so only --advertise makes it reachable.
    await withNetwork(4, async (network) => {
      namespaces = network.namespaces;
      const [a, b, c, d] = network.hosts as [NetnsHost, NetnsHost, NetnsHost, NetnsHost];
      assert.ok(b.decoyAddress !== undefined);
      await withProcesses(async (group) => {
        // The bootstrap listens on the wildcard address: it advertises host A's address.
        const bootstrap = await startBootstrapOn(group, a);
        const peerArgs = (nick: string, ...listen: string[]) =>
          peerArgsFor(bootstrap.addr, nick, ...listen);
        const specs: { host: NetnsHost; args: string[]; expect: (addr: string) => boolean }[] = [
          {
            // Wildcard listen, explicit --advertise (the derived address would be the decoy).
            host: b,
            args: peerArgs(
              "bea",
              "--listen",
              `0.0.0.0:${PEER_PORT}`,
              "--advertise",
              `${b.address}:${PEER_PORT}`,
            ),
            expect: (addr) => addr === `${b.address}:${PEER_PORT}`,
          },
          {
            // A chosen interface: the bound address is the advertised one.
            host: c,
            args: peerArgs("cid", "--listen", `${c.address}:${PEER_PORT}`),
            expect: (addr) => addr === `${c.address}:${PEER_PORT}`,
          },
          {
            // Wildcard listen on a free port, nothing advertised: derived from the interfaces.
            host: d,
            args: peerArgs("dot", "--listen", "0.0.0.0:0"),
            expect: (addr) =>
              new RegExp(`^${d.address.replaceAll(".", "\\.")}:[1-9][0-9]*$`).test(addr),
          },
        ];
        const peers: Started[] = await Promise.all(specs.map(async ({ host, args, expect }) => {
          const process = group.add(spawnMainIn(host, args));
          const line = await ready(process, "peer");
          const addr = String(line.addr);
          assertHostAddress(process.name, addr);
          assert.ok(expect(addr), `${process.name}: advertises ${addr}`);
          return { process, host, id: String(line.id), addr };
        }));

        // `ip netns exec` execs deno rather than forking it: the only process in each
        // host is the child itself, so killing the child ends main.ts.
        const children = [bootstrap, ...peers];
        for (const { process, host } of children) {
          assert.deepEqual(
            await network.pids(host),
            [process.pid],
            `processes on host ${host.name}`,
          );
        }

        // Every peer knows the other two, connected, at their host addresses.
        for (const peer of peers) {
          const others = peers.filter((p) => p !== peer);
          const want = JSON.stringify(others.map((o) => [o.id, o.addr]).sort());
          const listed = await waitForPeers(
            peer.process,
            "lists the two other peers, connected, at their advertised addresses",
            (entries) =>
              entries.every((e) => e.connected === true) &&
              JSON.stringify(entries.map((e) => [e.id, e.addr]).sort()) === want,
          );
          for (const entry of listed) assertHostAddress(`${peer.process.name} lists`, entry.addr);
        }
        // The bootstrap hands out the same addresses.
        const want = JSON.stringify(peers.map((p) => [p.id, p.addr]).sort());
        await waitForPeers(
          bootstrap.process,
          "lists the three peers at their advertised addresses",
          (entries) => JSON.stringify(entries.map((e) => [e.id, e.addr]).sort()) === want,
        );

        // A message from each host is delivered on every host.
        const texts = peers.map((p) => `hello from host ${p.host.name} (${p.host.address})`);
        await Promise.all(peers.map((p, i) => p.process.send({ type: "send", text: texts[i] })));
        for (const peer of peers) {
          for (const [i, text] of texts.entries()) {
            const line = await peer.process.waitFor(
              (l) => l.type === "message" && l.text === text,
              WAIT_MS,
              `message '${text}'`,
            );
            assert.equal(line.author, peers[i]!.id, `${peer.process.name}: author of '${text}'`);
          }
        }
      });

      // Every child has exited (withProcesses awaited each one); none is left in a namespace.
      assert.deepEqual(await network.pids(), [], "processes left in the namespaces");
    }, { decoys: [1] });

    const left = (await listNamespaces()).filter((name) => namespaces.includes(name));
    assert.deepEqual(left, [], "namespaces left behind");
  },
});

Deno.test({
  name: "main.ts peer on a multi-homed host without --advertise is listed at a reachable address" +
    (unavailable === undefined ? "" : ` (skipped: ${unavailable})`),
  ignore: unavailable !== undefined,
  async fn() {
    await cacheMainForHosts();
    await withNetwork(3, async (network) => {
      const [a, b, e] = network.hosts as [NetnsHost, NetnsHost, NetnsHost];
      await withProcesses(async (group) => {
        const bootstrap = await startBootstrapOn(group, a);
        const startPeer = async (host: NetnsHost, nick: string): Promise<Started> => {
          const args = peerArgsFor(bootstrap.addr, nick, "--listen", "0.0.0.0:0");
          const process = group.add(spawnMainIn(host, args));
          const line = await ready(process, "peer");
          return { process, host, id: String(line.id), addr: String(line.addr) };
        };
        const [bea, eve] = await Promise.all([startPeer(b, "bea"), startPeer(e, "eve")]);
        const reachable = `${e.address}:${eve.addr.slice(eve.addr.lastIndexOf(":") + 1)}`;
        // Whatever eve derives for itself, the others must end up listing an address they can
        // dial (not eve's decoy address, which only host E has).
        for (const lister of [bea, bootstrap]) {
          await waitForPeers(
            lister.process,
            `lists eve at ${reachable}`,
            (list) => list.some((x) => x.id === eve.id && x.addr === reachable),
          );
        }
      });
    }, { decoys: [2] });
  },
});
