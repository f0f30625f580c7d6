/**
 * End to end: `mod.ts` as a library imported from another project. A
 * temporary project outside the repository (its own `deno.json`, nothing
 * mapped) imports `mod.ts` by absolute file URL, type-checks, and runs a
 * small bot built on `startPeer` against a live `main.ts` peer: the bot
 * joins, receives a message, replies, and the peer delivers the reply.
 */

import assert from "node:assert/strict";
import { ChildProcess, REPO_ROOT, waitUntilConnected, withProcesses } from "../_helpers/process.ts";

/** The bot: answers every `!ping` with `pong NICK`, prints a `bot-ready` line when up. */
function botSource(modUrl: string): string {
  return `import { type PeerEvent, type PeerService, startPeer } from "${modUrl}";

const bootstrap = Deno.args[0]!;
let bot: PeerService | undefined;
const pending: PeerEvent[] = [];
const answer = (event: PeerEvent) => {
  if (bot === undefined) return void pending.push(event);
  if (event.type !== "deliver" || event.message.author === bot.id) return;
  if (event.message.text.startsWith("!ping")) void bot.send(\`pong \${event.message.nick}\`);
};
bot = await startPeer({
  listen: "127.0.0.1:0",
  nick: "bot",
  bootstraps: [bootstrap],
  onEvent: answer,
});
for (const event of pending.splice(0)) answer(event);
console.log(JSON.stringify({ type: "bot-ready", id: bot.id, addr: bot.addr }));
// Runs until its stdin ends.
for await (const _ of Deno.stdin.readable) { /* nothing to read */ }
await bot.stop();
`;
}

Deno.test("mod.ts imported by file URL from a project outside the repository runs a bot against a live peer", async () => {
  const project = await Deno.makeTempDir({ prefix: "p2pchat-bot-" });
  try {
    assert.ok(!project.startsWith(REPO_ROOT), "the project is outside the repository");
    const modUrl = new URL("mod.ts", `file://${REPO_ROOT}`).href;
    await Deno.writeTextFile(`${project}/deno.json`, "{}\n");
    await Deno.writeTextFile(`${project}/bot.ts`, botSource(modUrl));

    // Types resolve from outside: every type the bot names is exported, no bare specifier.
    const check = await new Deno.Command(Deno.execPath(), {
      args: ["check", "bot.ts"],
      cwd: project,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));

    await withProcesses(async (group) => {
      const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
      const { addr } = await bootstrap.waitFor((l) => l.type === "ready");
      const ann = group.spawnMain(
        ["peer", "--json", "--bootstrap", String(addr), "--listen", "127.0.0.1:0", "--nick", "ann"],
        { name: "peer ann" },
      );
      const annReady = await ann.waitFor((l) => l.type === "ready");
      const bot = group.add(
        new ChildProcess(
          ["run", "--allow-net=127.0.0.1", "--allow-read", "--allow-env", "bot.ts", String(addr)],
          { name: "bot (outside the repository)", cwd: project, quitLine: null },
        ),
      );
      const botReady = await bot.waitFor((l) => l.type === "bot-ready");
      await waitUntilConnected(ann, [String(botReady.id)]);

      await ann.send({ type: "send", text: "!ping" });
      const reply = await ann.waitFor((l) => l.type === "message" && l.text === "pong ann");
      assert.equal(reply.author, botReady.id);
      assert.equal(reply.nick, "bot");
      assert.equal((reply.clock as Record<string, number>)[String(annReady.id)], 1, "after !ping");
      await bot.closeStdin();
      assert.equal((await bot.waitForExit()).code, 0, bot.context());
    });
  } finally {
    await Deno.remove(project, { recursive: true });
  }
});
