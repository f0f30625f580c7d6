import assert from "node:assert/strict";
import { parseClusterArgs } from "../../scripts/_bench/cluster_args.ts";

Deno.test("parseClusterArgs() defaults follow the workload: N=10, M=500 at 100/s, 100 B, 10 s", () => {
  const options = parseClusterArgs([]);
  assert.equal(options.nodes, 10);
  assert.equal(options.messages, 500);
  assert.equal(options.rateMsgsS, 100);
  assert.equal(options.payloadBytes, 100);
  assert.equal(options.throughputSeconds, 10);
  assert.equal(options.window, 1000);
  assert.equal(options.runs, 1);
  assert.equal(options.encryption, "off");
  assert.equal(options.cpuProfDir, undefined);
  assert.equal(options.repo, undefined);
  assert.equal(options.drainSeconds, 30);
  assert.equal(options.drainMaxSeconds, 120);
  assert.equal(options.v8Flags, undefined);
  assert.equal(options.help, false);
});

Deno.test("parseClusterArgs() reads every option", () => {
  const options = parseClusterArgs([
    "--nodes=25",
    "--messages",
    "1000",
    "--rate",
    "50.5",
    "--payload",
    "200",
    "--throughput-seconds",
    "0",
    "--window",
    "64",
    "--runs",
    "3",
    "--encryption",
    "on",
    "--idle-seconds",
    "2",
    "--drain-seconds",
    "1.5",
    "--drain-max-seconds",
    "30",
    "--v8-flags=--max-semi-space-size=2",
    "--join-timeout-seconds",
    "30",
    "--poll-ms",
    "50",
    "--cpu-prof",
    "/tmp/prof",
    "--repo",
    "/tmp/base",
  ]);
  assert.deepEqual(options, {
    nodes: 25,
    messages: 1000,
    rateMsgsS: 50.5,
    payloadBytes: 200,
    throughputSeconds: 0,
    window: 64,
    runs: 3,
    encryption: "on",
    idleSeconds: 2,
    drainSeconds: 1.5,
    drainMaxSeconds: 30,
    v8Flags: "--max-semi-space-size=2",
    joinTimeoutSeconds: 30,
    pollMs: 50,
    cpuProfDir: "/tmp/prof",
    repo: "/tmp/base",
    webPages: 0,
    peerV8Flags: undefined,
    deliveriesOut: undefined,
    help: false,
  });
});

Deno.test("parseClusterArgs() rejects unknown options and positionals with a TypeError", () => {
  assert.throws(() => parseClusterArgs(["--node", "3"]), TypeError);
  assert.throws(() => parseClusterArgs(["extra"]), TypeError);
  assert.throws(() => parseClusterArgs(["--nodes"]), TypeError);
});

Deno.test("parseClusterArgs() rejects values out of range or not numbers with a RangeError", () => {
  assert.throws(() => parseClusterArgs(["--nodes", "1"]), /--nodes: 1 is not in \[2, 500\]/);
  assert.throws(() => parseClusterArgs(["--nodes", "2.5"]), /not a whole number/);
  assert.throws(() => parseClusterArgs(["--rate", "fast"]), /--rate: 'fast' is not a number/);
  assert.throws(() => parseClusterArgs(["--rate=-1"]), RangeError);
  assert.throws(() => parseClusterArgs(["--rate", "0"]), RangeError);
  assert.throws(() => parseClusterArgs(["--payload", "5000"]), RangeError);
  assert.throws(() => parseClusterArgs(["--encryption", "yes"]), /expected on or off/);
  assert.throws(
    () => parseClusterArgs(["--nodes", "3", "--web-pages", "4"]),
    /--web-pages: 4 is more than --nodes 3/,
  );
  assert.equal(parseClusterArgs(["--nodes", "3", "--web-pages", "3"]).webPages, 3);
});

Deno.test("parseClusterArgs() takes -h and --help", () => {
  assert.equal(parseClusterArgs(["-h"]).help, true);
  assert.equal(parseClusterArgs(["--help"]).help, true);
});

Deno.test("parseClusterArgs() reads --peer-v8-flags and --deliveries-out (default: none)", () => {
  const defaults = parseClusterArgs([]);
  assert.equal(defaults.peerV8Flags, undefined);
  assert.equal(defaults.deliveriesOut, undefined);
  const options = parseClusterArgs([
    "--peer-v8-flags=--trace-gc",
    "--deliveries-out",
    "/tmp/deliveries.tsv",
  ]);
  assert.equal(options.peerV8Flags, "--trace-gc");
  assert.equal(options.deliveriesOut, "/tmp/deliveries.tsv");
});
