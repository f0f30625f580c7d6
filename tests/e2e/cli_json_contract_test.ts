/**
 * End to end: the JSON-lines contract of `main.ts peer --json` — every
 * command answered (`sent` with the author and seq of what was sent, `ok`,
 * or `error`, each with the command's `ref`), `direct` addressed by nick or
 * id prefix, `peers` carrying nicks. Every line is checked against
 * `schema/json-lines.schema.json` by the process helper.
 */

import assert from "node:assert/strict";
import { WAIT_MS, waitUntilConnected, withProcesses } from "../_helpers/process.ts";

Deno.test("main.ts peer --json answers every command, ref echoed, and sends direct by nick or id prefix", async () => {
  await withProcesses(async (group) => {
    const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
    const { addr } = await bootstrap.waitFor((l) => l.type === "ready");
    const spawnPeer = (nick: string) =>
      group.spawnMain(
        ["peer", "--json", "--bootstrap", String(addr), "--listen", "127.0.0.1:0", "--nick", nick],
        { name: `peer ${nick}` },
      );
    const ann = spawnPeer("ann");
    const bob = spawnPeer("bob");
    const annReady = await ann.waitFor((l) => l.type === "ready");
    const bobReady = await bob.waitFor((l) => l.type === "ready");
    const annId = String(annReady.id);
    const bobId = String(bobReady.id);
    await waitUntilConnected(ann, [bobId]);
    await waitUntilConnected(bob, [annId]);

    // send: answered with the author and seq of the message, as its message line has them.
    await bob.send({ type: "send", text: "hello from bob", ref: "b1" });
    const sent = await bob.waitFor((l) => l.type === "sent" && l.ref === "b1");
    assert.equal(sent.command, "send");
    assert.equal(sent.author, bobId);
    const delivered = await ann.waitFor((l) => l.type === "message" && l.text === "hello from bob");
    assert.equal(delivered.seq, sent.seq);
    assert.equal(delivered.author, sent.author);

    // direct by nick (bob's nick is known to ann from chat) and by id prefix.
    await ann.send({ type: "direct", to: "bob", text: "by nick", ref: 1 });
    const byNick = await ann.waitFor((l) => l.type === "sent" && l.ref === 1, WAIT_MS, "sent 1");
    assert.deepEqual(byNick, { type: "sent", command: "direct", to: bobId, ref: 1 });
    await bob.waitFor((l) => l.type === "direct" && l.text === "by nick" && l.from === annId);
    await bob.send({ type: "direct", to: annId.slice(0, 6).toUpperCase(), text: "by prefix" });
    await bob.waitFor((l) => l.type === "sent" && l.command === "direct" && l.to === annId);
    await ann.waitFor((l) => l.type === "direct" && l.text === "by prefix");

    // Refused: empty text, an unknown name; each error carries the ref.
    await ann.writeLine('{"type":"send","text":"   ","ref":"e1"}');
    const empty = await ann.waitFor((l) => l.type === "error" && l.ref === "e1");
    assert.equal(empty.error, "Invalid send: text is empty");
    await ann.send({ type: "direct", to: "nobody", text: "x", ref: "e2" });
    const unknown = await ann.waitFor((l) => l.type === "error" && l.ref === "e2");
    assert.equal(unknown.error, "Invalid direct: No peer known as nobody");
    await ann.writeLine('{"type":"dance","ref":"e3"}');
    assert.match(
      String((await ann.waitFor((l) => l.type === "error" && l.ref === "e3")).error),
      /unknown type "dance"/,
    );

    // peers carries nicks; nick and the queries are answered, with their refs.
    const peers = await ann.ask({ type: "peers", ref: "p" }, "peers");
    assert.equal(peers.ref, "p");
    const entry = (peers.peers as { id: string; nick?: string }[]).find((p) => p.id === bobId);
    assert.equal(entry?.nick, "bob");
    await ann.send({ type: "nick", nick: "annie", ref: "n" });
    assert.deepEqual(await ann.waitFor((l) => l.type === "ok" && l.ref === "n"), {
      type: "ok",
      command: "nick",
      nick: "annie",
      ref: "n",
    });
    assert.equal((await ann.ask({ type: "clock", ref: 2 }, "clock")).ref, 2);
    assert.equal((await ann.ask({ type: "stats", ref: 3 }, "stats")).ref, 3);
    await ann.send({ type: "quit", ref: "q" });
    await ann.waitFor((l) => l.type === "ok" && l.command === "quit" && l.ref === "q");
    assert.equal((await ann.waitForExit()).code, 0);
  });
});
