/**
 * What a running peer exposes on `/metrics`, from its {@linkcode PeerStats}.
 *
 * @module
 */

import type { BootstrapService } from "../runtime/bootstrap_service.ts";
import type { PeerStats } from "../runtime/peer_service.ts";
import type { MessageCounts } from "../runtime/message_counts.ts";
import type { RefusalCounts } from "../runtime/refusal_counts.ts";
import type { RelayStats } from "../runtime/nat_traversal.ts";
import type { OverlayLinkKind, OverlayView } from "../peer/overlay_view.ts";
import { processMetrics } from "./metrics_server.ts";
import type { MetricFamily, Sample } from "./prometheus_text.ts";

/** What a peer's metrics are read from besides its stats; each source left out leaves its families out. */
export interface PeerMetricSources {
  /** Messages and bytes in and out by type. Default: not shown. */
  readonly counts?: MessageCounts | undefined;
  /** Failed handshakes and limit refusals. Default: not shown. */
  readonly refusals?: RefusalCounts | undefined;
  /**
   * The overlay, every member listed (`membersMax: Infinity`), for members by
   * state and links by kind. Default: not shown.
   */
  readonly overlay?: Pick<OverlayView, "members" | "links"> | undefined;
  /**
   * New chat the peer itself dropped by a limit (`PeerNode.limitDrops`), shown
   * with the refusals as limiters `author_rate` and `hold_back`. Default: not shown.
   */
  readonly limitDrops?: LimitDrops | undefined;
  /** What this node relayed for others (`--relay`). Default: not shown. */
  readonly relay?: RelayStats | undefined;
}

/** The `p2pchat_relay_*` families of a node that relays. */
function relayMetrics(relay: RelayStats | undefined): MetricFamily[] {
  if (relay === undefined) return [];
  return [
    counter("p2pchat_relay_links_total", "Relayed links carried for others.", relay.links),
    counter(
      "p2pchat_relay_bytes_total",
      "Bytes carried on relayed links, both ways (ciphertext the relay cannot read).",
      relay.bytes,
    ),
    gauge(
      "p2pchat_relay_reservations",
      "Peers holding a reservation here now.",
      relay.reservations,
    ),
    gauge("p2pchat_relay_open_links", "Relayed links carried or waiting now.", relay.open),
  ];
}

/** New chat a peer dropped by its own limits (see `PeerNode.limitDrops`). */
export interface LimitDrops {
  /** Over its author's rate (`authorMessagesPerSecondMax`, `authorBytesPerSecondMax`). */
  readonly authorRate: number;
  /** For a full hold-back queue, or a full share of it for its author. */
  readonly holdBack: number;
}

/** The limiters of a peer's own drops, after the shell's (`LIMITERS`), always present for a peer. */
export const PEER_LIMITERS = ["author_rate", "hold_back"] as const;

/** The member states `p2pchat_members` reports, each always present (the peer itself is not counted). */
export const MEMBER_STATES = ["alive", "suspect", "dead", "left"] as const;

/** The link kinds `p2pchat_links` reports, each with both directions, always present. */
export const LINK_KINDS: readonly OverlayLinkKind[] = [
  "eager",
  "lazy",
  "pending",
  "liveness",
  "bootstrap",
];

function byLabel(label: string, map: ReadonlyMap<string, number>): Sample[] {
  return [...map].sort(([a], [b]) => a.localeCompare(b)).map(([value, n]) => ({
    labels: { [label]: value },
    value: n,
  }));
}

/** Message and byte counts by type, in and out (peer and bootstrap alike). */
export function trafficMetrics(counts: MessageCounts): MetricFamily[] {
  return [
    {
      name: "p2pchat_messages_out_total",
      type: "counter",
      help: "Messages handed to connections, by message type.",
      samples: byLabel("type", counts.sent),
    },
    {
      name: "p2pchat_messages_in_total",
      type: "counter",
      help: "Messages received and decoded, by message type.",
      samples: byLabel("type", counts.received),
    },
    {
      name: "p2pchat_message_bytes_out_total",
      type: "counter",
      help:
        "Encoded bytes of the messages handed to connections (before framing and encryption), by message type.",
      samples: byLabel("type", counts.sentBytes),
    },
    {
      name: "p2pchat_message_bytes_in_total",
      type: "counter",
      help: "Decoded bytes of the messages received (after decryption), by message type.",
      samples: byLabel("type", counts.receivedBytes),
    },
    {
      name: "p2pchat_repair_chats_out_total",
      type: "counter",
      help: "Chat messages sent as repairs (answers to a have or want).",
      samples: [{ value: counts.repairsSent }],
    },
    {
      name: "p2pchat_repair_chats_in_total",
      type: "counter",
      help: "Chat messages received as repairs (answers to a have or want).",
      samples: [{ value: counts.repairsReceived }],
    },
  ];
}

