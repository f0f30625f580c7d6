/**
 * End to end: the input line of `main.ts peer` in a real terminal (a tmux
 * pane at 40 and 80 columns), read from the screen as a person sees it. A
 * JSON peer "mallory" on a local bootstrap plays the rest of the room.
 */

import assert from "node:assert/strict";
import {
  type ChildProcess,
  MAIN_PERMISSIONS,
  type ProcessGroup,
  REPO_ROOT,
  waitUntilConnected,
  withProcesses,
} from "../_helpers/process.ts";
import { NO_TMUX, TMUX_NOTE, TmuxPane } from "../_helpers/tmux.ts";

/** Mallory's heartbeat timeout: a peer frozen this long would be reported down. */
const MALLORY_HEARTBEAT_TIMEOUT_MS = 3_000;

/** A bootstrap, mallory (JSON), and "ann" in a tmux pane of `columns` × `rows`, connected. */
async function startRoom(
  group: ProcessGroup,
  columns: number,
  rows: number,
  env: Record<string, string> = { NO_COLOR: "1" },
): Promise<{ ann: TmuxPane; mallory: ChildProcess; annId: string }> {
  const bootstrap = group.spawnMain(["bootstrap", "--json", "--listen", "127.0.0.1:0"]);
  const addr = String((await bootstrap.waitFor((l) => l.type === "ready")).addr);
  const mallory = group.spawnMain(
    [
      "peer",
      "--json",
      "--bootstrap",
      addr,
      "--listen",
      "127.0.0.1:0",
      "--nick",
      "mallory",
      "--heartbeat-timeout",
      String(MALLORY_HEARTBEAT_TIMEOUT_MS),
    ],
    { name: "peer mallory" },
  );
  await mallory.waitFor((l) => l.type === "ready");
  const ann = await TmuxPane.start(
    [
      Deno.execPath(),
      "run",
      ...MAIN_PERMISSIONS,
      "main.ts",
      "peer",
      "--ephemeral",
      "--bootstrap",
      addr,
      "--listen",
      "127.0.0.1:0",
      "--nick",
      "ann",
    ],
    { columns, rows, cwd: REPO_ROOT, env },
  );
  try {
    await ann.waitForScreen((s) => s.some((r) => r.startsWith("ann>")), "ann's prompt");
    const up = await mallory.waitFor((l) => l.type === "peer-up");
    await waitUntilConnected(mallory, [String(up.id)]);
    await ann.waitForScreen(
      (s) => s.some((r) => r.includes("mallory joined")),
      "mallory's arrival",
    );
    return { ann, mallory, annId: String(up.id) };
  } catch (error) {
    await ann.close();
    throw error;
  }
}

/** Rows of `text` wrapped at `columns` (printable ASCII only). */
function chunks(text: string, columns: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += columns) out.push(text.slice(i, i + columns).trimEnd());
  return out;
}

for (const columns of [40, 80]) {
  Deno.test({
    name:
      `terminal at ${columns} columns: a 3-row draft stays intact while messages arrive above it${TMUX_NOTE}`,
    ignore: NO_TMUX,
    async fn() {
      await withProcesses(async (group) => {
        const { ann, mallory } = await startRoom(group, columns, 20);
        try {
          // With the prompt, 2 full rows and 10 columns of a third; no trailing space (trimmed).
          const draft = `${"a long draft ".repeat(columns).slice(0, 2 * columns + 10 - 5 - 1)}!`;
          await ann.type(draft);
          const expected = chunks(`ann> ${draft}`, columns);
          assert.equal(expected.length, 3);
          await ann.waitForScreen((s) => s.includes(expected[2]!), "the draft's third row");
          for (let i = 1; i <= 3; i++) {
            await mallory.send({ type: "send", text: `incoming ${i} while you type` });
          }
          const screen = await ann.waitForScreen(
            (s) => s.some((r) => r.includes("mallory: incoming 3")),
            "the third incoming message",
          );
          const top = screen.findIndex((r) => r.startsWith("ann> "));
          assert.deepEqual(screen.slice(top, top + 3), expected, screen.join("\n"));
          assert.ok(screen.slice(top + 3).every((r) => r === ""), "nothing below the draft");
          const above = screen.slice(0, top).join("\n");
          for (let i = 1; i <= 3; i++) {
            assert.ok(above.includes(`mallory: incoming ${i} while you`), screen.join("\n"));
          }
          assert.equal(
            screen.filter((r) => r.startsWith("ann> ")).length,
            1,
            "the prompt is shown once",
          );
          assert.deepEqual(await ann.cursor(), [(5 + draft.length) % columns, top + 2]);

          const history = await ann.transcript();
          assert.equal(history.filter((r) => r.startsWith("ann>")).length, 1, "no stray prompt");

          await ann.keys("Enter");
          await mallory.waitFor((l) => l.type === "message" && l.text === draft);
        } finally {
          await ann.close();
        }
      });
    },
  });
}

