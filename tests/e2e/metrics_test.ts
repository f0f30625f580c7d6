/**
 * End to end, `--metrics`: a bootstrap and two `main.ts` peers serve
 * `GET /metrics`; the scrape parses as Prometheus text with the documented
 * names, and the counters move when a chat message goes through.
 */

import assert from "node:assert/strict";
import {
  poll,
  type ProcessGroup,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";
import { type ParsedFamily, parsePrometheus } from "../metrics/_parse_prometheus.ts";
import { canConnectFrom, RawConnection, RawPeer } from "../_helpers/raw_client.ts";
import { HandshakeError } from "../../lib/secure/noise_handshake.ts";

interface MetricsNode {
  readonly process: ReturnType<ProcessGroup["spawnMain"]>;
  readonly id: string;
  readonly addr: string;
  readonly metrics: string;
}

async function start(group: ProcessGroup, args: readonly string[], name: string) {
  const process = group.spawnMain(
    [...args, "--json", "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0"],
    { name },
  );
  const line = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  assert.equal(typeof line.metrics, "string", "ready carries the metrics URL");
  return {
    process,
    id: String(line.id),
    addr: String(line.addr),
    metrics: String(line.metrics),
  } satisfies MetricsNode;
}

/** A scrape, parsed (strictly: HELP then TYPE before each family's samples). */
async function scrapeFamilies(url: string): Promise<Map<string, ParsedFamily>> {
  const response = await fetch(url);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const families = parsePrometheus(await response.text());
  for (const [name, family] of families) {
    assert.ok(family.help.length > 0, `${name} has a HELP text`);
    assert.match(family.type, /^(counter|gauge)$/, `${name} has a TYPE`);
  }
  return families;
}

/** Each family's samples summed over their labels. */
async function scrape(url: string): Promise<Map<string, number>> {
  const values = new Map<string, number>();
  for (const [name, family] of await scrapeFamilies(url)) {
    values.set(name, family.samples.reduce((sum, s) => sum + s.value, 0));
  }
  return values;
}

/** The value of the sample of `name` whose labels include `labels` (undefined: none). */
function sampleOf(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string>,
): number | undefined {
  return families.get(name)?.samples.find((s) =>
    Object.entries(labels).every(([k, v]) => s.labels[k] === v)
  )?.value;
}

/** A `GET` of `url` with the given `Host` header, over a raw connection; the whole answer. */
async function rawGet(url: string, host: string): Promise<string> {
  const { hostname, port, pathname } = new URL(url);
  const connection = await Deno.connect({ hostname, port: Number(port) });
  try {
    await connection.write(
      new TextEncoder().encode(
        `GET ${pathname} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      ),
    );
    return await new Response(connection.readable).text();
  } catch (error) {
    connection.close();
    throw error;
  }
}

/** The names README § Metrics documents for a peer. */
const PEER_NAMES = [
  "p2pchat_messages_sent_total",
  "p2pchat_chat_sends_total",
  "p2pchat_sent_bytes_total",
  "p2pchat_messages_received_total",
  "p2pchat_received_bytes_total",
  "p2pchat_forgeries_total",
  "p2pchat_protocol_errors_total",
  "p2pchat_delivered_total",
  "p2pchat_held_back_messages",
  "p2pchat_held_back_bytes",
  "p2pchat_history_messages",
  "p2pchat_history_bytes",
  "p2pchat_neighbours",
  "p2pchat_process_heap_used_bytes",
  "p2pchat_process_resident_memory_bytes",
  "p2pchat_event_loop_lag_seconds",
  "p2pchat_event_loop_lag_max_seconds",
  "p2pchat_messages_out_total",
  "p2pchat_messages_in_total",
  "p2pchat_message_bytes_out_total",
  "p2pchat_message_bytes_in_total",
  "p2pchat_repair_chats_out_total",
  "p2pchat_repair_chats_in_total",
  "p2pchat_handshake_failures_total",
  "p2pchat_rate_limit_drops_total",
  "p2pchat_members",
  "p2pchat_links",
];

/** Every metric name in the table of README § Metrics (so a new row cannot go unscraped). */
async function readmeTableNames(): Promise<string[]> {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const section = readme.slice(readme.indexOf("## Metrics"));
  const rows = section.slice(section.indexOf("| metric (peer)")).split("\n").slice(2);
  const names: string[] = [];
  for (const row of rows) {
    if (!row.startsWith("|")) break;
    names.push(/`(p2pchat_[a-z_]+)/.exec(row)![1]!);
  }
  return names;
}

/** The names README § Metrics documents for a bootstrap. */
const BOOTSTRAP_NAMES = [
  "p2pchat_bootstrap_registered_peers",
  "p2pchat_bootstrap_peers_served_total",
  "p2pchat_messages_out_total",
  "p2pchat_messages_in_total",
  "p2pchat_message_bytes_out_total",
  "p2pchat_message_bytes_in_total",
  "p2pchat_handshake_failures_total",
  "p2pchat_rate_limit_drops_total",
  "p2pchat_process_heap_used_bytes",
  "p2pchat_process_resident_memory_bytes",
  "p2pchat_event_loop_lag_seconds",
  "p2pchat_event_loop_lag_max_seconds",
];

Deno.test("main.ts --metrics: bootstrap and peers serve /metrics; counters move with chat", async () => {
  await withProcesses(async (group) => {
    const bootstrap = await start(group, ["bootstrap"], "bootstrap");
    const ann = await start(
      group,
      ["peer", "--ephemeral", "--bootstrap", bootstrap.addr, "--nick", "ann"],
      "peer ann",
    );
    const bob = await start(
      group,
      ["peer", "--ephemeral", "--bootstrap", bootstrap.addr, "--nick", "bob"],
      "peer bob",
    );
    await waitUntilConnected(ann.process, [bob.id]);

    const booted = await scrapeFamilies(bootstrap.metrics);
    for (const name of BOOTSTRAP_NAMES) assert.ok(booted.has(name), `bootstrap: ${name} missing`);
    assert.ok(sampleOf(booted, "p2pchat_process_resident_memory_bytes", {})! > 0);
    // Both peers registered: the registrations came in as register messages.
    assert.ok(sampleOf(booted, "p2pchat_messages_in_total", { type: "register" })! >= 2);
    assert.ok(sampleOf(booted, "p2pchat_message_bytes_in_total", { type: "register" })! > 0);
    // The peers it served: its answers with a sample of registered peers.
    assert.ok(sampleOf(booted, "p2pchat_messages_out_total", { type: "peers" })! >= 1);
    assert.ok(
      sampleOf(booted, "p2pchat_bootstrap_peers_served_total", {})! >= 1,
      "bob was handed ann's record",
    );

    const before = await scrape(bob.metrics);
    for (const name of PEER_NAMES) assert.ok(before.has(name), `${name} missing`);
    const documented = await readmeTableNames();
    assert.ok(documented.length >= PEER_NAMES.length, `README table: ${documented.join(", ")}`);
    for (const name of documented) assert.ok(before.has(name), `README's ${name} missing`);
    assert.ok(before.get("p2pchat_neighbours")! >= 1);
    const bobsView = await poll(async () => {
      const families = await scrapeFamilies(bob.metrics);
      return sampleOf(families, "p2pchat_members", { state: "alive" })! >= 1 ? families : undefined;
    }, "bob counts ann as an alive member");
    const peerLinks = ["eager", "lazy", "pending"].flatMap((kind) =>
      ["inbound", "outbound"].map((direction) =>
        sampleOf(bobsView, "p2pchat_links", { kind, direction })!
      )
    );
    assert.ok(peerLinks.reduce((a, b) => a + b, 0) >= 1, "bob's link to ann is counted");
    // A peer's own chat drops are limiters too (a bootstrap has no such limits).
    assert.equal(
      sampleOf(bobsView, "p2pchat_rate_limit_drops_total", { limiter: "author_rate" }),
      0,
    );
    assert.equal(sampleOf(bobsView, "p2pchat_rate_limit_drops_total", { limiter: "hold_back" }), 0);

    await ann.process.send({ type: "send", text: "metrics, move" });
    await bob.process.waitFor(
      (l) => l.type === "message" && l.text === "metrics, move",
      WAIT_MS,
      "the message",
    );
    const after = await poll(async () => {
      const now = await scrape(bob.metrics);
      return now.get("p2pchat_delivered_total")! > before.get("p2pchat_delivered_total")!
        ? now
        : undefined;
    }, "bob's delivered counter moves");
    assert.ok(
      after.get("p2pchat_received_bytes_total")! > before.get("p2pchat_received_bytes_total")!,
    );
    assert.ok(after.get("p2pchat_messages_in_total")! > 0, "messages in by type");
    assert.ok(
      after.get("p2pchat_message_bytes_in_total")! > before.get("p2pchat_message_bytes_in_total")!,
      "bytes in by type move",
    );
    const annAfter = await scrapeFamilies(ann.metrics);
    assert.ok(sampleOf(annAfter, "p2pchat_messages_out_total", { type: "chat" })! >= 1);
    assert.ok(sampleOf(annAfter, "p2pchat_message_bytes_out_total", { type: "chat" })! > 0);

    // A client with another room secret: bob refuses its handshake, and counts why.
    const wrongFailures = (families: Map<string, ParsedFamily>) =>
      sampleOf(families, "p2pchat_handshake_failures_total", {
        direction: "inbound",
        reason: "wrong-secret",
      })!;
    assert.equal(wrongFailures(await scrapeFamilies(bob.metrics)), 0);
    await assert.rejects(
      RawPeer.join(Number(bob.addr.split(":").at(-1)), {
        roomKey: { room: "lobby", psk: crypto.getRandomValues(new Uint8Array(32)) },
      }),
      HandshakeError,
    );
    await poll(async () => {
      return wrongFailures(await scrapeFamilies(bob.metrics)) === 1 ? true : undefined;
    }, "bob counts one inbound handshake failed for a wrong secret");
    assert.ok(
      after.get("p2pchat_messages_received_total")! >
        before.get("p2pchat_messages_received_total")!,
    );

    const elsewhere = await fetch(bob.metrics.replace("/metrics", "/"));
    assert.equal(elsewhere.status, 404);
    await elsewhere.body?.cancel();
    // fetch sets Host itself; a raw request carries a foreign one (DNS rebinding).
    assert.match(await rawGet(bob.metrics, "evil.example"), /^HTTP\/1\.1 403 /);
    assert.match(await rawGet(bob.metrics, new URL(bob.metrics).host), /^HTTP\/1\.1 200 /);
  });
});

/** The runtime's `connectionsPerAddressMax` default (inbound connections from one host). */
const CONNECTIONS_PER_ADDRESS_MAX = 64;

const aliases = await canConnectFrom("127.0.0.2");

Deno.test({
  name:
    "main.ts --metrics: connections past the per-address limit are counted as rate-limit drops, silent ones as handshake timeouts",
  // Honest processes connect from 127.0.0.1; the flood needs another loopback address.
  ignore: !aliases,
  fn: async () => {
    await withProcesses(async (group) => {
      const bootstrap = await start(group, ["bootstrap"], "bootstrap");
      const drops = async () =>
        sampleOf(await scrapeFamilies(bootstrap.metrics), "p2pchat_rate_limit_drops_total", {
          limiter: "connections_per_address",
        })!;
      assert.equal(await drops(), 0);
      const port = Number(bootstrap.addr.split(":").at(-1));
      const extra = 4;
      // Silent connections: each holds its place (in the handshake) until it is closed.
      const held: RawConnection[] = [];
      try {
        for (let i = 0; i < CONNECTIONS_PER_ADDRESS_MAX + extra; i++) {
          held.push(await RawConnection.open(port, { from: "127.0.0.2" }));
        }
        await poll(
          async () => (await drops()) >= extra ? true : undefined,
          `the bootstrap counts ${extra} connections refused past the per-address limit`,
        );
        // The silent ones it took never start a handshake: each fails as a timeout.
        await poll(
          async () =>
            sampleOf(await scrapeFamilies(bootstrap.metrics), "p2pchat_handshake_failures_total", {
                direction: "inbound",
                reason: "timeout",
              })! >= 1
              ? true
              : undefined,
          "the bootstrap counts handshakes that timed out",
        );
      } finally {
        await Promise.all(held.map((c) => c.close()));
      }
    });
  },
});
