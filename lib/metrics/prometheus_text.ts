/**
 * The Prometheus text exposition format, version 0.0.4: a pure formatter.
 *
 * @module
 */

/** The `Content-Type` a scrape answer carries. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One value of a metric, with its labels (bounded sets only: never peer ids). */
export interface Sample {
  /** Label names to values; names must match `[a-zA-Z_][a-zA-Z0-9_]*`. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The value; non-finite values are written as `NaN`, `+Inf`, `-Inf`. */
  readonly value: number;
}

/** A metric family: one HELP and one TYPE line, then its samples. */
export interface MetricFamily {
  /** `p2pchat_…`; counters end in `_total`. */
  readonly name: string;
  /** Counters only go up; gauges go both ways. */
  readonly type: "counter" | "gauge";
  /** One line saying what it measures. */
  readonly help: string;
  /** Its values (none: only HELP and TYPE are written). */
  readonly samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Escapes a HELP text: backslash and line feed. */
export function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabelValue(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll(
    "\n",
    "\\n",
  );
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * Writes metric families as Prometheus text (0.0.4), each line ending in `\n`.
 *
 * @throws {RangeError} on a metric or label name the format forbids, or a counter not named `…_total`.
 */
export function metricsText(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) {
      throw new RangeError(`bad metric name: ${JSON.stringify(family.name)}`);
    }
    if (family.type === "counter" && !family.name.endsWith("_total")) {
      throw new RangeError(`counter not named …_total: ${family.name}`);
    }
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {});
      for (const [name] of labels) {
        if (!LABEL_NAME.test(name) || name.startsWith("__")) {
          throw new RangeError(`bad label name: ${JSON.stringify(name)}`);
        }
      }
      const labelText = labels.length === 0
        ? ""
        : `{${
          labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
            .join(",")
        }}`;
      lines.push(`${family.name}${labelText} ${formatValue(sample.value)}`);
    }
  }
  return lines.map((line) => line + "\n").join("");
}