Deno.test({
  name:
    `terminal: a 6,000-character bracketed paste while mallory sends; ann stays up and sends it as 2 messages${TMUX_NOTE}`,
  ignore: NO_TMUX,
  async fn() {
    await withProcesses(async (group) => {
      const { ann, mallory, annId } = await startRoom(group, 40, 20);
      try {
        const lines = Array.from(
          { length: 120 },
          (_, i) => `line ${String(i).padStart(3, "0")} of the paste ${"z".repeat(30)}`,
        );
        const text = lines.join("\n");
        assert.ok(text.length >= 6_000, String(text.length));
        const sends = Array.from(
          { length: 5 },
          (_, i) => mallory.send({ type: "send", text: `during the paste ${i}` }),
        );
        await ann.paste(text);
        await Promise.all(sends);
        await ann.waitForScreen(
          (s) =>
            s.some((r) => r.includes("during the paste 4")) &&
            s.some((r) => r.includes("line 119 of the paste")),
          "mallory's messages and the end of the pasted draft",
        );
        await ann.keys("Enter");
        const first = await mallory.waitFor((l) => l.type === "message" && l.nick === "ann");
        const second = await mallory.waitFor((l) => l.type === "message" && l.nick === "ann");
        // Cut at a newline: the two parts are the paste, in order.
        assert.equal(`${first.text}\n${second.text}`, text);
        assert.ok(
          (await ann.transcript()).some((r) => r.includes("sent as 2 messages")),
          "the notice that the text went as 2 messages",
        );
        // Ann answered mallory's probes throughout: never reported down.
        await mallory.send({ type: "peers" });
        const peers = await mallory.waitFor((l) => l.type === "peers");
        assert.ok(JSON.stringify(peers).includes(annId), JSON.stringify(peers));
        assert.ok(
          !mallory.jsonLines.some((l) => l.type === "peer-down" && l.id === annId),
          "mallory never reported ann down",
        );
        assert.ok(
          !(await ann.transcript()).some((r) => r.includes("is down")),
          "ann never reported mallory down",
        );
      } finally {
        await ann.close();
      }
    });
  },
});

Deno.test({
  name:
    `terminal at 40 columns: wide characters, emoji and combining marks wrap whole; Backspace removes one${TMUX_NOTE}`,
  ignore: NO_TMUX,
  async fn() {
    await withProcesses(async (group) => {
      const { ann, mallory } = await startRoom(group, 40, 20);
      try {
        // "ann> " and 34 x fill 39 columns: 世 (2 columns) cannot fit and starts the next row.
        const head = "x".repeat(34);
        await ann.type(`${head}世界👍 e\u0301`);
        const screen = await ann.waitForScreen(
          (s) => s.some((r) => r.startsWith("世界")),
          "the wide characters on the second row",
        );
        const top = screen.findIndex((r) => r.startsWith("ann> "));
        assert.deepEqual(screen.slice(top, top + 2), [`ann> ${head}`, "世界👍 e\u0301"]);
        assert.deepEqual(await ann.cursor(), [8, top + 1]);
        await ann.keys("BSpace", "BSpace", "BSpace");
        await ann.waitForScreen((s) => s[top + 1] === "世界", "the draft after 3 backspaces");
        assert.deepEqual(await ann.cursor(), [4, top + 1]);
        await ann.keys("Enter");
        await mallory.waitFor((l) => l.type === "message" && l.text === `${head}世界`);
      } finally {
        await ann.close();
      }
    });
  },
});

