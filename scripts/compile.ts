// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * `deno task compile`: builds one self-contained `p2pchat` binary in `dist/`.
 *
 * `deno compile` downloads the matching `denort` runtime unless `DENORT_BIN`
 * names one already on disk; without network access, set `DENORT_BIN`.
 * Extra arguments (e.g. `--target x86_64-apple-darwin`, `--output PATH`) are
 * passed to `deno compile`.
 *
 * @module
 */

import { MAIN_PERMISSIONS } from "./main_permissions.ts";
import { NODE_V8_FLAGS } from "./node_v8_flags.ts";

/** Permissions the binary is compiled with: what `peer` and `bootstrap` need, no more. */
export const COMPILE_PERMISSIONS: readonly string[] = MAIN_PERMISSIONS;

/** Files read at run time rather than imported, embedded into the binary: the `--web` page. */
export const COMPILE_INCLUDES = ["--include", "lib/web/assets"];

/** The `deno compile` arguments for `extra` user arguments. */
export function compileArgs(extra: readonly string[]): string[] {
  const output =
    extra.includes("--output") || extra.some((a) => a.startsWith("--output=") || a === "-o")
      ? []
      : ["--output", "dist/p2pchat"];
  return [
    "compile",
    `--v8-flags=${NODE_V8_FLAGS}`,
    ...COMPILE_PERMISSIONS,
    ...COMPILE_INCLUDES,
    ...output,
    ...extra,
    "main.ts",
  ];
}

if (import.meta.main) {
  const args = compileArgs(Deno.args);
  const denort = Deno.env.get("DENORT_BIN");
  console.error(`deno ${args.join(" ")}${denort ? `  (DENORT_BIN=${denort})` : ""}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (code !== 0 && !denort) {
    console.error(
      "p2pchat: deno compile failed; if it could not download denort, set DENORT_BIN to a denort binary of the same Deno version",
    );
  }
  Deno.exit(code);
}
