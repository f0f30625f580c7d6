import assert from "node:assert/strict";
import { type CpuProfile, summarizeCpuProfile } from "../../scripts/_bench/cpu_profile.ts";

function frame(functionName: string, url = "", lineNumber = -1) {
  return { functionName, url, lineNumber };
}

/** Samples every 1 ms: 3 × decode, 1 × idle, 2 × gc, 4 × encode (10 ms). */
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)") },
    { id: 2, callFrame: frame("(idle)") },
    { id: 3, callFrame: frame("decode", "file:///repo/lib/wire/codec.ts", 9) },
    { id: 4, callFrame: frame("(garbage collector)") },
    {
      id: 5,
      callFrame: frame(
        "encode",
        "file:///root/.cache/deno/npm/registry.npmjs.org/@msgpack/msgpack/3.1.3/dist.cjs/Encoder.cjs",
        79,
      ),
    },
  ],
  startTime: 1_000_000,
  endTime: 1_010_000,
  samples: [3, 3, 3, 2, 4, 4, 5, 5, 5, 5],
  timeDeltas: [0, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
};

Deno.test("summarizeCpuProfile() charges each sample the time to the next, busy time is 100 %", () => {
  const summary = summarizeCpuProfile(PROFILE, { stripUrlPrefix: "file:///repo/" });
  assert.equal(summary.windowMs, 10);
  assert.equal(summary.idleMs, 1);
  assert.deepEqual(summary.top, [
    {
      function: "encode npm:@msgpack/msgpack/3.1.3/dist.cjs/Encoder.cjs:80",
      selfMs: 4,
      percent: 44.4,
    },
    { function: "decode lib/wire/codec.ts:10", selfMs: 3, percent: 33.3 },
    { function: "(garbage collector)", selfMs: 2, percent: 22.2 },
  ]);
});

Deno.test("summarizeCpuProfile() counts only the window, cutting samples at its edges", () => {
  const summary = summarizeCpuProfile(PROFILE, { fromMs: 2.5, toMs: 6.5, limit: 2 });
  assert.equal(summary.windowMs, 4);
  assert.equal(summary.idleMs, 1);
  assert.deepEqual(summary.top.map((t) => [t.function, t.selfMs]), [
    ["(garbage collector)", 2],
    ["decode file:///repo/lib/wire/codec.ts:10", 0.5],
  ]);
});
