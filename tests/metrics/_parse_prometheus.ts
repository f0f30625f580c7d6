/**
 * A small strict parser of Prometheus text (0.0.4), for tests: it checks
 * the format and the naming conventions, and returns the samples.
 *
 * @module
 */

/** A parsed sample. */
export interface ParsedSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** A parsed family. */
export interface ParsedFamily {
  readonly type: string;
  readonly help: string;
  readonly samples: ParsedSample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\[\\"n])*)"(,|$)/;

function unescape(text: string): string {
  return text.replace(/\\([\\"n])/g, (_, c) => (c === "n" ? "\n" : c));
}

/** Parses `text`; throws on any line the format or conventions forbid. */
export function parsePrometheus(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith("\n")) throw new Error("text must end with a line feed");
  const families = new Map<string, ParsedFamily>();
  let current: string | undefined;
  for (const line of text.slice(0, -1).split("\n")) {
    let match;
    if ((match = /^# HELP (\S+) (.*)$/.exec(line))) {
      current = match[1]!;
      if (families.has(current)) throw new Error(`duplicate family ${current}`);
      families.set(current, { type: "", help: match[2]!, samples: [] });
    } else if ((match = /^# TYPE (\S+) (counter|gauge)$/.exec(line))) {
      const family = families.get(match[1]!);
      if (family === undefined || match[1] !== current) {
        throw new Error(`TYPE without HELP: ${line}`);
      }
      families.set(match[1]!, { ...family, type: match[2]! });
    } else if ((match = SAMPLE.exec(line))) {
      const [, name, , labelText, valueText] = match;
      if (name !== current) throw new Error(`sample outside its family: ${line}`);
      const labels: Record<string, string> = {};
      let rest = labelText ?? "";
      while (rest.length > 0) {
        const label = LABEL.exec(rest);
        if (label === null) throw new Error(`bad labels: ${line}`);
        labels[label[1]!] = unescape(label[2]!);
        rest = rest.slice(label[0].length);
      }
      const value = Number(valueText!.replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
      if (Number.isNaN(value) && valueText !== "NaN") throw new Error(`bad value: ${line}`);
      families.get(name!)!.samples.push({ name: name!, labels, value });
    } else {
      throw new Error(`unparsable line: ${JSON.stringify(line)}`);
    }
  }
  for (const [name, family] of families) {
    if (!name.startsWith("p2pchat_")) throw new Error(`not p2pchat_…: ${name}`);
    if (family.type === "") throw new Error(`no TYPE for ${name}`);
    if ((family.type === "counter") !== name.endsWith("_total")) {
      throw new Error(`_total is for counters only: ${name}`);
    }
    if (/_(ms|milliseconds|kb|kilobytes|mb|bytes_total_bytes)$/.test(name)) {
      throw new Error(`not a base unit: ${name}`);
    }
  }
  return families;
}
