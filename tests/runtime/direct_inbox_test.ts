import assert from "node:assert/strict";
import { generateIdentity } from "../../lib/identity/identity.ts";
import {
  DirectInbox,
  type DirectMessageEvent,
  OPENING_BOXES_MAX,
} from "../../lib/runtime/direct_inbox.ts";
import { sealDirect } from "../../lib/secure/direct_message.ts";

async function settle(inbox: DirectInbox): Promise<void> {
  while (inbox.opening > 0) await new Promise((resolve) => setTimeout(resolve, 1));
}

Deno.test("DirectInbox shows a box once however often it is replayed", async () => {
  const [ann, bob] = await Promise.all([generateIdentity(), generateIdentity()]);
  const shown: DirectMessageEvent[] = [];
  const dropped: string[] = [];
  const inbox = new DirectInbox(bob, {
    onMessage: (m) => shown.push(m),
    onDropped: (r) => dropped.push(r),
  });
  const box = await sealDirect(ann, bob.id, { nick: "ann", text: "psst", ts: 1 });
  inbox.receive(box);
  inbox.receive(box);
  await settle(inbox);
  inbox.receive(box);
  await settle(inbox);
  assert.equal(shown.length, 1);
  assert.equal(shown[0]!.text, "psst");
  assert.equal(shown[0]!.type, "direct-message");
  assert.deepEqual(dropped, []);
});

Deno.test("DirectInbox drops a box it cannot open, and boxes past the opening limit", async () => {
  const [ann, bob, carol] = await Promise.all([
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
  ]);
  const dropped: string[] = [];
  const inbox = new DirectInbox(bob, { onMessage: () => {}, onDropped: (r) => dropped.push(r) });
  inbox.receive(await sealDirect(ann, carol.id, { nick: "ann", text: "not yours", ts: 1 }));
  await settle(inbox);
  assert.equal(dropped.length, 1);
  const box = await sealDirect(ann, bob.id, { nick: "ann", text: "x", ts: 1 });
  for (let i = 0; i < OPENING_BOXES_MAX + 3; i++) inbox.receive(box);
  assert.equal(inbox.opening, OPENING_BOXES_MAX);
  assert.deepEqual(dropped.slice(1), ["too many to open", "too many to open", "too many to open"]);
  await settle(inbox);
});
