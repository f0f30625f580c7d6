/**
 * `PeerStore` and redaction: a redacted row keeps no byte of the text, still
 * verifies against its author's key after a reopen, and keeps its place;
 * mute and block lists survive a restart; a store from before the text hash
 * is migrated.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { generateIdentity } from "../../lib/identity/identity.ts";
import { chatAuthenticator } from "../../lib/secure/chat_authenticator.ts";
import { roomTagHex } from "../../lib/secure/room_tag.ts";
import { PeerStore } from "../../lib/store/peer_store.ts";
import { redactChat } from "../../lib/wire/chat_text.ts";
import type { ChatMessage } from "../../lib/wire/message.ts";

const TAG = new Uint8Array(32).fill(0x42);

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "peer_store_redaction_test_" });
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("PeerStore: a redacted row has no text, still verifies after reopening, and keeps its place", async () => {
  await withTempDir(async (dir) => {
    const ann = await generateIdentity();
    const auth = chatAuthenticator(ann, TAG);
    const base = { author: ann.id, nick: "ann", ts: 5, signature: new Uint8Array(0) };
    const first: ChatMessage = await auth.sign({
      ...base,
      seq: 1,
      clock: new Map([[ann.id, 1]]),
      text: "my secret plan",
    });
    const second = await auth.sign({
      ...base,
      seq: 2,
      clock: new Map([[ann.id, 2]]),
      text: "my better plan",
      amends: { kind: "edit", target: 1 },
    });
    const store = await PeerStore.open(dir, TAG);
    store.restore();
    store.record({ delivered: [first] });
    // Closing checkpoints: the text is in the database file itself now.
    store.close();
    const later = await PeerStore.open(dir, TAG);
    later.record({ delivered: [second], redacted: [redactChat(first)] });
    later.close();

    // secure_delete: the old row's bytes are overwritten, not left in a free
    // page; closing checkpoints the WAL, so the file is all there is.
    const bytes = await Deno.readFile(`${dir}/rooms/${roomTagHex(TAG)}.db`);
    const file = new TextDecoder("latin1").decode(bytes);
    assert.ok(file.includes("my better plan"));
    assert.ok(!file.includes("my secret plan"), "the old text is still in the database file");
    const reopened = await PeerStore.open(dir, TAG);
    const { messages } = reopened.restore();
    reopened.close();
    assert.deepEqual(messages.map((m) => m.seq), [1, 2]);
    const [redacted, edit] = messages as [ChatMessage, ChatMessage];
    assert.equal(redacted.redacted, true);
    assert.equal(redacted.text, "");
    assert.deepEqual(redacted.clock, first.clock);
    assert.ok(await auth.verify(redacted), "the redacted row no longer verifies");
    assert.equal(edit.text, "my better plan");
    assert.deepEqual(edit.amends, { kind: "edit", target: 1 });
    assert.ok(await auth.verify(edit));
    const db = new DatabaseSync(`${dir}/rooms/${roomTagHex(TAG)}.db`);
    const row = db.prepare("SELECT frame FROM messages WHERE seq = 1").get()!;
    db.close();
    const frame = new TextDecoder("latin1").decode(row.frame as Uint8Array);
    assert.ok(!frame.includes("secret"), "the redacted row still holds its text");
  });
});

Deno.test("PeerStore: mute and block lists are kept per room across a reopen", async () => {
  await withTempDir(async (dir) => {
    const store = await PeerStore.open(dir, TAG);
    store.restore();
    assert.deepEqual(store.localPolicy("blocked"), []);
    store.setLocalPolicy("blocked", ["b".repeat(64)]);
    store.setLocalPolicy("muted", ["c".repeat(64), "c".repeat(64)]);
    store.close();
    const reopened = await PeerStore.open(dir, TAG);
    assert.deepEqual(reopened.localPolicy("blocked"), ["b".repeat(64)]);
    assert.deepEqual(reopened.localPolicy("muted"), ["c".repeat(64)]);
    assert.throws(
      () => reopened.setLocalPolicy("muted", Array.from({ length: 1025 }, (_, i) => `${i}`)),
      /Cannot mute: 1025 members, limit 1024/,
    );
    reopened.close();
  });
});

Deno.test("PeerStore: a schema-2 store (chats signed over their text) drops its messages and clock with a notice, and keeps its incarnation", async () => {
  await withTempDir(async (dir) => {
    const store = await PeerStore.open(dir, TAG);
    const { incarnation } = store.restore();
    store.close();
    const db = new DatabaseSync(`${dir}/rooms/${roomTagHex(TAG)}.db`);
    db.exec("UPDATE meta SET value = '2' WHERE key = 'schema'");
    db.exec(
      `INSERT INTO messages (author, seq, frame) VALUES ('${"a".repeat(64)}', 1, x'00')`,
    );
    db.exec(`INSERT INTO clock (author, seq) VALUES ('${"a".repeat(64)}', 1)`);
    db.close();
    const notices: string[] = [];
    const migrated = await PeerStore.open(dir, TAG, { onNotice: (text) => notices.push(text) });
    const restored = migrated.restore();
    migrated.close();
    assert.equal(restored.messages.length, 0);
    assert.equal(restored.skipped?.size ?? 0, 0);
    assert.equal(restored.incarnation, incarnation + 1);
    assert.match(notices.join("\n"), /signed in the old form .* dropped/);
  });
});
