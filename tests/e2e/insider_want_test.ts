/**
 * End to end, an insider that asks for the same history over and over: a
 * `main.ts` peer in a private room holds 20 messages; a member of the room
 * (a real Noise handshake, a real identity) registers and then sends the
 * same `want` for all of them ten times a second for five seconds. Each
 * message must come back a few times at most (1 s, 2 s, 4 s … apart), not
 * once per ask (before the want limits, it was 50 copies: about 50 times
 * the bytes of the history for 3 KB of asks).
 */

import assert from "node:assert/strict";
import { deriveRoomKey, type RoomKey } from "../../lib/secure/room_key.ts";
import { encodeMessage } from "../../lib/wire/message_encode.ts";
import type { Message } from "../../lib/wire/message.ts";
import { RawPeer } from "../_helpers/raw_client.ts";
import { type ChildProcess, WAIT_MS, withProcesses } from "../_helpers/process.ts";

const ROOM = "want-flood";
const SECRET = "insider want flood: correct horse battery staple";
const MESSAGES = 20;
const ASKS = 50;
const ASK_GAP_MS = 100;

async function ready(process: ChildProcess): Promise<{ id: string; port: number; addr: string }> {
  const line = await process.waitFor((l) => l.type === "ready", WAIT_MS, "ready");
  const addr = String(line.addr);
  return { id: String(line.id), addr, port: Number(addr.slice(addr.lastIndexOf(":") + 1)) };
}

Deno.test({
  name:
    "main.ts peer: an insider repeating one want gets each message a few times, not once per ask",
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
      const victimProcess = group.spawnMain([
        "peer",
        "--json",
        "--ephemeral",
        "--bootstrap",
        bootstrap.addr,
        "--listen",
        "127.0.0.1:0",
        "--nick",
        "vic",
        ...flags,
      ], { name: "victim" });
      const victim = await ready(victimProcess);
      for (let i = 1; i <= MESSAGES; i++) {
        await victimProcess.send({ type: "send", text: `history ${i} ${"h".repeat(200)}` });
      }
      await victimProcess.waitFor(
        (l) => l.type === "message" && l.seq === MESSAGES,
        WAIT_MS,
        "the victim's own history",
      );

      const insider = await RawPeer.join(victim.port, { roomKey });
      try {
        await insider.send([{ type: "register" }]);
        const want: Message = {
          type: "want",
          graft: false,
          ranges: [{ author: victim.id, from: 0, to: MESSAGES }],
        };
        let sentBytes = 0;
        for (let i = 0; i < ASKS; i++) {
          const bytes = await insider.seal([want]);
          sentBytes += bytes.byteLength;
          await insider.connection.write(bytes);
          await new Promise((resolve) => setTimeout(resolve, ASK_GAP_MS));
        }
        // Anything still on its way arrives within a second on loopback.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const served = new Map<number, number>();
        let receivedBytes = 0;
        for (const message of insider.messages) {
          if (message.type !== "chat" || message.message.author !== victim.id) continue;
          served.set(message.message.seq, (served.get(message.message.seq) ?? 0) + 1);
          receivedBytes += encodeMessage(message).byteLength;
        }
        assert.equal(served.size, MESSAGES, "every wanted message was served");
        // Over about 6 s of asking: at 0 s, 1 s and 3 s (the next would be at 7 s).
        const most = Math.max(...served.values());
        assert.ok(most <= 3, `a message was served ${most} times for ${ASKS} asks`);
        // The history once is the cost of any catch-up; asking again buys at most two more copies.
        const historyBytes = receivedBytes / (sumOf(served.values()) / served.size);
        assert.ok(
          receivedBytes <= 3 * historyBytes + 1,
          `${receivedBytes} bytes of repairs (history ${
            Math.round(historyBytes)
          } bytes) for ${sentBytes} bytes of want`,
        );
      } finally {
        await insider.close();
      }
    });
  },
});

function sumOf(values: Iterable<number>): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum;
}
