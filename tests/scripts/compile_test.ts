import assert from "node:assert/strict";
import { COMPILE_PERMISSIONS, compileArgs } from "../../scripts/compile.ts";

Deno.test("compileArgs() builds dist/p2pchat from main.ts with named permissions, not -A", () => {
  const args = compileArgs([]);
  assert.deepEqual(args.slice(0, 1), ["compile"]);
  assert.ok(args.includes("--output") && args.includes("dist/p2pchat"));
  assert.equal(args.at(-1), "main.ts");
  assert.ok(!args.includes("-A") && !args.includes("--allow-all"));
  for (const permission of COMPILE_PERMISSIONS) assert.ok(args.includes(permission));
  // The --web page is read at run time, so it must be embedded explicitly.
  assert.equal(args[args.indexOf("--include") + 1], "lib/web/assets");
});

Deno.test("compileArgs() lets the user choose the output and target", () => {
  const args = compileArgs(["--output", "/tmp/x", "--target", "x86_64-apple-darwin"]);
  assert.equal(args.filter((a) => a === "--output").length, 1);
  assert.ok(args.includes("x86_64-apple-darwin"));
});

Deno.test({
  name: "deno task compile embeds the program into the runtime named by DENORT_BIN",
  // The real denort cannot be downloaded here; the deno binary stands in for it,
  // which proves the module graph compiles and the payload is appended.
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const output = `${dir}/p2pchat`;
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-run",
          "--allow-env",
          "--allow-read",
          "--allow-write",
          "scripts/compile.ts",
          "--output",
          output,
        ],
        env: { DENORT_BIN: Deno.execPath() },
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.equal(code, 0, new TextDecoder().decode(stderr));
      const runtimeBytes = (await Deno.stat(Deno.execPath())).size;
      const binaryBytes = (await Deno.stat(output)).size;
      assert.ok(
        binaryBytes > runtimeBytes,
        `binary ${binaryBytes} B is not larger than the runtime ${runtimeBytes} B`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
