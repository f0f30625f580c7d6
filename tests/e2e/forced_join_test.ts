/**
 * End to end, insiders against one peer's links: a bootstrap and four honest
 * `main.ts` peers in a private room; the victim runs with `--max-connections
 * 6` (target 4, two slots kept for its own dials). Then, from this one
 * machine:
 *
 * - a dozen member identities (real Noise handshakes, fresh Ed25519
 *   identities) each `register` with the victim twice, one after another,
 *   and never pass anything on. Free slots take a few; beyond that a
 *   `register` may displace only an idle inbound neighbour, and at most
 *   `forcedJoinsPerHostPerMinuteMax` (6) times a minute from one host: the
 *   rest are turned away (`bye full`). The victim's honest links (its own
 *   dials and its active neighbours) survive, and the chat still flows;
 * - a member relaying forged chat loses score: three forgeries close its
 *   connection (750), two more on its next connection pass the threshold
 *   (1 000), and from then on it is refused at once (`bye backed off`).
 */

import assert from "node:assert/strict";
import { generateIdentity } from "../../lib/identity/identity.ts";
import { deriveRoomKey, type RoomKey } from "../../lib/secure/room_key.ts";
import type { AnyMessage, Message } from "../../lib/wire/message.ts";
import {
  type ChildProcess,
  poll,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";
import { RawPeer } from "../_helpers/raw_client.ts";

const ROOM = "forced-joins";
const SECRET = "forced joins: correct horse battery staple";
const IDENTITIES = 12;
const ROUNDS = 2;
/** The victim's view: at most 6 neighbours, target 4, so 2 slots kept for its dials. */
const VICTIM_CONNECTIONS_MAX = 6;
/** The defaults the assertions rest on. */
const FORCED_JOINS_PER_HOST_PER_MINUTE_MAX = 6;

interface Node {
  readonly process: ChildProcess;
  readonly id: string;
  readonly addr: string;
  readonly port: number;
}

async function ready(process: ChildProcess): Promise<Node> {
  const line = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  const addr = String(line.addr);
  return {
    process,
    id: String(line.id),
    addr,
    port: Number(addr.slice(addr.lastIndexOf(":") + 1)),
  };
}

/** The first message among `messages` that `pick` accepts, once it arrives. */
function arrival(
  peer: RawPeer,
  pick: (m: AnyMessage) => boolean,
  what: string,
): Promise<AnyMessage> {
  return poll(
    () => Promise.resolve(peer.messages.find(pick)),
    what,
    { intervalMs: 20 },
  );
}

const isBye = (reason: string) => (m: AnyMessage) => m.type === "bye" && m.reason === reason;

function forgedChat(author: string, seq: number): Message {
  return {
    type: "chat",
    message: {
      author,
      seq,
      clock: new Map([[author, seq]]),
      nick: "forger",
      text: `forged ${seq}`,
      ts: Date.now(),
      signature: new Uint8Array(64),
    },
  };
}

Deno.test({
  name:
    "main.ts peer: a dozen identities from one host cannot take over its links, and a forger is backed off",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const roomKey: RoomKey = {
      room: ROOM,
      psk: await deriveRoomKey(ROOM, SECRET),
      isPublic: false,
      source: "secret",
    };
    const flags = ["--room", ROOM, "--secret", SECRET];
    await withProcesses(async (group) => {
      const bootstrap = await ready(group.spawnMain(
        ["bootstrap", "--json", "--listen", "127.0.0.1:0", ...flags],
        { name: "bootstrap" },
      ));
      const peer = (nick: string, extra: string[] = []) =>
        group.spawnMain([
          "peer",
          "--json",
          "--ephemeral",
          "--bootstrap",
          bootstrap.addr,
          "--listen",
          "127.0.0.1:0",
          "--nick",
          nick,
          ...extra,
          ...flags,
        ], { name: nick });
      const victim = await ready(
        peer("vic", ["--max-connections", String(VICTIM_CONNECTIONS_MAX)]),
      );
      const honest: Node[] = [];
      for (const nick of ["bob", "cat", "dan"]) honest.push(await ready(peer(nick)));
      await waitUntilConnected(victim.process, honest.map((h) => h.id));

      // ---- forced joins: 12 identities, twice each, from 127.0.0.1 ----
      const identities = await Promise.all(
        Array.from({ length: IDENTITIES }, () => generateIdentity()),
      );
      const raw: RawPeer[] = [];
      let taken = 0;
      let refused = 0;
      try {
        for (let round = 0; round < ROUNDS; round++) {
          for (const identity of identities) {
            const insider = await RawPeer.join(victim.port, { roomKey, identity });
            raw.push(insider);
            await insider.send([{ type: "register" }]);
            // A register is answered with our peer list (taken, or turned away
            // with `bye full`); a second connection of a connected identity is
            // closed as a duplicate.
            await arrival(
              insider,
              (m) => m.type === "peers" || isBye("duplicate")(m),
              "an answer to register",
            );
            await new Promise((resolve) => setTimeout(resolve, 100));
            if (insider.messages.some((m) => isBye("full")(m) || isBye("duplicate")(m))) refused++;
            else taken++;
          }
        }
        const displaced = raw.filter((r) => r.messages.some(isBye("rebalance"))).length;
        const joins = IDENTITIES * ROUNDS;
        // Free slots (at most the two left in the view) and forced joins, at most 6 from this host.
        assert.ok(
          displaced <= FORCED_JOINS_PER_HOST_PER_MINUTE_MAX,
          `${displaced} neighbours displaced by joins from one host`,
        );
        assert.ok(
          taken <= VICTIM_CONNECTIONS_MAX - honest.length + FORCED_JOINS_PER_HOST_PER_MINUTE_MAX,
          `${taken} of ${joins} joins taken`,
        );
        assert.equal(taken + refused, joins);
        assert.ok(displaced >= 1, "no join was forced: the attack did not reach a full view");
        assert.ok(refused >= joins - 9, `only ${refused} of ${joins} joins refused`);

        // Its honest links survived the joins; the chat flows.
        await waitUntilConnected(victim.process, honest.map((h) => h.id), 5_000);
        await honest[0]!.process.send({ type: "send", text: "after the joins" });
        for (const node of [victim, honest[1]!, honest[2]!]) {
          await node.process.waitFor(
            (l) => l.type === "message" && l.text === "after the joins",
            WAIT_MS,
            "the honest message after the joins",
          );
        }
      } finally {
        await Promise.all(raw.map((r) => r.close()));
      }

      // ---- scoring: a forger is disconnected, then backed off ----
      const forger = await generateIdentity();
      const first = await RawPeer.join(victim.port, { roomKey, identity: forger });
      try {
        for (let seq = 1; seq <= 3; seq++) await first.send([forgedChat(forger.id, seq)]);
        await first.connection.ended;
      } finally {
        await first.close();
      }
      const second = await RawPeer.join(victim.port, { roomKey, identity: forger });
      try {
        for (let seq = 4; seq <= 5; seq++) await second.send([forgedChat(forger.id, seq)]);
        await arrival(second, isBye("backed off"), "bye: backed off");
      } finally {
        await second.close();
      }
      const third = await RawPeer.join(victim.port, { roomKey, identity: forger });
      try {
        await arrival(third, isBye("backed off"), "bye at once: backed off");
        await third.connection.ended;
      } finally {
        await third.close();
      }
      await victim.process.waitForStderr("it misbehaved (forgery)");
    });
  },
});
