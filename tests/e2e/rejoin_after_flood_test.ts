/**
 * End to end, poisoned addresses: three `main.ts` peers with data
 * directories; an insider (a real Noise handshake, identities it minted)
 * floods one of them, cat, with signed records and unasked-for peer lists of
 * made-up addresses. Then cat is killed and the bootstrap quits for good:
 * restarted with only the dead bootstrap's address, cat rejoins ann and bob
 * through its stored address book, which holds only addresses it proved.
 */

import { generateIdentity } from "../../lib/identity/identity.ts";
import { signMemberRecord } from "../../lib/secure/member_signature.ts";
import { deriveRoomKey, type RoomKey } from "../../lib/secure/room_key.ts";
import type { MemberInfo, Message } from "../../lib/wire/message.ts";
import {
  portOf,
  type ProcessGroup,
  type ReadyNode as Node,
  startReady,
  WAIT_MS,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";
import { RawPeer } from "../_helpers/raw_client.ts";

const ROOM = "rejoin-after-flood";
const SECRET = "rejoin after a flood: correct horse battery staple";
/** Made-up members the insider announces (more than the 256 addresses the book keeps). */
const FAKES = 300;

/** `main.ts <args>` in the test's room, with `--json` on a free port. */
function start(group: ProcessGroup, args: readonly string[], name: string): Promise<Node> {
  return startReady(group, args, name, ["--room", ROOM, "--secret", SECRET]);
}

Deno.test({
  name:
    "main.ts peer --data-dir: after a flood of made-up addresses, a peer restarted while the bootstrap is down rejoins through its proven address book",
  async fn() {
    const roomKey: RoomKey = {
      room: ROOM,
      psk: await deriveRoomKey(ROOM, SECRET),
      isPublic: false,
      source: "secret",
    };
    const root = await Deno.makeTempDir({ prefix: "rejoin_after_flood_test_" });
    try {
      await withProcesses(async (group) => {
        const bootstrap = await start(group, ["bootstrap"], "bootstrap");
        const peer = (nick: string, run = 1) =>
          start(
            group,
            [
              "peer",
              "--data-dir",
              `${root}/${nick}`,
              "--bootstrap",
              bootstrap.addr,
              "--nick",
              nick,
            ],
            `peer ${nick} (run ${run})`,
          );
        const ann = await peer("ann");
        const bob = await peer("bob");
        const cat = await peer("cat");
        await waitUntilConnected(cat.process, [ann.id, bob.id], 3 * WAIT_MS);

        // The flood: signed records of minted identities at addresses where
        // nobody listens (loopback ports in the dynamic range, unbound).
        const insider = await RawPeer.join(portOf(cat.addr), { roomKey });
        const fakes: MemberInfo[] = [];
        for (let i = 0; i < FAKES; i++) {
          const minted = await generateIdentity();
          fakes.push(
            await signMemberRecord(minted, {
              id: minted.id,
              addr: `127.0.0.1:${50_000 + i}`,
              incarnation: 0,
              status: "alive",
            }),
          );
        }
        const flood: Message[] = [{ type: "get-peers" }];
        for (let i = 0; i < FAKES; i += 50) {
          flood.push({ type: "peers", peers: fakes.slice(i, i + 50) });
        }
        for (const member of fakes) flood.push({ type: "member", member });
        await insider.send(flood);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        await insider.close();

        cat.process.kill("SIGKILL");
        await cat.process.status;
        await bootstrap.process.close();
        // Only the dead bootstrap's address on the command line.
        const catAgain = await peer("cat", 2);
        await waitUntilConnected(catAgain.process, [ann.id, bob.id], 3 * WAIT_MS);
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
