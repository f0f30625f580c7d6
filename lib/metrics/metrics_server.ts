/**
 * `--metrics HOST:PORT`: a small HTTP listener serving only `GET /metrics`.
 *
 * @module
 */

import { parseListenAddress } from "../runtime/listen.ts";
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
          // Host is checked against the names this listener is reached by (DNS rebinding guard).
          const allowedHosts = [hostPort, `localhost:${local.port}`];
          handler = metricsHandler({ collect, allowedHosts });
          resolve({ url: `http://${hostPort}/metrics`, stop: () => server.shutdown() });
        },
        onError: () => new Response("internal error\n", { status: 500 }),
      }, (request) => handler!(request));
    } catch (error) {
      reject(error);
    }
  });
}