Deno.test({
  name:
    `terminal at 80 columns: Tab completes a nick and a command, /MSG works, a mention is highlighted${TMUX_NOTE}`,
  ignore: NO_TMUX,
  async fn() {
    await withProcesses(async (group) => {
      const { ann, mallory, annId } = await startRoom(group, 80, 20, {});
      try {
        await mallory.send({ type: "send", text: "hello ann, are you there?" });
        await ann.waitForScreen(
          (s) => s.some((r) => r.includes("mallory: hello ann")),
          "mallory's message",
        );
        const coloured = (await ann.screen(true)).find((r) => r.includes("hello ann"))!;
        // deno-lint-ignore no-control-regex
        assert.match(coloured, /\x1b\[[0-9;]*1[;m].*hello ann/, JSON.stringify(coloured));
        await ann.type("mal");
        await ann.keys("Tab");
        await ann.waitForScreen((s) => s.includes("ann> mallory:"), "the completed nick");
        await ann.type("yes");
        await ann.keys("Enter");
        await mallory.waitFor((l) => l.type === "message" && l.text === "mallory: yes");
        await ann.type("/MS");
        await ann.keys("Tab");
        await ann.waitForScreen((s) => s.includes("ann> /msg"), "the completed command");
        await ann.type("mall");
        await ann.keys("Tab");
        await ann.type("psst");
        await ann.keys("Enter");
        const direct = await mallory.waitFor((l) => l.type === "direct");
        assert.equal(direct.text, "psst");
        assert.equal(direct.from, annId);
        // Up recalls what was sent, newest first.
        await ann.keys("Up");
        await ann.waitForScreen((s) => s.includes("ann> /msg mallory psst"), "the recalled line");
        await ann.keys("Up");
        await ann.waitForScreen((s) => s.includes("ann> mallory: yes"), "the line before");
      } finally {
        await ann.close();
      }
    });
  },
});

Deno.test({
  name: `terminal: a resize from 80 to 40 columns re-wraps the draft at the new width${TMUX_NOTE}`,
  ignore: NO_TMUX,
  async fn() {
    await withProcesses(async (group) => {
      const { ann, mallory } = await startRoom(group, 80, 20);
      try {
        const draft = "resize me please ".repeat(9).trimEnd();
        await ann.type(draft);
        await ann.waitForScreen(
          (s) => s.includes(chunks(`ann> ${draft}`, 80).at(-1)!),
          "the draft",
        );
        await ann.tmux("resize-window", "-x", "40");
        const expected = chunks(`ann> ${draft}`, 40);
        const screen = await ann.waitForScreen(
          (s) => s.some((r) => r === expected[0]),
          "the draft wrapped at 40 columns",
        );
        const top = screen.findIndex((r) => r.startsWith("ann> "));
        assert.deepEqual(screen.slice(top, top + expected.length), expected, screen.join("\n"));
        assert.ok(screen.slice(top + expected.length).every((r) => r === ""), screen.join("\n"));
        await mallory.send({ type: "send", text: "after the resize" });
        const after = await ann.waitForScreen(
          (s) => s.some((r) => r.includes("mallory: after the resize")),
          "a message after the resize",
        );
        const newTop = after.findIndex((r) => r.startsWith("ann> "));
        assert.deepEqual(after.slice(newTop, newTop + expected.length), expected, after.join("\n"));
        assert.equal(after.filter((r) => r.startsWith("ann> ")).length, 1, after.join("\n"));
      } finally {
        await ann.close();
      }
    });
  },
});
