/**
 * What a running peer exposes on `/metrics`, from its {@linkcode PeerStats}.
 *
 * @module
 */

import type { BootstrapService } from "../runtime/bootstrap_service.ts";
import type { PeerStats } from "../runtime/peer_service.ts";
import type { MessageCounts } from "../runtime/message_counts.ts";
import { processMetrics } from "./metrics_server.ts";
import type { MetricFamily } from "./prometheus_text.ts";

function counter(name: string, help: string, value: number): MetricFamily {
  return { name, type: "counter", help, samples: [{ value }] };
}

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, type: "gauge", help, samples: [{ value }] };
}

/** The metric families of a peer, from its counters (names documented in README § Metrics). */
export function peerMetrics(stats: PeerStats, counts?: MessageCounts): MetricFamily[] {
  const byType = (map: ReadonlyMap<string, number>) =>
    [...map].sort(([a], [b]) => a.localeCompare(b)).map(([type, value]) => ({
      labels: { type },
      value,
    }));
  return [
    ...(counts === undefined ? [] : [
      {
        name: "p2pchat_messages_out_total",
        type: "counter" as const,
        help: "Messages handed to connections, by message type.",
        samples: byType(counts.sent),
      },
      {
        name: "p2pchat_messages_in_total",
        type: "counter" as const,
        help: "Messages received and decoded, by message type.",
        samples: byType(counts.received),
      },
    ]),
    counter(
      "p2pchat_messages_sent_total",
      "Messages handed to connections after the handshake.",
      stats.messagesSent,
    ),
    counter(
      "p2pchat_chat_sends_total",
      "Chat messages sent to neighbours (payload-carrying sends).",
      stats.chatSends,
    ),
    counter(
      "p2pchat_sent_bytes_total",
      "Wire bytes written, prefixes and encryption included.",
      stats.bytesSent,
    ),
    counter(
      "p2pchat_messages_received_total",
      "Messages received and decoded.",
      stats.messagesReceived,
    ),
    counter(
      "p2pchat_received_bytes_total",
      "Wire bytes of the frames received.",
      stats.bytesReceived,
    ),
    counter(
      "p2pchat_forgeries_total",
      "Messages dropped because their signature did not verify.",
      stats.forgeries,
    ),
    counter(
      "p2pchat_protocol_errors_total",
      "Connections closed because the remote broke the protocol.",
      stats.protocolErrors,
    ),
    counter(
      "p2pchat_delivered_total",
      "Chat messages delivered, own included, plus those skipped.",
      stats.delivered,
    ),
    gauge(
      "p2pchat_held_back_messages",
      "Messages waiting for their causes.",
      stats.heldBack,
    ),
    gauge(
      "p2pchat_held_back_bytes",
      "Estimated bytes of the held-back messages.",
      stats.heldBackBytes,
    ),
    gauge(
      "p2pchat_history_messages",
      "Messages kept in the history window for repairs.",
      stats.historyMessages,
    ),
    gauge(
      "p2pchat_history_bytes",
      "Estimated bytes of the history window.",
      stats.historyBytes,
    ),
    gauge(
      "p2pchat_neighbours",
      "Open neighbour connections.",
      stats.neighbours,
    ),
    gauge(
      "p2pchat_process_heap_used_bytes",
      "JavaScript heap in use.",
      stats.heapUsedBytes,
    ),
    gauge(
      "p2pchat_process_resident_memory_bytes",
      "Resident memory of the process.",
      stats.rssBytes,
    ),
  ];
}

/** The metric families of a bootstrap: peers registered, and the process's memory. */
export function bootstrapMetrics(bootstrap: Pick<BootstrapService, "peers">): MetricFamily[] {
  return [
    gauge(
      "p2pchat_bootstrap_registered_peers",
      "Peers currently registered with this bootstrap.",
      bootstrap.peers().length,
    ),
    ...processMetrics(),
  ];
}
