import assert from "node:assert/strict";
import {
  connectivityLine,
  joinLine,
  leaveLine,
  messageStateLine,
  messageStateMark,
  nickChangeLine,
  observedAddressLine,
  whoLines,
} from "../../lib/ui/presence_view.ts";

Deno.test("joinLine() and leaveLine() name the member and say why in human words", () => {
  assert.equal(joinLine("bob"), "* bob joined");
  assert.equal(leaveLine("bob", "left", "left"), "* bob left");
  assert.equal(
    leaveLine("bob#3a09", "connection-lost", "unreachable: x"),
    "* bob#3a09: connection lost",
  );
  assert.equal(leaveLine("bob", "not-answering", "suspected for 900 ms"), "* bob: not answering");
  assert.match(
    leaveLine("bob", "forgotten", "forgotten (partial view)"),
    /^\* bob: no longer followed/,
  );
  assert.equal(leaveLine("bob", undefined, "registration lapsed"), "* bob: registration lapsed");
});

Deno.test("presence lines make names terminal-safe", () => {
  assert.equal(joinLine("\u001b[2Jbob"), "* \ufffd[2Jbob joined");
  assert.equal(nickChangeLine("bob", "ro\u0007b"), "* bob is now ro\ufffdb");
});

Deno.test("whoLines() lists members by name with * for direct links", () => {
  const names = new Map([["b", "bob"], ["a", "ann#3a09"]]);
  assert.deepEqual(
    whoLines([
      { id: "b", addr: "127.0.0.1:2", connected: false },
      { id: "a", addr: "127.0.0.1:1", connected: true },
    ], names),
    [
      "2 peers here (* = direct link):",
      "  * ann#3a09  127.0.0.1:1",
      "    bob       127.0.0.1:2",
    ],
  );
  assert.deepEqual(whoLines([], names), ["0 peers here (* = direct link):"]);
});

Deno.test("whoLines() shows a relayed member by its relay, and how each link's bytes travel", () => {
  const names = new Map([["a", "ann"], ["b", "bob"], ["c", "cat"]]);
  assert.deepEqual(
    whoLines([
      { id: "a", addr: `10.0.0.1:7411/relay/${"ab".repeat(32)}`, connected: true, path: "relayed" },
      { id: "b", addr: "10.0.0.2:7000", connected: true, path: "punched" },
      { id: "c", addr: "10.0.0.3:7000", connected: true, path: "direct" },
    ], names),
    [
      "3 peers here (* = direct link):",
      "  * ann  via relay 10.0.0.1:7411 (relayed)",
      "  * bob  10.0.0.2:7000 (punched)",
      "  * cat  10.0.0.3:7000",
    ],
  );
});

Deno.test("messageStateMark() and messageStateLine() show queued, sent and seen", () => {
  assert.deepEqual(["queued", "sent", "seen"].map((s) => messageStateMark(s as "sent")), [
    "…",
    "✓",
    "✓✓",
  ]);
  assert.equal(messageStateLine("sent", "hello"), '  ✓ sent: "hello"');
  assert.equal(messageStateLine("seen", "x".repeat(40)), `  ✓✓ seen: "${"x".repeat(23)}…"`);
});

Deno.test("connectivityLine() says how a peer alone reconnects, and when it is back", () => {
  assert.equal(
    connectivityLine({
      state: "alone",
      neighbours: 0,
      bootstraps: 1,
      remembered: 3,
      nextAttemptInMs: 1_200,
    }),
    "* No link to the room: reconnecting through 1 bootstrap and 3 known peers, next try in 2 s",
  );
  assert.match(
    connectivityLine({
      state: "alone",
      neighbours: 0,
      bootstraps: 0,
      remembered: 0,
      nextAttemptInMs: 0,
    }),
    /waiting for a peer to dial in/,
  );
  assert.equal(
    connectivityLine({
      state: "linked",
      neighbours: 1,
      bootstraps: 1,
      remembered: 3,
      nextAttemptInMs: 0,
    }),
    "* Connected again (1 link)",
  );
});

Deno.test("observedAddressLine() says where others see this peer, and warns when that is not what it advertises", () => {
  assert.equal(
    observedAddressLine({ host: "10.0.0.5", observers: 1, advertised: "10.0.0.5:7000" }),
    "* Others see this peer at 10.0.0.5, the host it advertises",
  );
  assert.equal(
    observedAddressLine({ host: "2001:db8::5", observers: 2, advertised: "[2001:db8::5]:7000" }),
    "* Others see this peer at 2001:db8::5, the host it advertises (2 nodes agree)",
  );
  assert.match(
    observedAddressLine({ host: "203.0.113.7", observers: 1, advertised: "192.168.1.2:7000" }),
    /^\* Others see this peer at 203\.0\.113\.7, not at 192\.168\.1\.2:7000 \(the address it advertises\): behind a NAT or a firewall, peers may not be able to dial it/,
  );
});
