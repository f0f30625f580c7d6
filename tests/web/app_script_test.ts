/**
 * The page's script (lib/web/assets/app.js) run against a stub DOM and a
 * stub WebSocket, fed every feed object kind: what it shows and what it
 * sends. (A later step drives it in a real browser.)
 *
 * @module
 */

import assert from "node:assert/strict";

/** Just enough of an element for app.js. */
class StubElement {
  children: StubElement[] = [];
  textContent = "";
  className = "";
  dataset: Record<string, string> = {};
  value = "";
  options: StubElement[] = [];
  parentElement: StubElement | null = null;
  listeners: Record<string, (event: unknown) => void> = {};
  scrollHeight = 0;
  scrollTop = 0;
  clientHeight = 0;
  append(...children: StubElement[]) {
    for (const child of children) {
      child.parentElement = this;
      this.children.push(child);
      if (child instanceof StubOption) this.options.push(child);
    }
  }
  replaceChildren(...children: StubElement[]) {
    this.children = [];
    this.options = [];
    this.append(...children);
  }
  remove() {}
  scrollIntoView() {}
  addEventListener(type: string, listener: (event: unknown) => void) {
    this.listeners[type] = listener;
  }
  querySelector() {
    return null;
  }
}

class StubOption extends StubElement {
  constructor(text: string, value: string) {
    super();
    this.textContent = text;
    this.value = value;
  }
}

Deno.test("app.js shows the feed as text, keeps members with presence and sends --json commands", async () => {
  const elements = new Map<string, StubElement>();
  const byId = (id: string) => {
    let element = elements.get(id);
    if (element === undefined) {
      element = new StubElement();
      elements.set(id, element);
      if (id === "messages") new StubElement().append(element);
    }
    return element;
  };
  const sent: string[] = [];
  let socket: { onmessage?: (event: { data: string }) => void } = {};
  const globals = globalThis as Record<string, unknown>;
  const stubs: Record<string, unknown> = {
    document: { hidden: false, getElementById: byId, createElement: () => new StubElement() },
    Option: StubOption,
    WebSocket: class {
      static OPEN = 1;
      readyState = 1;
      onmessage?: (event: { data: string }) => void;
      constructor() {
        socket = this;
      }
      send(text: string) {
        sent.push(text);
      }
    },
    location: { protocol: "http:", host: "127.0.0.1:1", search: "" },
    history: { replaceState: () => {} },
  };
  const saved = Object.fromEntries(Object.keys(stubs).map((k) => [k, globals[k]]));
  Object.assign(globals, stubs);
  try {
    await import("../../lib/web/assets/app.js");
    const forwarded: { type: string }[] = [];
    (globals.p2pchat as { onFeed(l: (e: { type: string }) => void): void }).onFeed((e) =>
      forwarded.push(e)
    );
    const feed = (object: unknown) => socket.onmessage?.({ data: JSON.stringify(object) });
    const ann = "a".repeat(64);
    const bob = "b".repeat(64);
    feed({
      type: "snapshot",
      self: { id: ann, nick: "ann" },
      peers: [{ id: bob, nick: "bob" }],
      messages: [{ type: "message", author: bob, nick: "bob", seq: 1, text: "<b>hi</b>", ts: 1 }],
    });
    feed({ type: "direct", from: bob, nick: "bob", text: "psst", ts: 3, at: 3 });
    feed({ type: "peer-down", id: bob, addr: "x:1", reason: "left" });
    const shown = byId("messages").children.map((item) =>
      item.children.map((part) => part.textContent).join(" ")
    );
    assert.match(shown[0] ?? "", /bob <b>hi<\/b>$/, "markup stays text");
    // The message view finds a chat message by author and seq.
    assert.equal(byId("messages").children[0]?.dataset.msg, `${bob}:1`);
    // The other views (views.js) get every feed object after the chat.
    assert.deepEqual(forwarded.map((e) => e.type), ["snapshot", "direct", "peer-down"]);
    assert.match(shown[1] ?? "", /bob → you psst$/);
    assert.deepEqual(
      byId("member-list").children.map((item) => `${item.className}:${item.textContent}`),
      ["self:ann (you)", "away:bob (away)"],
    );
    feed({ type: "peer-up", id: bob, addr: "x:1" });
    assert.equal(byId("member-list").children[1]?.className, "online");
    // A namesake: both bobs are told apart by the shortest id prefix (at least 4 digits).
    const bob2 = "bbbbbc" + "0".repeat(58);
    feed({ type: "peer-up", id: bob2, addr: "y:1", nick: "bob" });
    feed({ type: "message", author: bob2, nick: "bob", seq: 1, text: "me too", ts: 4 });
    const last = byId("messages").children.at(-1)!.children.map((part) => part.textContent);
    assert.match(last.join(" "), /bob#bbbbbc me too$/);

    byId("text").value = "hello";
    byId("compose").listeners.submit?.({ preventDefault() {} });
    byId("to").value = bob;
    byId("text").value = "dm";
    byId("compose").listeners.submit?.({ preventDefault() {} });
    assert.deepEqual(sent.map((s) => JSON.parse(s)), [
      { type: "send", text: "hello" },
      { type: "direct", to: bob, text: "dm" },
    ]);
  } finally {
    Object.assign(globals, saved);
    delete globals.p2pchat;
  }
});
