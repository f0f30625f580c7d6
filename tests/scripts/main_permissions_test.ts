import assert from "node:assert/strict";
import { MAIN_PERMISSIONS } from "../../scripts/main_permissions.ts";

Deno.test("MAIN_PERMISSIONS are exactly what deno.json's peer and bootstrap tasks give main.ts", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  for (const task of ["peer", "bootstrap"]) {
    const flags = (config.tasks[task] as string).split(/\s+/).filter((f) =>
      f.startsWith("--allow-")
    );
    assert.deepEqual(flags, [...MAIN_PERMISSIONS], task);
  }
});
