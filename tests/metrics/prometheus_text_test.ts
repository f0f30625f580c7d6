import assert from "node:assert/strict";
import fc from "fast-check";
import { metricsText, PROMETHEUS_CONTENT_TYPE } from "../../lib/metrics/prometheus_text.ts";
import { peerMetrics } from "../../lib/metrics/peer_metrics.ts";
import { metricsHandler } from "../../lib/metrics/metrics_handler.ts";
import type { PeerStats } from "../../lib/runtime/peer_service.ts";
import { parsePrometheus } from "./_parse_prometheus.ts";

Deno.test("metricsText writes HELP, TYPE and samples with labels", () => {
  const text = metricsText([{
    name: "p2pchat_messages_in_total",
    type: "counter",
    help: "Messages in.",
    samples: [{ labels: { type: "chat" }, value: 3 }, { labels: { type: "want" }, value: 0 }],
  }]);
  assert.equal(
    text,
    "# HELP p2pchat_messages_in_total Messages in.\n" +
      "# TYPE p2pchat_messages_in_total counter\n" +
      'p2pchat_messages_in_total{type="chat"} 3\n' +
      'p2pchat_messages_in_total{type="want"} 0\n',
  );
});

Deno.test("metricsText escapes help and label values, writes non-finite values", () => {
  const text = metricsText([{
    name: "p2pchat_x",
    type: "gauge",
    help: "back\\slash\nnewline",
    samples: [{ labels: { reason: 'a"b\\c\nd' }, value: NaN }, { value: Infinity }],
  }]);
  assert.match(text, /# HELP p2pchat_x back\\\\slash\\nnewline\n/);
  assert.match(text, /p2pchat_x\{reason="a\\"b\\\\c\\nd"\} NaN\n/);
  assert.match(text, /p2pchat_x \+Inf\n/);
  assert.equal(parsePrometheus(text).get("p2pchat_x")!.samples[0]!.labels.reason, 'a"b\\c\nd');
});

Deno.test("metricsText refuses bad names and counters without _total", () => {
  const sample = [{ value: 1 }];
  assert.throws(
    () => metricsText([{ name: "p2p-chat", type: "gauge", help: "", samples: sample }]),
    RangeError,
  );
  assert.throws(
    () => metricsText([{ name: "p2pchat_x", type: "counter", help: "", samples: sample }]),
    RangeError,
  );
  assert.throws(
    () =>
      metricsText([{
        name: "p2pchat_x",
        type: "gauge",
        help: "",
        samples: [{ labels: { "a-b": "1" }, value: 1 }],
      }]),
    RangeError,
  );
});

Deno.test("property: any label value round-trips through the parser", () => {
  fc.assert(fc.property(fc.string(), fc.double(), (value, number) => {
    const text = metricsText([{
      name: "p2pchat_y",
      type: "gauge",
      help: value,
      samples: [{ labels: { l: value }, value: number }],
    }]);
    const sample = parsePrometheus(text).get("p2pchat_y")!.samples[0]!;
    assert.equal(sample.labels.l, value);
    assert.ok(Object.is(sample.value, number) || (number === 0 && sample.value === 0));
  }));
});

const stats: PeerStats = {
  messagesSent: 5,
  chatSends: 2,
  bytesSent: 900,
  messagesReceived: 4,
  bytesReceived: 800,
  forgeries: 0,
  protocolErrors: 1,
  delivered: 3,
  heldBack: 0,
  heldBackBytes: 0,
  historyMessages: 3,
  historyBytes: 300,
  heapUsedBytes: 1e6,
  rssBytes: 3e7,
  neighbours: 2,
};

Deno.test("peerMetrics parses and follows the naming conventions", () => {
  const families = parsePrometheus(metricsText(peerMetrics(stats)));
  assert.equal(families.get("p2pchat_sent_bytes_total")!.samples[0]!.value, 900);
  assert.equal(families.get("p2pchat_neighbours")!.type, "gauge");
  assert.equal(families.get("p2pchat_process_resident_memory_bytes")!.samples[0]!.value, 3e7);
});

Deno.test("metricsHandler: GET /metrics, 404 elsewhere, 405, Host checked", async () => {
  const handler = metricsHandler({
    collect: () => peerMetrics(stats),
    allowedHosts: ["127.0.0.1:9"],
  });
  const ok = handler(
    new Request("http://127.0.0.1:9/metrics", { headers: { host: "127.0.0.1:9" } }),
  );
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
  assert.ok(parsePrometheus(await ok.text()).has("p2pchat_delivered_total"));
  const elsewhere = handler(
    new Request("http://127.0.0.1:9/", { headers: { host: "127.0.0.1:9" } }),
  );
  assert.equal(elsewhere.status, 404);
  await elsewhere.body?.cancel();
  const post = handler(
    new Request("http://127.0.0.1:9/metrics", { method: "POST", headers: { host: "127.0.0.1:9" } }),
  );
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const rebound = handler(
    new Request("http://evil.example/metrics", { headers: { host: "evil.example" } }),
  );
  assert.equal(rebound.status, 403);
  await rebound.body?.cancel();
});

Deno.test("peerMetrics labels messages in and out by type", async () => {
  const { MessageCounts } = await import("../../lib/runtime/message_counts.ts");
  const counts = new MessageCounts();
  counts.countSent("chat");
  counts.countSent("chat");
  counts.countReceived("want");
  const families = parsePrometheus(metricsText(peerMetrics(stats, { counts })));
  assert.deepEqual(families.get("p2pchat_messages_out_total")!.samples, [
    { name: "p2pchat_messages_out_total", labels: { type: "chat" }, value: 2 },
  ]);
  assert.equal(families.get("p2pchat_messages_in_total")!.samples[0]!.labels.type, "want");
});

Deno.test("peerMetrics counts members by state and links by kind and direction, every label present", async () => {
  const { RefusalCounts } = await import("../../lib/runtime/refusal_counts.ts");
  const refusals = new RefusalCounts();
  refusals.countLimitRefusal("messages_per_second");
  const member = (id: string, state: string) => ({
    id,
    addr: "127.0.0.1:1",
    state: state as "alive",
    incarnation: 0,
    seq: 0,
  });
  const link = (id: string, kind: string, outbound: boolean) => ({
    id,
    kind: kind as "eager",
    outbound,
    ageMs: 0,
    quietMs: 0,
  });
  const families = parsePrometheus(metricsText(peerMetrics(stats, {
    refusals,
    overlay: {
      members: [
        member("me", "self"),
        member("a", "alive"),
        member("b", "alive"),
        member("c", "suspect"),
        member("d", "left"),
        member("boot", "bootstrap"),
      ],
      links: [link("a", "eager", true), link("b", "lazy", false), link("boot", "bootstrap", true)],
    },
  })));
  const value = (name: string, labels: Record<string, string>) =>
    families.get(name)!.samples.find((s) =>
      Object.entries(labels).every(([k, v]) => s.labels[k] === v)
    )?.value;
  assert.equal(value("p2pchat_members", { state: "alive" }), 2);
  assert.equal(value("p2pchat_members", { state: "suspect" }), 1);
  assert.equal(value("p2pchat_members", { state: "dead" }), 0);
  assert.equal(value("p2pchat_members", { state: "left" }), 1);
  assert.equal(
    families.get("p2pchat_members")!.samples.length,
    4,
    "self and bootstraps not counted",
  );
  assert.equal(value("p2pchat_links", { kind: "eager", direction: "outbound" }), 1);
  assert.equal(value("p2pchat_links", { kind: "lazy", direction: "inbound" }), 1);
  assert.equal(value("p2pchat_links", { kind: "bootstrap", direction: "outbound" }), 1);
  assert.equal(value("p2pchat_links", { kind: "liveness", direction: "inbound" }), 0);
  assert.equal(families.get("p2pchat_links")!.samples.length, 10);
  assert.equal(value("p2pchat_rate_limit_drops_total", { limiter: "messages_per_second" }), 1);
  assert.equal(families.get("p2pchat_handshake_failures_total")!.samples.length, 14);
});

Deno.test("peerMetrics shows a peer's own chat drops as limiters author_rate and hold_back", async () => {
  const { RefusalCounts } = await import("../../lib/runtime/refusal_counts.ts");
  const families = parsePrometheus(metricsText(peerMetrics(stats, {
    refusals: new RefusalCounts(),
    limitDrops: { authorRate: 3, holdBack: 2 },
  })));
  const samples = families.get("p2pchat_rate_limit_drops_total")!.samples;
  const of = (limiter: string) => samples.find((s) => s.labels.limiter === limiter)?.value;
  assert.equal(of("author_rate"), 3);
  assert.equal(of("hold_back"), 2);
  assert.equal(samples.length, 6, "the shell's 4 limiters and the peer's 2");
});

Deno.test("peerMetrics and bootstrapMetrics show what a relay carried, only when it relays", async () => {
  const { bootstrapMetrics } = await import("../../lib/metrics/peer_metrics.ts");
  const relay = { links: 4, bytes: 12_345, reservations: 2, open: 1 };
  for (
    const families of [
      parsePrometheus(metricsText(peerMetrics(stats, { relay }))),
      parsePrometheus(metricsText(bootstrapMetrics({ peers: () => [], relayStats: () => relay }))),
    ]
  ) {
    const value = (name: string) => families.get(name)?.samples[0]?.value;
    assert.equal(value("p2pchat_relay_links_total"), 4);
    assert.equal(value("p2pchat_relay_bytes_total"), 12_345);
    assert.equal(value("p2pchat_relay_reservations"), 2);
    assert.equal(value("p2pchat_relay_open_links"), 1);
  }
  assert.equal(
    parsePrometheus(metricsText(peerMetrics(stats))).has("p2pchat_relay_bytes_total"),
    false,
  );
});