/**
 * Failed handshakes by direction and reason, limit refusals by limiter (peer
 * and bootstrap alike), and a peer's own chat drops when `limitDrops` is given.
 */
export function refusalMetrics(refusals: RefusalCounts, limitDrops?: LimitDrops): MetricFamily[] {
  return [
    {
      name: "p2pchat_handshake_failures_total",
      type: "counter",
      help: "Handshakes that failed, by direction and reason.",
      samples: [...refusals.handshakeFailures].flatMap(([direction, byReason]) =>
        [...byReason].map(([reason, value]) => ({ labels: { direction, reason }, value }))
      ),
    },
    {
      name: "p2pchat_rate_limit_drops_total",
      type: "counter",
      help:
        "Connections refused or closed because they went over a limit (and, on a peer, chat it dropped by its own limits), by limiter.",
      samples: [
        ...[...refusals.limitRefusals].map(([limiter, value]) => ({
          labels: { limiter },
          value,
        })),
        ...(limitDrops === undefined ? [] : PEER_LIMITERS.map((limiter) => ({
          labels: { limiter },
          value: limiter === "author_rate" ? limitDrops.authorRate : limitDrops.holdBack,
        }))),
      ],
    },
  ];
}

/** Members by state and this peer's links by kind and direction, from its overlay view. */
export function overlayMetrics(overlay: Pick<OverlayView, "members" | "links">): MetricFamily[] {
  const members = new Map<string, number>(MEMBER_STATES.map((state) => [state, 0]));
  for (const member of overlay.members) {
    const n = members.get(member.state);
    if (n !== undefined) members.set(member.state, n + 1);
  }
  const links = new Map<string, number>();
  for (const kind of LINK_KINDS) {
    for (const direction of ["inbound", "outbound"]) links.set(`${kind} ${direction}`, 0);
  }
  for (const link of overlay.links) {
    const key = `${link.kind} ${link.outbound ? "outbound" : "inbound"}`;
    links.set(key, (links.get(key) ?? 0) + 1);
  }
  return [
    {
      name: "p2pchat_members",
      type: "gauge",
      help: "Other members this peer knows, by state.",
      samples: byLabel("state", members),
    },
    {
      name: "p2pchat_links",
      type: "gauge",
      help: "Open links of this peer, by kind and by who dialed.",
      samples: [...links].map(([key, value]) => {
        const [kind, direction] = key.split(" ") as [string, string];
        return { labels: { kind, direction }, value };
      }),
    },
  ];
}

function counter(name: string, help: string, value: number): MetricFamily {
  return { name, type: "counter", help, samples: [{ value }] };
}

function gauge(name: string, help: string, value: number): MetricFamily {
  return { name, type: "gauge", help, samples: [{ value }] };
}

/** The metric families of a peer, from its counters (names documented in README § Metrics). */
export function peerMetrics(stats: PeerStats, sources: PeerMetricSources = {}): MetricFamily[] {
  return [
    ...(sources.counts === undefined ? [] : trafficMetrics(sources.counts)),
    ...(sources.refusals === undefined ? [] : refusalMetrics(sources.refusals, sources.limitDrops)),
    ...(sources.overlay === undefined ? [] : overlayMetrics(sources.overlay)),
    ...relayMetrics(sources.relay),
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

/**
 * The metric families of a bootstrap: peers registered, messages by type
 * (`register` in, `peers` answers out), failed handshakes, limit refusals,
 * and the process's memory.
 */
export function bootstrapMetrics(
  bootstrap:
    & Pick<BootstrapService, "peers">
    & Partial<
      Pick<BootstrapService, "messageCounts" | "refusalCounts" | "peersServed" | "relayStats">
    >,
): MetricFamily[] {
  return [
    gauge(
      "p2pchat_bootstrap_registered_peers",
      "Peers currently registered with this bootstrap.",
      bootstrap.peers().length,
    ),
    ...(bootstrap.messageCounts === undefined ? [] : trafficMetrics(bootstrap.messageCounts())),
    ...(bootstrap.refusalCounts === undefined ? [] : refusalMetrics(bootstrap.refusalCounts())),
    ...relayMetrics(bootstrap.relayStats?.()),
    ...(bootstrap.peersServed === undefined ? [] : [
      counter(
        "p2pchat_bootstrap_peers_served_total",
        "Peer records handed out in peers answers.",
        bootstrap.peersServed(),
      ),
    ]),
    ...processMetrics(),
  ];
}
