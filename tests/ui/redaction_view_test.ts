import assert from "node:assert/strict";
import type { PeerService } from "../../lib/runtime/peer_service.ts";
import {
  parseAmendArgs,
  plainDeliveryLine,
  RedactionView,
  runRedactionCommand,
} from "../../lib/ui/redaction_view.ts";
import type { Amendment, ChatMessage } from "../../lib/wire/message.ts";

const ME = "aa".repeat(32);
const BOB = "bb".repeat(32);

function chat(author: string, seq: number, text: string, extra: Partial<ChatMessage> = {}) {
  return {
    author,
    seq,
    clock: new Map([[author, seq]]),
    nick: author === ME ? "me" : "bob",
    text,
    ts: Date.UTC(2026, 0, 1, 12, 0, seq),
    signature: new Uint8Array(0),
    ...extra,
  } satisfies ChatMessage;
}

const shown = (view: RedactionView, m: ChatMessage, hidden = false) => {
  const v = view.viewOf(m, hidden);
  return v === undefined ? undefined : `who${v.label}: ${v.text}`;
};

Deno.test("RedactionView shows an edit as a new line naming the old text, and a delete without the text", () => {
  const view = new RedactionView(ME);
  assert.equal(shown(view, chat(BOB, 1, "helo wrld")), "who: helo wrld");
  const edit: Amendment = { kind: "edit", target: 1 };
  assert.equal(
    shown(view, chat(BOB, 2, "hello world", { amends: edit })),
    'who (edited, was "helo wrld"): hello world',
  );
  assert.equal(
    shown(view, chat(BOB, 3, "hello, world", { amends: edit })),
    'who (edited, was "hello world"): hello, world',
  );
  const del = shown(view, chat(BOB, 4, "", { amends: { kind: "delete", target: 1 } }))!;
  assert.match(del, /^who \(deleted\): message #1 from \d\d:\d\d(:\d\d)? deleted$/);
  assert.ok(!del.includes("hello"));
  // An edit that came without its text (superseded, or of a deleted message) shows nothing.
  assert.equal(shown(view, chat(BOB, 5, "", { amends: edit, redacted: true })), undefined);
  assert.equal(shown(view, chat(BOB, 6, "", { redacted: true })), "who: (text withheld)");
  // Long old texts are cut.
  shown(view, chat(BOB, 7, "x".repeat(100)));
  assert.match(
    shown(view, chat(BOB, 8, "y", { amends: { kind: "edit", target: 7 } }))!,
    /was "x{39}…"\): y$/,
  );
});

Deno.test("RedactionView hides a muted or blocked author's messages and amendments", () => {
  const view = new RedactionView(ME);
  assert.equal(shown(view, chat(BOB, 1, "hi"), true), undefined);
  assert.equal(
    shown(view, chat(BOB, 2, "ho", { amends: { kind: "edit", target: 1 } }), true),
    undefined,
  );
});

Deno.test("RedactionView.ownTarget() counts this session's own messages back, skipping amendments and deleted ones", () => {
  const view = new RedactionView(ME);
  assert.match(String(view.ownTarget(1)), /no message in this session/);
  shown(view, chat(ME, 1, "one"));
  shown(view, chat(ME, 2, "two"));
  shown(view, chat(ME, 3, "one!", { amends: { kind: "edit", target: 1 } }));
  shown(view, chat(ME, 4, "three"));
  assert.equal(view.ownTarget(1), 4);
  assert.equal(view.ownTarget(3), 1);
  shown(view, chat(ME, 5, "", { amends: { kind: "delete", target: 4 } }));
  assert.equal(view.ownTarget(1), 2);
  assert.match(String(view.ownTarget(3)), /only 2 message\(s\)/);
});

