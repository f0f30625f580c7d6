/**
 * The HTTP side of `deno task sim:view`: serves the replay page, its
 * timeline and the broadcast waves with exactly the checks of `peer --web`
 * (per-run token, `Host` and `Origin`, strict CSP) — the same
 * {@linkcode handleWebRequest} answers, over a different set of files.
 *
 * @module
 */

import { handleWebRequest, type WebHandlerOptions } from "../../../lib/web/web_server.ts";
import { listenGuarded } from "../../../lib/web/guarded_listener.ts";
import { newWebToken } from "../../../lib/web/web_token.ts";
import type { ReplayTimeline } from "../../../lib/web/ui/replay_timeline.ts";
import { openTrace } from "../trace_reader.ts";
import { layoutNodes } from "./replay_layout.ts";
import { traceToTimeline } from "./trace_timeline.ts";

/** The page's static files: path → [content type, file in lib/web/assets]. */
const REPLAY_ASSETS: Readonly<Record<string, readonly [string, string]>> = {
  "/": ["text/html; charset=utf-8", "replay.html"],
  "/replay.js": ["text/javascript; charset=utf-8", "replay.js"],
  "/replay.css": ["text/css; charset=utf-8", "replay.css"],
};

const JSON_TYPE = "application/json";

/** A trace made ready to serve. */
export interface Replay {
  /** The timeline as the page gets it. */
  readonly timeline: ReplayTimeline;
  /** `timeline` as JSON text (what `/timeline.json` serves). */
  readonly timelineJson: string;
  /** Per broadcast: who delivered it when, as JSON text `[node, ms, …]` (`/wave/K`). */
  readonly waves: readonly string[];
  /** `timelineJson` gzipped once, for the (usual) page that accepts gzip. */
  readonly timelineGzip: Uint8Array<ArrayBuffer>;
}

/** Reads, converts and lays out the trace at `path` (gzip when it ends in `.gz`). */
export async function loadReplay(path: string): Promise<Replay> {
  const { header, events } = await openTrace(path);
  const { timeline, waves, linkWeights } = await traceToTimeline(header, events);
  const full: ReplayTimeline = {
    ...timeline,
    positions: layoutNodes(timeline.addrs.length, linkWeights),
  };
  const timelineJson = JSON.stringify(full);
  return {
    timeline: full,
    timelineJson,
    waves: waves.map((wave) => JSON.stringify(wave)),
    timelineGzip: await gzip(timelineJson),
  };
}

async function gzip(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const compressed = ReadableStream.from([new TextEncoder().encode(text)]).pipeThrough(
    new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
  return new Uint8Array(await new Response(compressed).arrayBuffer());
}

/**
 * Answers one request: {@linkcode handleWebRequest}'s checks and files, with
 * the timeline sent gzipped when the page accepts it (it is the one large answer).
 */
export function handleReplayRequest(
  request: Request,
  options: WebHandlerOptions & { timelineGzip: Uint8Array<ArrayBuffer> },
): Response {
  const response = handleWebRequest(request, options);
  const gzipOk = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
  if (response.status !== 200 || !gzipOk || new URL(request.url).pathname !== "/timeline.json") {
    return response;
  }
  response.body?.cancel();
  const headers = new Headers(response.headers);
  headers.set("content-encoding", "gzip");
  headers.set("vary", "accept-encoding");
  return new Response(request.method === "HEAD" ? null : options.timelineGzip, { headers });
}

/** The files the replay server answers with: the page's, the timeline and each wave. */
export async function replayFiles(replay: Replay): Promise<Map<string, readonly [string, string]>> {
  const files = new Map<string, readonly [string, string]>();
  for (const [path, [type, file]] of Object.entries(REPLAY_ASSETS)) {
    const url = new URL(`../../../lib/web/assets/${file}`, import.meta.url);
    files.set(path, [type, await Deno.readTextFile(url)]);
  }
  files.set("/timeline.json", [JSON_TYPE, replay.timelineJson]);
  replay.waves.forEach((wave, k) => files.set(`/wave/${k}`, [JSON_TYPE, wave]));
  return files;
}

/** Options of {@linkcode startReplayServer}. */
export interface ReplayServerOptions {
  /** Address to bind. Default `127.0.0.1`. */
  hostname?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Accept any `Host` (a non-loopback bind, where the token alone protects). Default false. */
  anyHost?: boolean;
  /** Token. Default: a fresh {@linkcode newWebToken}. */
  token?: string;
}

/** A running replay server. */
export interface ReplayServer {
  /** The URL to open, token included. */
  readonly url: string;
  /** Closes the listener. */
  stop(): Promise<void>;
}

/** Serves `replay` until stopped. */
export async function startReplayServer(
  replay: Replay,
  options: ReplayServerOptions = {},
): Promise<ReplayServer> {
  const token = options.token ?? newWebToken();
  const assets = await replayFiles(replay);
  const listener = await listenGuarded(
    options,
    token,
    (request, hosts) =>
      handleReplayRequest(request, { token, hosts, assets, timelineGzip: replay.timelineGzip }),
  );
  return { url: listener.url, stop: () => listener.shutdown() };
}
