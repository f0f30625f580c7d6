/**
 * Test helper: real `main.ts peer --web` processes for browser tests, with
 * the page URL (token included) from their `ready` line.
 *
 * @module
 */

import {
  type ChildProcess,
  type ProcessGroup,
  type ReadyNode,
  startReady,
  WAIT_MS,
} from "./process.ts";

/** A peer started with `--web`: a {@linkcode ReadyNode} plus its page URL. */
export interface WebPeer extends ReadyNode {
  /** The URL to open, with the run's token: `http://127.0.0.1:PORT/?token=…`. */
  readonly web: string;
  /** The web server's port. */
  readonly webPort: number;
}

/** Starts a bootstrap node in `group` and returns its address. */
export async function startBootstrap(group: ProcessGroup): Promise<string> {
  return (await startReady(group, ["bootstrap"], "bootstrap")).addr;
}

/**
 * Starts `main.ts peer --web --nick <nick> --bootstrap <bootstrap>` (plus
 * `extra`) in `group` and waits for its `ready` line.
 */
export async function startWebPeer(
  group: ProcessGroup,
  bootstrap: string,
  nick: string,
  extra: readonly string[] = [],
): Promise<WebPeer> {
  const node = await startReady(
    group,
    ["peer", "--web", "--bootstrap", bootstrap, "--nick", nick],
    `peer ${nick}`,
    extra,
  );
  const ready = node.process.jsonLines.find((line) => line.type === "ready");
  const web = String(ready?.web);
  if (!/^http:\/\/127\.0\.0\.1:\d+\/\?token=/.test(web)) {
    throw new Error(`peer ${nick}: no page URL in its ready line: ${JSON.stringify(ready)}`);
  }
  return { ...node, web, webPort: Number(new URL(web).port) };
}

/**
 * Starts `main.ts peer --web` keeping its identity and history in `dataDir`
 * (no `--ephemeral`), as run `run` of the same peer, and waits for `ready`.
 */
export async function startStoredWebPeer(
  group: ProcessGroup,
  bootstrap: string,
  dataDir: string,
  run: number,
): Promise<{ process: ChildProcess; web: string }> {
  const process = group.spawnMain([
    "peer",
    "--json",
    "--web",
    "--bootstrap",
    bootstrap,
    "--listen",
    "127.0.0.1:0",
    "--data-dir",
    dataDir,
  ], { name: `peer ann (run ${run})` });
  const ready = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  return { process, web: String(ready.web) };
}

/** Sends `text` from a `--json` peer and waits until the peer delivers it. */
export async function say(process: ChildProcess, text: string): Promise<void> {
  await process.send({ type: "send", text });
  await process.waitFor((l) => l.type === "message" && l.text === text, WAIT_MS, text);
}
