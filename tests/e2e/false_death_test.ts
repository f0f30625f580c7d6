/**
 * End to end, a lie about liveness: three honest `main.ts` peers in a private
 * room; an insider (a real Noise handshake, a real identity, built from the
 * project's modules) tells one of them that another, live, peer is dead — at
 * the largest incarnation and at its current one, unsigned, and again as a
 * record carrying a signature of its own key passed off as the victim's. No
 * honest peer reports the victim down, and each still lists it alive.
 */

import assert from "node:assert/strict";
import { generateIdentity } from "../../lib/identity/identity.ts";
import { signMemberRecord } from "../../lib/secure/member_signature.ts";
import { deriveRoomKey, type RoomKey } from "../../lib/secure/room_key.ts";
import type { MemberInfo } from "../../lib/wire/message.ts";
import {
  portOf,
  type ProcessGroup,
  type ReadyNode as Node,
  startReady,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";
import { RawPeer } from "../_helpers/raw_client.ts";

const ROOM = "false-death";
const SECRET = "false death: correct horse battery staple";
/** Longer than a suspicion lasts without evidence (twice the 5 s timeout) plus slack. */
const WATCH_MS = 14_000;

/** `main.ts <args>` in the test's room, with `--json` on a free port. */
function start(group: ProcessGroup, args: readonly string[], name: string): Promise<Node> {
  return startReady(group, args, name, ["--room", ROOM, "--secret", SECRET]);
}

function reportedDown(node: Node, id: string): boolean {
  return node.process.lines.some((l) => l.json?.type === "peer-down" && l.json.id === id);
}

Deno.test({
  name:
    "main.ts peers: an insider's death claim about a live peer, at any incarnation, kills it nowhere",
  async fn() {
    const roomKey: RoomKey = {
      room: ROOM,
      psk: await deriveRoomKey(ROOM, SECRET),
      isPublic: false,
      source: "secret",
    };
    await withProcesses(async (group) => {
      const bootstrap = await start(group, ["bootstrap"], "bootstrap");
      const peer = (nick: string) =>
        start(
          group,
          ["peer", "--ephemeral", "--bootstrap", bootstrap.addr, "--nick", nick],
          `peer ${nick}`,
        );
      const victim = await peer("vic");
      const bob = await peer("bob");
      const cat = await peer("cat");
      await waitUntilConnected(bob.process, [victim.id, cat.id]);
      await waitUntilConnected(cat.process, [victim.id, bob.id]);

      const liar = await generateIdentity();
      const insider = await RawPeer.join(portOf(bob.addr), { roomKey, identity: liar });
      const claim: MemberInfo = {
        id: victim.id,
        addr: victim.addr,
        incarnation: Number.MAX_SAFE_INTEGER,
        status: "dead",
      };
      // Its own key's signature, passed off as the victim's: a forgery.
      const forged = await signMemberRecord(liar, { ...claim, id: liar.id, status: "alive" });
      await insider.send([
        { type: "get-peers" },
        { type: "member", member: claim },
        { type: "member", member: { ...claim, incarnation: 0 } },
        { type: "member", member: { ...claim, status: "alive", signature: forged.signature! } },
      ]);
      await new Promise((resolve) => setTimeout(resolve, WATCH_MS));
      await insider.close();

      for (const node of [bob, cat]) {
        assert.ok(!reportedDown(node, victim.id), `${node.process.name} reported the victim down`);
        const answer = await node.process.ask({ type: "peers" }, "peers");
        const peers = answer.peers as { id: string }[];
        assert.ok(peers.some((p) => p.id === victim.id), `${node.process.name} lost the victim`);
      }
    });
  },
});
