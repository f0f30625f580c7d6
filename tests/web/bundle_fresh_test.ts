import assert, { equal } from "node:assert/strict";
import { assetNameOf, bundleEntries } from "../../scripts/build_web.ts";

Deno.test("web:build — every lib/web/ui/*.main.ts has a committed, up-to-date bundle", async () => {
  const entries = await bundleEntries();
  assert(entries.length > 0, "no lib/web/ui/*.main.ts entries");
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../scripts/build_web.ts", import.meta.url).pathname, "--check"],
    stdout: "null",
    stderr: "piped",
  }).output();
  equal(code, 0, new TextDecoder().decode(stderr));
});

Deno.test("web:build — an entry's bundle is named after it", () => {
  equal(assetNameOf("network.main.ts"), "network.js");
});
