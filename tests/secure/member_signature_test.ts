import assert from "node:assert/strict";
import { generateIdentity } from "../../lib/identity/identity.ts";
import {
  memberAuthenticator,
  signMemberRecord,
  verifyMemberRecord,
} from "../../lib/secure/member_signature.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { encodeMessage } from "../../lib/wire/message_encode.ts";
import type { MemberInfo } from "../../lib/wire/message.ts";

const me = await generateIdentity();
const other = await generateIdentity();
const record: MemberInfo = { id: me.id, addr: "127.0.0.1:9000", incarnation: 3, status: "alive" };

Deno.test("signMemberRecord() signs a record that verifyMemberRecord() accepts, across the wire", async () => {
  const signed = await signMemberRecord(me, record);
  assert.ok(await verifyMemberRecord(signed));
  const back = decodeMessage(encodeMessage({ type: "member", member: signed }));
  assert.ok(back.type === "member" && await verifyMemberRecord(back.member));
  const left = await signMemberRecord(me, { ...record, status: "dead" });
  assert.ok(await verifyMemberRecord(left), "a leave is the member's own word too");
});

Deno.test("verifyMemberRecord() rejects any change to a signed record", async () => {
  const signed = await signMemberRecord(me, record);
  assert.equal(await verifyMemberRecord({ ...signed, incarnation: 4 }), false);
  assert.equal(
    await verifyMemberRecord({ ...signed, incarnation: Number.MAX_SAFE_INTEGER }),
    false,
  );
  assert.equal(await verifyMemberRecord({ ...signed, addr: "127.0.0.1:9001" }), false);
  assert.equal(await verifyMemberRecord({ ...signed, status: "dead" }), false);
  assert.equal(await verifyMemberRecord({ ...signed, status: "suspect" }), false);
  assert.equal(await verifyMemberRecord({ ...signed, id: other.id }), false, "another's key");
  assert.equal(await verifyMemberRecord(record), false, "unsigned");
});

Deno.test("signMemberRecord() refuses to sign for another member or a suspicion", async () => {
  await assert.rejects(() => signMemberRecord(other, record), TypeError);
  await assert.rejects(() => signMemberRecord(me, { ...record, status: "suspect" }), TypeError);
});

Deno.test("memberAuthenticator() signs once per record and caches verdicts", async () => {
  const auth = memberAuthenticator(me);
  const a = auth.sign(record);
  assert.equal(auth.sign({ ...record }), a, "same record: the same signing");
  const signed = await a;
  assert.ok(await auth.verify(signed));
  assert.equal(await auth.verify({ ...signed, incarnation: 9 }), false);
});

Deno.test("signMemberRecord() covers the nick: a forged nick does not verify, and the nick crosses the wire", async () => {
  const named = await signMemberRecord(me, { ...record, nick: "bob" });
  assert.equal(named.nick, "bob");
  assert.ok(await verifyMemberRecord(named));
  assert.equal(await verifyMemberRecord({ ...named, nick: "mallory" }), false, "renamed");
  const { nick: _, ...stripped } = named;
  assert.equal(await verifyMemberRecord(stripped), false, "nick dropped");
  const plain = await signMemberRecord(other, { ...record, id: other.id });
  assert.equal(await verifyMemberRecord({ ...plain, nick: "bob" }), false, "nick added");
  const back = decodeMessage(encodeMessage({ type: "member", member: named }));
  assert.ok(back.type === "member" && back.member.nick === "bob");
  assert.ok(back.type === "member" && await verifyMemberRecord(back.member));
  const list = decodeMessage(encodeMessage({ type: "peers", peers: [named, plain] }));
  assert.deepEqual(list.type === "peers" && list.peers.map((p) => p.nick), ["bob", undefined]);
});

Deno.test("memberAuthenticator() tells records apart by nick", async () => {
  const auth = memberAuthenticator(me);
  const bob = await auth.sign({ ...record, nick: "bob" });
  const rob = await auth.sign({ ...record, nick: "rob" });
  assert.equal(bob.nick, "bob");
  assert.equal(rob.nick, "rob");
  assert.ok(await auth.verify(rob));
  assert.equal(await auth.verify({ ...bob, nick: "rob" }), false);
});
