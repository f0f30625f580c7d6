// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * `deno task sim:view FILE`: replays a simulation trace (`deno task sim …
 * --trace FILE`) in the browser. Reads the trace once, serves the replay page
 * on loopback behind a per-run token and prints the URL; runs until Ctrl-C.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { isLoopbackHost } from "../lib/cli/parse_cli.ts";
import { parseListenAddress } from "../lib/runtime/listen.ts";
import { loadReplay, startReplayServer } from "../testing/sim/viewer/replay_server.ts";
import {
  REPLAY_NODES_MAX,
  REPLAY_OPS_MAX,
  REPLAY_TX_BUCKETS_MAX,
} from "../testing/sim/viewer/trace_timeline.ts";
import { LAYOUT_LINKS_MAX } from "../testing/sim/viewer/replay_layout.ts";

const USAGE = `Usage: deno task sim:view FILE [--listen HOST:PORT] [--public]

Replays a simulation trace in the browser. FILE is a trace written by
  deno task sim --scenario chaos --nodes 200 --seed 2 --trace FILE
(format p2pchat-sim-trace/1, gzip when FILE ends in .gz; see docs/sim-trace.md).
Prints the URL to open (it carries a per-run token) and serves until Ctrl-C.

  --listen HOST:PORT   where to serve (default 127.0.0.1:0, a free port)
  --public             allow a non-loopback --listen (plain HTTP; anyone with the URL sees the run)

Limits: at most ${REPLAY_NODES_MAX} nodes and ${REPLAY_OPS_MAX} state changes per trace; the
layout uses the ${LAYOUT_LINKS_MAX} longest-lived links; the traffic chart has at most
${REPLAY_TX_BUCKETS_MAX} time buckets. The page draws at most a fixed number of links at once and
says so when it samples.`;

function fail(message: string): never {
  console.error(`sim:view: ${message}`);
  Deno.exit(2);
}

if (import.meta.main) {
  let parsed;
  try {
    parsed = parseArgs({
      args: Deno.args,
      options: {
        listen: { type: "string" },
        public: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    fail(`${(error as Error).message.split("\n")[0]} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  if (positionals.length !== 1) fail("expected one trace FILE (see --help)");
  const file = positionals[0]!;
  let listen: { hostname: string; port: number };
  try {
    listen = parseListenAddress(values.listen ?? "127.0.0.1:0");
  } catch (error) {
    fail(`invalid --listen: ${(error as Error).message}`);
  }
  if (!values.public && !isLoopbackHost(listen.hostname)) {
    fail(`invalid --listen ${values.listen}: not a loopback address; add --public to serve it`);
  }
  const started = performance.now();
  let replay;
  try {
    replay = await loadReplay(file);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "no such file"
      : (error as Error).message.split("\n")[0];
    fail(`cannot read trace ${file}: ${why}`);
  }
  const t = replay.timeline;
  console.error(
    `sim:view: ${t.scenario}, ${t.addrs.length} nodes, ${t.endMs / 1000} s simulated, ` +
      `${t.ops.length / 3} state changes, ${t.pubs.length / 4} broadcasts; ` +
      `timeline ${replay.timelineJson.length} bytes; ready in ${
        ((performance.now() - started) / 1000).toFixed(1)
      } s`,
  );
  let server;
  try {
    server = await startReplayServer(replay, { ...listen, anyHost: values.public });
  } catch (error) {
    fail(`cannot listen on ${values.listen}: ${(error as Error).message}`);
  }
  console.log(server.url);
  Deno.addSignalListener("SIGINT", () => {
    server.stop().finally(() => Deno.exit(0));
  });
}
