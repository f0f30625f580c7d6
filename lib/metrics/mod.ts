/**
 * `/metrics`: the Prometheus text format (0.0.4), what a peer and a bootstrap
 * expose, the `(request) => Response` handler a web listener can mount, and
 * the `--metrics HOST:PORT` listener with its event-loop lag meter.
 *
 * @module
 */

export {
  escapeHelp,
  escapeLabelValue,
  type MetricFamily,
  metricsText,
  PROMETHEUS_CONTENT_TYPE,
  type Sample,
} from "./prometheus_text.ts";
export { metricsHandler, type MetricsHandlerOptions } from "./metrics_handler.ts";
export {
  bootstrapMetrics,
  type LimitDrops,
  LINK_KINDS,
  MEMBER_STATES,
  overlayMetrics,
  PEER_LIMITERS,
  peerMetrics,
  type PeerMetricSources,
  refusalMetrics,
  trafficMetrics,
} from "./peer_metrics.ts";
export {
  lagMetrics,
  type MetricsServer,
  type MetricsSource,
  processMetrics,
  serveMetrics,
  withEventLoopLag,
} from "./metrics_server.ts";
export {
  EVENT_LOOP_LAG_INTERVAL_MS,
  EventLoopLagMeter,
  type LagMeterPorts,
} from "./event_loop_lag.ts";
