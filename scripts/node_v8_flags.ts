/**
 * The V8 flags a p2pchat node runs with: `deno task peer`, `deno task
 * bootstrap`, `deno task demo`'s children, `deno task compile`'s binary,
 * and the cluster benchmark's nodes (which read them from the checkout's
 * `deno.json`, so that an older commit runs with its own).
 *
 * `--max-semi-space-size=1` caps each half of V8's young generation at
 * 1 MiB (V8 grows it to 16 MiB under allocation). Measured on this project
 * (PERFORMANCE.md, "Memory per peer"): an idle peer 3 MB smaller, the peak
 * under the cluster benchmark's throughput phase ~40 MB smaller, and no more
 * CPU per delivery (a little less: the young generation stays in cache).
 * V8 reads heap sizes once, at start: `node:v8`'s `setFlagsFromString()`
 * cannot change them later, so the flag must be on the command line.
 *
 * @module
 */

/** Young-generation semi-space limit of every node, MiB. */
export const NODE_SEMI_SPACE_MIB_MAX = 1;

/** The value of `--v8-flags=` for every node. */
export const NODE_V8_FLAGS = `--max-semi-space-size=${NODE_SEMI_SPACE_MIB_MAX}`;

/**
 * The V8 flags a `deno.json`'s `peer` task passes (`--v8-flags=X` → `X`), or
 * `undefined` when it passes none or has no such task.
 *
 * @throws {SyntaxError} when `denoJson` is not JSON.
 */
export function peerTaskV8Flags(denoJson: string): string | undefined {
  const config = JSON.parse(denoJson) as { tasks?: Record<string, unknown> };
  const task = config.tasks?.peer;
  const command = typeof task === "string"
    ? task
    : typeof task === "object" && task !== null
    ? String((task as { command?: unknown }).command ?? "")
    : "";
  return /(?:^|\s)--v8-flags=(\S+)/.exec(command)?.[1];
}
