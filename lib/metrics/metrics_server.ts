/**
 * `--metrics HOST:PORT`: a small HTTP listener serving only `GET /metrics`.
 *
 * @module
 */

import { isLoopbackHost } from "../cli/parse_cli.ts";
import { parseListenAddress } from "../runtime/listen.ts";
import { EventLoopLagMeter } from "./event_loop_lag.ts";
import { metricsHandler } from "./metrics_handler.ts";
import type { MetricFamily } from "./prometheus_text.ts";

/** A running metrics listener. */
export interface MetricsServer {
  /** The scrape URL, with the port actually bound. */
  readonly url: string;
  /** Stops listening. */
  stop(): Promise<void>;
}

/** The metrics of the process itself: resident memory and heap. */
export function processMetrics(): MetricFamily[] {
  const memory = Deno.memoryUsage();
  return [
    {
      name: "p2pchat_process_resident_memory_bytes",
      type: "gauge",
      help: "Resident memory of the process.",
      samples: [{ value: memory.rss }],
    },
    {
      name: "p2pchat_process_heap_used_bytes",
      type: "gauge",
      help: "JavaScript heap in use.",
      samples: [{ value: memory.heapUsed }],
    },
  ];
}

/** The event-loop lag gauges, from `meter`. */
export function lagMetrics(meter: EventLoopLagMeter): MetricFamily[] {
  return [
    {
      name: "p2pchat_event_loop_lag_seconds",
      type: "gauge",
      help: "How late the latest event-loop timer sample fired.",
      samples: [{ value: meter.lastSeconds }],
    },
    {
      name: "p2pchat_event_loop_lag_max_seconds",
      type: "gauge",
      help: "The largest event-loop lag sampled since start.",
      samples: [{ value: meter.maxSeconds }],
    },
  ];
}

/** A collector and the sampling behind it; `stop()` ends the sampling. */
export interface MetricsSource {
  /** The metric families now. */
  collect(): MetricFamily[];
  /** Stops the event-loop lag sampling timer. */
  stop(): void;
}

/**
 * `collect` with the process's event-loop lag gauges added. One per process:
 * every listener that serves the node's metrics (`--metrics`, the web UI's
 * `/metrics`) reads the same meter.
 */
export function withEventLoopLag(collect: () => MetricFamily[]): MetricsSource {
  const meter = new EventLoopLagMeter();
  return { collect: () => [...collect(), ...lagMetrics(meter)], stop: () => meter.stop() };
}

/** Listens on `address` (`host:port`, port 0 for a free one) and serves `collect()` at `/metrics`. */
export function serveMetrics(
  address: string,
  collect: () => MetricFamily[],
): Promise<MetricsServer> {
  const { hostname, port } = parseListenAddress(address);
  return new Promise((resolve, reject) => {
    let handler: ((request: Request) => Response) | undefined;
    try {
      const server = Deno.serve({
        hostname,
        port,
        onListen: (local) => {
          const host = hostname.includes(":") ? `[${hostname}]` : hostname;
          const hostPort = `${host}:${local.port}`;
          // On loopback, Host must name this listener (DNS rebinding guard); a public address
          // (allowed only with --metrics-public) is reached under names it cannot know, as --web-public.
          handler = metricsHandler({
            collect,
            ...(isLoopbackHost(hostname)
              ? { allowedHosts: [hostPort, `localhost:${local.port}`] }
              : {}),
          });
          resolve({
            url: `http://${hostPort}/metrics`,
            stop: () => server.shutdown(),
          });
        },
        onError: () => new Response("internal error\n", { status: 500 }),
      }, (request) => handler!(request));
    } catch (error) {
      reject(error);
    }
  });
}
