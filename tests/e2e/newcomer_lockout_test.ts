/**
 * Issue 15's lockout on real processes: a newcomer whose bootstrap knows only
 * full peers is still taken in by one of them (a forced join), rather than
 * turned away by every peer it was given.
 *
 * A second bootstrap knows only P0 and P1 (they register with both); P0 and
 * P1 run with `--max-connections 3` and two fillers `--join` both, so each
 * has its three neighbours. The newcomer registers with the second bootstrap
 * only, so its sample is {P0, P1}. The refusal a full peer sends carries its
 * peer list, and the fillers have room, so the newcomer would find *some*
 * neighbour even if locked out: the test asks that P0 or P1 takes it.
 *
 * Every process dials from 127.0.0.1, and a peer takes at most 6 forced
 * joins a minute from one source host: two fillers (four forced joins, two
 * at each of P0 and P1, plus any retry) leave room for the newcomer's.
 */

import assert from "node:assert/strict";
import {
  type ChildProcess,
  poll,
  type ReadyNode,
  startReady,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";

const EPHEMERAL = ["--ephemeral", "--room", "lockout"];

async function connectedIds(peer: ChildProcess): Promise<string[]> {
  const answer = await peer.ask({ type: "peers" }, "peers");
  return (answer.peers as { id: string; connected: boolean }[]).filter((p) => p.connected)
    .map((p) => p.id);
}

Deno.test({
  name: "main.ts peer: a newcomer whose every sampled peer is full is taken in by one of them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withProcesses(async (group) => {
      const everyone = await startReady(group, ["bootstrap", "--room", "lockout"], "bootstrap");
      const onlyFull = await startReady(group, ["bootstrap", "--room", "lockout"], "bootstrap-2");
      const full: ReadyNode[] = [];
      for (const nick of ["p0", "p1"]) {
        full.push(
          await startReady(group, ["peer", ...EPHEMERAL], nick, [
            "--nick",
            nick,
            "--max-connections",
            "3",
            "--bootstrap",
            everyone.addr,
            "--bootstrap",
            onlyFull.addr,
          ]),
        );
      }
      for (const nick of ["f0", "f1"]) {
        await startReady(group, ["peer", ...EPHEMERAL], nick, [
          "--nick",
          nick,
          "--bootstrap",
          everyone.addr,
          "--join",
          full[0]!.addr,
          "--join",
          full[1]!.addr,
        ]);
      }
      for (const peer of full) {
        await poll(
          async () => (await connectedIds(peer.process)).length >= 3 ? true : undefined,
          `${peer.process.name} has its 3 neighbours`,
        );
      }

      const newcomer = await startReady(group, ["peer", ...EPHEMERAL], "newcomer", [
        "--nick",
        "newcomer",
        "--bootstrap",
        onlyFull.addr,
      ]);
      const takenBy = await poll(
        async () => {
          for (const peer of full) {
            if ((await connectedIds(peer.process)).includes(newcomer.id)) return peer;
          }
          return undefined;
        },
        "P0 or P1 takes the newcomer in",
      );
      await waitUntilConnected(newcomer.process, [takenBy.id]);
      for (const peer of full) {
        const n = (await connectedIds(peer.process)).length;
        assert.ok(
          n <= 3,
          `${peer.process.name} has ${n} neighbours, more than --max-connections 3`,
        );
      }
    });
  },
});
