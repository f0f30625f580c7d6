/**
 * Reads a `p2pchat-sim-trace/1` file (see docs/sim-trace.md) back as typed
 * events, streaming: a line at a time, gunzipped when the name ends in `.gz`.
 *
 * @module
 */

import { TRACE_FORMAT, type TraceHeader } from "./trace_writer.ts";

/** The header of a trace, as read. */
export interface TraceHeaderLine extends TraceHeader {
  format: typeof TRACE_FORMAT;
  step_ms: number;
}

/** One event of a trace, with the start of its time step (ms). */
export type TraceEvent =
  | { t: number; kind: "node"; node: number; addr: string; id: string; role: "peer" | "bootstrap" }
  | { t: number; kind: "crash"; node: number; reset: boolean }
  | { t: number; kind: "stall"; node: number; untilMs: number }
  | { t: number; kind: "block"; from: number; to: number }
  | { t: number; kind: "partition"; groups: number[][] }
  | { t: number; kind: "heal" }
  | { t: number; kind: "pub"; node: number; seq: number }
  | { t: number; kind: "deliver"; node: number; author: number; seq: number }
  | { t: number; kind: "skip"; node: number; author: number; seq: number }
  | { t: number; kind: "alive"; node: number; peer: number }
  | { t: number; kind: "dead"; node: number; peer: number; cause: string }
  | { t: number; kind: "prune"; from: number; to: number; authors: number[] }
  | { t: number; kind: "up"; node: number; peers: number[] }
  | { t: number; kind: "down"; node: number; peers: number[] }
  | { t: number; kind: "held"; node: number; count: number }
  | { t: number; kind: "tx"; sent: Record<string, number> }
  | { t: number; kind: "end" };

/** A malformed trace: names the line. */
export class TraceFormatError extends Error {}

/** Reads the trace at `path` (gzip when it ends in `.gz`): its header, then its events. */
export async function openTrace(
  path: string,
): Promise<{ header: TraceHeaderLine; events: AsyncGenerator<TraceEvent> }> {
  const file = await Deno.open(path, { read: true });
  let bytes: ReadableStream<Uint8Array> = file.readable;
  if (path.endsWith(".gz")) {
    bytes = bytes.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  }
  return readTrace(bytes);
}

/** Reads a trace from a byte stream: its header, then its events. */
export async function readTrace(
  bytes: ReadableStream<Uint8Array>,
): Promise<{ header: TraceHeaderLine; events: AsyncGenerator<TraceEvent> }> {
  const lines = splitLines(bytes.pipeThrough(new TextDecoderStream()));
  const first = await lines.next();
  if (first.done || first.value.trim() === "") {
    throw new TraceFormatError("Empty trace: no header line");
  }
  let header: TraceHeaderLine;
  try {
    header = JSON.parse(first.value);
  } catch {
    throw new TraceFormatError("Trace line 1: not JSON");
  }
  if (header?.format !== TRACE_FORMAT) {
    throw new TraceFormatError(
      `Trace line 1: format ${JSON.stringify(header?.format)}, expected ${TRACE_FORMAT}`,
    );
  }
  return { header, events: events(lines) };
}

async function* events(lines: AsyncGenerator<string>): AsyncGenerator<TraceEvent> {
  let t = 0;
  let n = 1;
  for await (const line of lines) {
    n++;
    if (line === "") continue;
    let a: unknown[];
    try {
      a = JSON.parse(line);
    } catch {
      throw new TraceFormatError(`Trace line ${n}: not JSON`);
    }
    if (!Array.isArray(a)) throw new TraceFormatError(`Trace line ${n}: not an array`);
    const event = decode(a, t);
    if (event === "t") {
      t = a[1] as number;
      continue;
    }
    if (event === undefined) {
      throw new TraceFormatError(`Trace line ${n}: unknown event ${JSON.stringify(a[0])}`);
    }
    yield event;
  }
}

// deno-lint-ignore no-explicit-any -- positional fields, checked by kind
function decode(a: any[], t: number): TraceEvent | "t" | undefined {
  switch (a[0]) {
    case "t":
      return "t";
    case "node":
      return { t, kind: "node", node: a[1], addr: a[2], id: a[3], role: a[4] };
    case "crash":
      return { t, kind: "crash", node: a[1], reset: a[2] === 1 };
    case "stall":
      return { t, kind: "stall", node: a[1], untilMs: a[2] };
    case "block":
      return { t, kind: "block", from: a[1], to: a[2] };
    case "partition":
      return { t, kind: "partition", groups: a[1] };
    case "heal":
      return { t, kind: "heal" };
    case "pub":
      return { t, kind: "pub", node: a[1], seq: a[2] };
    case "d":
      return { t, kind: "deliver", node: a[1], author: a[2], seq: a[3] };
    case "skip":
      return { t, kind: "skip", node: a[1], author: a[2], seq: a[3] };
    case "alive":
      return { t, kind: "alive", node: a[1], peer: a[2] };
    case "dead":
      return { t, kind: "dead", node: a[1], peer: a[2], cause: a[3] };
    case "prune":
      return { t, kind: "prune", from: a[1], to: a[2], authors: a[3] };
    case "up":
      return { t, kind: "up", node: a[1], peers: a[2] };
    case "down":
      return { t, kind: "down", node: a[1], peers: a[2] };
    case "held":
      return { t, kind: "held", node: a[1], count: a[2] };
    case "tx":
      return { t, kind: "tx", sent: a[1] };
    case "end":
      return { t: a[1], kind: "end" };
    default:
      return undefined;
  }
}

async function* splitLines(text: ReadableStream<string>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of text) {
    rest += chunk;
    let at: number;
    while ((at = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, at);
      rest = rest.slice(at + 1);
    }
  }
  if (rest !== "") yield rest;
}
