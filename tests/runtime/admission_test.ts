import assert from "node:assert/strict";
import { Admission } from "../../lib/runtime/admission.ts";

/** A listener that hands out the given remote hosts, then ends like a closed listener. */
function listenerOf(hosts: string[]): { listener: Deno.Listener; closed: string[] } {
  const closed: string[] = [];
  const queue = [...hosts];
  const listener = {
    accept: () => {
      const host = queue.shift();
      if (host === undefined) return Promise.reject(new Deno.errors.BadResource("closed"));
      return Promise.resolve({
        remoteAddr: { transport: "tcp", hostname: host, port: 1 },
        close: () => closed.push(host),
      } as unknown as Deno.Conn);
    },
  } as unknown as Deno.Listener;
  return { listener, closed };
}

function admission(connectionsMax: number, perHost: number, open: () => number) {
  const logs: string[] = [];
  const refused: string[] = [];
  const a = new Admission({ connectionsMax, connectionsPerAddressMax: perHost }, {
    connectionCount: open,
    stopped: () => false,
    sleep: () => Promise.resolve(),
    log: (_level, text) => logs.push(text),
    onRefused: (limiter) => refused.push(limiter),
  });
  return { a, logs, refused };
}

Deno.test("Admission refuses a host past its share of inbound connections until one closes", async () => {
  const { a, logs, refused } = admission(100, 2, () => 0);
  const releases: (() => void)[] = [];
  const taken: string[] = [];
  const { listener, closed } = listenerOf(["10.0.0.1", "10.0.0.1", "10.0.0.1", "10.0.0.2"]);
  await a.acceptLoop(listener, (conn) => {
    const host = (conn.remoteAddr as Deno.NetAddr).hostname;
    taken.push(host);
    releases.push(a.countInbound(host));
  });
  assert.deepEqual(taken, ["10.0.0.1", "10.0.0.1", "10.0.0.2"]);
  assert.deepEqual(closed, ["10.0.0.1"]);
  assert.match(logs[0]!, /Refused a connection from 10\.0\.0\.1: 2 open from there/);
  assert.deepEqual(refused, ["connections_per_address"], "counted for /metrics");
  releases[0]!();
  const again = listenerOf(["10.0.0.1"]);
  await a.acceptLoop(again.listener, () => {});
  assert.deepEqual(again.closed, []);
});

Deno.test("Admission refuses every connection once the runtime is full", async () => {
  const { a, logs, refused } = admission(3, 64, () => 3);
  const { listener, closed } = listenerOf(["10.0.0.1", "10.0.0.2"]);
  await a.acceptLoop(listener, () => assert.fail("nothing is taken"));
  assert.deepEqual(closed, ["10.0.0.1", "10.0.0.2"]);
  assert.match(logs[0]!, /Refused a connection: 3 connections open/);
  assert.deepEqual(refused, ["connections", "connections"], "counted for /metrics");
});
