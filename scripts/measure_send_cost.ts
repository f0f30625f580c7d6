// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Measures what one chat send costs a peer in-process: a bootstrap, the
 * sender and one neighbour in the public lobby (Noise, signatures) on
 * loopback; the sender sends `--sends` messages back to back, each awaited in
 * turn by the send path (stamp, sign, commit, publish).
 *
 * - `sendUs`: microseconds per send, from the first call until the last
 *   send resolved (with `--data-dir`: each one signed and committed to disk).
 * - `deliveredUs`: microseconds per message until the neighbour delivered
 *   them all.
 *
 * ```sh
 * deno run -A scripts/measure_send_cost.ts [--sends 2000] [--data-dir]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startBootstrap, startPeer } from "../lib/runtime/mod.ts";
import { publicRoomKey } from "../lib/secure/room_key.ts";
import { roomTag } from "../lib/secure/room_tag.ts";
import { PeerStore } from "../lib/store/peer_store.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { sends: { type: "string", default: "2000" }, "data-dir": { type: "boolean" } },
});
const sends = Number(values.sends);
if (!Number.isSafeInteger(sends) || sends < 1) {
  throw new RangeError("--sends must be a positive integer");
}
const dir = values["data-dir"]
  ? await Deno.makeTempDir({ prefix: "p2pchat-send-cost-" })
  : undefined;
const store = dir === undefined
  ? undefined
  : await PeerStore.open(dir, await roomTag(await publicRoomKey("lobby")));
const bootstrap = await startBootstrap({ listen: "127.0.0.1:0" });
let delivered = 0;
let allDelivered: () => void = () => {};
const done = new Promise<void>((resolve) => (allDelivered = resolve));
const ann = await startPeer({
  listen: "127.0.0.1:0",
  nick: "ann",
  bootstraps: [bootstrap.addr],
  ...(store === undefined ? {} : { store }),
});
const bob = await startPeer({
  listen: "127.0.0.1:0",
  nick: "bob",
  bootstraps: [bootstrap.addr],
  onEvent: (event) => {
    if (event.type === "deliver" && event.message.author === ann.id && ++delivered === sends) {
      allDelivered();
    }
  },
});
try {
  while (bob.stats().neighbours === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  const startMs = performance.now();
  let last: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < sends; i++) last = ann.send(`message ${i}`);
  await last;
  const sentMs = performance.now();
  await done;
  const deliveredMs = performance.now();
  console.log(JSON.stringify({
    dataDir: dir !== undefined,
    sends,
    sendUs: Math.round(((sentMs - startMs) * 1_000) / sends),
    deliveredUs: Math.round(((deliveredMs - startMs) * 1_000) / sends),
  }));
} finally {
  await ann.stop();
  await bob.stop();
  await bootstrap.stop();
  if (dir !== undefined) await Deno.remove(dir, { recursive: true });
}
