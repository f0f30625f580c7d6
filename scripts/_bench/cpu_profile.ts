/**
 * Summarises a V8 CPU profile (`deno run --cpu-prof`, a `.cpuprofile` file):
 * self time per function, optionally within a time window.
 *
 * @module
 */

/** The parts of a `.cpuprofile` this module reads. */
export interface CpuProfile {
  /** Call-tree nodes. */
  nodes: readonly {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  /** When profiling started, µs (the profiler's clock). */
  startTime: number;
  /** When it ended, µs. */
  endTime: number;
  /** The node on top of the stack at each sample. */
  samples: readonly number[];
  /** µs from the previous sample (the first: from `startTime`). */
  timeDeltas: readonly number[];
}

/** Self time of one function. */
export interface SelfTime {
  /** `name url:line` (line 1-based), or the V8 pseudo-name like `(garbage collector)`. */
  readonly function: string;
  /** Milliseconds on top of the stack. */
  readonly selfMs: number;
  /** Share of the busy (non-idle) time in the window, 0–100. */
  readonly percent: number;
}

/** What {@linkcode summarizeCpuProfile} returns. */
export interface CpuProfileSummary {
  /** Milliseconds covered. */
  readonly windowMs: number;
  /** Of those, milliseconds in `(idle)`. */
  readonly idleMs: number;
  /** The functions with the most self time, most first. */
  readonly top: SelfTime[];
}

/** Options of {@linkcode summarizeCpuProfile}. */
export interface SummarizeOptions {
  /** Window start, ms after the profile's start. Default 0. */
  fromMs?: number;
  /** Window end, ms after the profile's start. Default: its end. */
  toMs?: number;
  /** How many functions to list. Default 15. */
  limit?: number;
  /** Shortens URLs: this prefix is removed. Default none. */
  stripUrlPrefix?: string;
}

/**
 * Self time per function. Each sample is charged the time until the next
 * sample (the last one: until `endTime`), as Chrome DevTools does.
 */
export function summarizeCpuProfile(
  profile: CpuProfile,
  options: SummarizeOptions = {},
): CpuProfileSummary {
  const fromUs = profile.startTime + (options.fromMs ?? 0) * 1000;
  const toUs = options.toMs === undefined
    ? profile.endTime
    : profile.startTime + options.toMs * 1000;
  const label = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName === "" ? "(anonymous)" : functionName;
    const where = url === "" ? "" : ` ${shorten(url, options.stripUrlPrefix)}:${lineNumber + 1}`;
    label.set(node.id, name.startsWith("(") && url === "" ? name : `${name}${where}`);
  }
  const selfUs = new Map<string, number>();
  let at = profile.startTime;
  const times: number[] = [];
  for (const delta of profile.timeDeltas) times.push(at += delta);
  let windowUs = 0;
  let idleUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const t = times[i]!;
    const next = i + 1 < times.length ? times[i + 1]! : profile.endTime;
    const start = Math.max(t, fromUs);
    const stop = Math.min(next, toUs);
    if (stop <= start) continue;
    const name = label.get(profile.samples[i]!) ?? "(unknown)";
    const us = stop - start;
    windowUs += us;
    if (name === "(idle)") idleUs += us;
    else selfUs.set(name, (selfUs.get(name) ?? 0) + us);
  }
  const busyUs = windowUs - idleUs;
  const top = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, options.limit ?? 15)
    .map(([name, us]) => ({
      function: name,
      selfMs: round(us / 1000),
      percent: busyUs > 0 ? round((100 * us) / busyUs) : 0,
    }));
  return { windowMs: round(windowUs / 1000), idleMs: round(idleUs / 1000), top };
}

function shorten(url: string, prefix: string | undefined): string {
  if (prefix !== undefined && url.startsWith(prefix)) return url.slice(prefix.length);
  const npm = /\/(?:node_modules|registry\.npmjs\.org)\/(.+)$/.exec(url);
  return npm === null ? url : `npm:${npm[1]}`;
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
