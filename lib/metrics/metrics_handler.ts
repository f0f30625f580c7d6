/**
 * The HTTP side of `/metrics`: a `(request) => Response` handler any listener can mount.
 *
 * @module
 */

import { type MetricFamily, metricsText, PROMETHEUS_CONTENT_TYPE } from "./prometheus_text.ts";

/** Options of {@linkcode metricsHandler}. */
export interface MetricsHandlerOptions {
  /** Reads the metrics now (called once per scrape). */
  readonly collect: () => MetricFamily[];
  /**
   * `Host` header values accepted (DNS rebinding guard), e.g. `127.0.0.1:9100`, `localhost:9100`.
   * None: any `Host` is accepted.
   */
  readonly allowedHosts?: readonly string[];
}

/**
 * Answers `GET /metrics` (and `HEAD`) with Prometheus text; 404 for other paths,
 * 405 for other methods, 403 (as the web UI) when `Host` is not one of `allowedHosts`.
 */
export function metricsHandler(
  options: MetricsHandlerOptions,
): (request: Request) => Response {
  const allowed = options.allowedHosts === undefined
    ? undefined
    : new Set(options.allowedHosts.map((host) => host.toLowerCase()));
  return (request) => {
    const host = (request.headers.get("host") ?? "").toLowerCase();
    if (allowed !== undefined && !allowed.has(host)) {
      return new Response("unknown Host\n", { status: 403 });
    }
    if (new URL(request.url).pathname !== "/metrics") {
      return new Response("not found\n", { status: 404 });
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed\n", {
        status: 405,
        headers: { allow: "GET, HEAD" },
      });
    }
    const body = metricsText(options.collect());
    return new Response(request.method === "HEAD" ? null : body, {
      headers: {
        "content-type": PROMETHEUS_CONTENT_TYPE,
        "cache-control": "no-store",
      },
    });
  };
}
