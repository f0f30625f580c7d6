import assert from "node:assert/strict";
import {
  NODE_SEMI_SPACE_MIB_MAX,
  NODE_V8_FLAGS,
  peerTaskV8Flags,
} from "../../scripts/node_v8_flags.ts";
import { compileArgs } from "../../scripts/compile.ts";

const denoJson = await Deno.readTextFile(new URL("../../deno.json", import.meta.url));

Deno.test("NODE_V8_FLAGS caps the young generation's semi-space at NODE_SEMI_SPACE_MIB_MAX", () => {
  assert.equal(NODE_SEMI_SPACE_MIB_MAX, 1);
  assert.equal(NODE_V8_FLAGS, "--max-semi-space-size=1");
});

Deno.test("deno task peer, deno task bootstrap and deno task compile run nodes with NODE_V8_FLAGS", () => {
  const tasks = (JSON.parse(denoJson) as { tasks: Record<string, string> }).tasks;
  for (const name of ["peer", "bootstrap"]) {
    assert.match(tasks[name]!, new RegExp(`^deno run --v8-flags=${NODE_V8_FLAGS} `), name);
  }
  assert.equal(peerTaskV8Flags(denoJson), NODE_V8_FLAGS);
  assert.ok(compileArgs([]).includes(`--v8-flags=${NODE_V8_FLAGS}`));
});

Deno.test("peerTaskV8Flags() reads --v8-flags= of the peer task, or undefined", () => {
  const config = (peer: unknown) => JSON.stringify({ tasks: { peer } });
  assert.equal(peerTaskV8Flags(config("deno run --v8-flags=--a,--b main.ts peer")), "--a,--b");
  assert.equal(
    peerTaskV8Flags(config({ command: "deno run --v8-flags=--x main.ts peer" })),
    "--x",
  );
  assert.equal(peerTaskV8Flags(config("deno run --allow-net main.ts peer")), undefined);
  assert.equal(peerTaskV8Flags("{}"), undefined);
  assert.throws(() => peerTaskV8Flags("not json"), SyntaxError);
});