Deno.test("parseAmendArgs() reads N only when text follows it (for /edit)", () => {
  assert.deepEqual(parseAmendArgs("2 fixed text", true), { back: 2, text: "fixed text" });
  assert.deepEqual(parseAmendArgs("fixed text", true), { back: 1, text: "fixed text" });
  assert.deepEqual(parseAmendArgs("42", true), { back: 1, text: "42" });
  assert.deepEqual(parseAmendArgs("1 42 is the answer", true), {
    back: 1,
    text: "42 is the answer",
  });
  assert.deepEqual(parseAmendArgs("3", false), { back: 3, text: "" });
  assert.deepEqual(parseAmendArgs("", false), { back: 1, text: "" });
  assert.deepEqual(parseAmendArgs("#7 seven", true), { back: 1, seq: 7, text: "seven" });
  assert.deepEqual(parseAmendArgs("#7", false), { back: 1, seq: 7, text: "" });
  assert.deepEqual(parseAmendArgs("#7", true), { back: 1, text: "#7" });
});

Deno.test("plainDeliveryLine() labels edits, deletes and withheld text", () => {
  assert.equal(plainDeliveryLine(chat(BOB, 1, "hi")), "bob: hi");
  assert.equal(
    plainDeliveryLine(chat(BOB, 2, "ho", { amends: { kind: "edit", target: 1 } })),
    "bob (edited #1): ho",
  );
  assert.equal(
    plainDeliveryLine(chat(BOB, 3, "", { amends: { kind: "delete", target: 1 } })),
    "bob (deleted #1)",
  );
  assert.equal(plainDeliveryLine(chat(BOB, 4, "", { redacted: true })), "bob: (text withheld)");
});

Deno.test("runRedactionCommand() edits the right message, mutes by nick, and explains refusals", async () => {
  const calls: string[] = [];
  const printed: string[] = [];
  const policy = { muted: [] as string[], blocked: [] as string[] };
  const peer = {
    id: ME,
    edit: (seq: number, text: string) => {
      calls.push(`edit ${seq} ${text}`);
      return Promise.resolve(chat(ME, 9, text));
    },
    delete: (seq: number) => {
      calls.push(`delete ${seq}`);
      return Promise.reject(new RangeError(`Cannot delete: message ${seq} is deleted already`));
    },
    setPolicy: (kind: "muted" | "blocked", id: string, on: boolean) => {
      calls.push(`${kind} ${id.slice(0, 2)} ${on}`);
      if (on) policy[kind].push(id);
    },
    policy: () => policy,
  } as unknown as PeerService;
  const context = {
    peer,
    print: (l: string) => printed.push(l),
    error: (t: string) => `E:${t}`,
    dim: (t: string) => t,
    resolvePeer: (name: string) => name === "bob" ? BOB : `No peer known as ${name} (see /peers)`,
    nameOf: (id: string) => (id === BOB ? "bob (bbbb)" : id),
  };
  const view = new RedactionView(ME);
  shown(view, chat(ME, 1, "one"));
  shown(view, chat(ME, 2, "two"));
  assert.ok(runRedactionCommand("/edit", "2 uno", view, context));
  assert.ok(runRedactionCommand("/delete", "", view, context));
  assert.ok(runRedactionCommand("/mute", "bob", view, context));
  assert.ok(runRedactionCommand("/block", "carol", view, context));
  assert.ok(runRedactionCommand("/edit", "", view, context));
  assert.ok(runRedactionCommand("/edit", "#12 from before a restart", view, context));
  assert.ok(runRedactionCommand("/mute", "", view, context));
  assert.ok(!runRedactionCommand("/dance", "", view, context));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(calls, [
    "edit 1 uno",
    "delete 2",
    "muted bb true",
    "edit 12 from before a restart",
  ]);
  assert.deepEqual(printed, [
    "* bob (bbbb) muted: their messages are hidden here (/unmute to undo)",
    "E:No peer known as carol (see /peers)",
    "E:usage: /edit [N|#SEQ] TEXT (N: your Nth message back, 1 = the last)",
    "muted: bob (bbbb)",
    "E:Not changed: Cannot delete: message 2 is deleted already",
  ]);
});
