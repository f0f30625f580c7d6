import assert from "node:assert/strict";
import {
  handleWebRequest,
  loadAssets,
  startWebServer,
  WEB_SNAPSHOT_HISTORY_MAX,
  type WebPeerBinding,
} from "../../lib/web/web_server.ts";
import type { StoredMessage } from "../../lib/store/stored_history.ts";
import { CONTENT_SECURITY_POLICY, loopbackHosts } from "../../lib/web/web_security.ts";
import { newWebToken, tokenMatches } from "../../lib/web/web_token.ts";

const TOKEN = newWebToken();
const HOST = "127.0.0.1:8080";
const assets = await loadAssets();
const options = { token: TOKEN, hosts: loopbackHosts("127.0.0.1", 8080), assets };

function request(path: string, init: RequestInit & { headers?: Record<string, string> } = {}) {
  return new Request(`http://${HOST}${path}`, {
    ...init,
    headers: { host: HOST, ...(init.headers ?? {}) },
  });
}

async function statusOf(r: Request): Promise<number> {
  const response = handleWebRequest(r, options);
  await response.body?.cancel();
  return response.status;
}

Deno.test("newWebToken() is 32 random bytes in base64url", () => {
  const token = newWebToken();
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert(token !== newWebToken());
  assert(tokenMatches(token, token));
  assert(!tokenMatches(token.slice(0, -1) + (token.endsWith("A") ? "B" : "A"), token));
  assert(!tokenMatches("", token));
});

Deno.test("handleWebRequest() serves the page with its token, sets the cookie and the security headers", async () => {
  const response = handleWebRequest(request(`/?token=${TOKEN}`), options);
  assert.deepStrictEqual(response.status, 200);
  assert.deepStrictEqual(response.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /default-src 'none'/);
  assert.match(CONTENT_SECURITY_POLICY, /frame-ancestors 'none'/);
  assert.deepStrictEqual(response.headers.get("x-content-type-options"), "nosniff");
  assert.deepStrictEqual(response.headers.get("referrer-policy"), "no-referrer");
  assert.deepStrictEqual(
    response.headers.get("set-cookie"),
    `p2pchat_token=${TOKEN}; HttpOnly; SameSite=Strict; Path=/`,
  );
  const html = await response.text();
  assert.match(html, /<script src="\/app.js"/);
  assert(!/https?:\/\//.test(html), "the page loads nothing from elsewhere");
});

Deno.test("handleWebRequest() serves the assets to the cookie or header, with their types", async () => {
  for (
    const [path, type] of [["/app.js", "text/javascript"], ["/app.css", "text/css"]] as const
  ) {
    const response = handleWebRequest(
      request(path, { headers: { cookie: `other=1; p2pchat_token=${TOKEN}` } }),
      options,
    );
    assert.deepStrictEqual(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", new RegExp(`^${type}`));
    assert.deepStrictEqual(
      response.headers.get("content-security-policy"),
      CONTENT_SECURITY_POLICY,
    );
    assert((await response.text()).length > 100);
  }
  assert.deepStrictEqual(
    await statusOf(request("/app.js", { headers: { "x-p2pchat-token": TOKEN } })),
    200,
  );
  assert.deepStrictEqual(await statusOf(request(`/nothing?token=${TOKEN}`)), 404);
});

Deno.test("handleWebRequest() refuses a missing token with 401 and a wrong one with 403", async () => {
  assert.deepStrictEqual(await statusOf(request("/")), 401);
  assert.deepStrictEqual(await statusOf(request("/app.js")), 401);
  assert.deepStrictEqual(await statusOf(request("/?token=wrong")), 403);
  assert.deepStrictEqual(
    await statusOf(request("/", { headers: { cookie: "p2pchat_token=wrong" } })),
    403,
  );
  const refused = handleWebRequest(request("/"), options);
  assert.deepStrictEqual(refused.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  await refused.body?.cancel();
});

Deno.test("handleWebRequest() refuses a foreign Host with 403 even with the token (DNS rebinding)", async () => {
  const rebound = new Request(`http://evil.example:8080/?token=${TOKEN}`, {
    headers: { host: "evil.example:8080" },
  });
  assert.deepStrictEqual(await statusOf(rebound), 403);
  assert.deepStrictEqual(
    await statusOf(request(`/?token=${TOKEN}`, { headers: { host: "127.0.0.1:9999" } })),
    403,
  );
  assert.deepStrictEqual(
    await statusOf(request(`/?token=${TOKEN}`, { headers: { host: "localhost:8080" } })),
    200,
  );
});

Deno.test("handleWebRequest() refuses a WebSocket upgrade or POST from a foreign or missing Origin", async () => {
  const upgrade = { upgrade: "websocket", connection: "Upgrade" };
  const calls: Request[] = [];
  const withUpgrade = {
    ...options,
    upgrade: (r: Request) => {
      calls.push(r);
      return new Response(null, { status: 299 });
    },
  };
  const feed = (headers: Record<string, string>) =>
    handleWebRequest(request(`/feed?token=${TOKEN}`, { headers }), withUpgrade).status;
  assert.deepStrictEqual(feed({ ...upgrade, origin: "http://evil.example" }), 403);
  assert.deepStrictEqual(feed(upgrade), 403);
  assert.deepStrictEqual(calls.length, 0);
  assert.deepStrictEqual(feed({ ...upgrade, origin: `http://${HOST}` }), 299);
  assert.deepStrictEqual(calls.length, 1);
  assert.deepStrictEqual(
    await statusOf(
      request(`/?token=${TOKEN}`, { method: "POST", headers: { origin: "http://evil.example" } }),
    ),
    403,
  );
  assert.deepStrictEqual(
    await statusOf(
      request(`/?token=${TOKEN}`, { method: "POST", headers: { origin: `http://${HOST}` } }),
    ),
    405,
  );
});

/** A binding that records commands and answers each with an `ok` line. */
function fakePeer(): WebPeerBinding & { commands: unknown[] } {
  const commands: unknown[] = [];
  return {
    commands,
    snapshot: () => ({ self: { id: "a".repeat(64), nick: "me" }, peers: [] }),
    run: (command, out) => {
      commands.push(command);
      out.line(JSON.stringify({ type: "ok", command: command.type, ref: command.ref }));
      return Promise.resolve(true);
    },
  };
}

/** Opens the feed of `server` as its page would, and collects what it gets. */
function openFeed(url: string, origin?: string) {
  const { host } = new URL(url);
  const token = new URL(url).searchParams.get("token");
  const socket = new WebSocket(`ws://${host}/feed`, {
    headers: { origin: origin ?? `http://${host}`, "x-p2pchat-token": token ?? "" },
  });
  const received: Record<string, unknown>[] = [];
  const waiters: (() => void)[] = [];
  socket.onmessage = (e) => {
    received.push(JSON.parse(e.data));
    for (const w of waiters.splice(0)) w();
  };
  const closed = new Promise<CloseEvent>((resolve) => (socket.onclose = resolve));
  const opened = new Promise<boolean>((resolve) => {
    socket.onopen = () => resolve(true);
    socket.onerror = () => resolve(false);
  });
  const next = async (type: string) => {
    while (true) {
      const found = received.find((m) => m.type === type);
      if (found !== undefined) {
        received.splice(received.indexOf(found), 1);
        return found;
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { socket, opened, closed, next, received };
}

Deno.test("startWebServer() feed: a snapshot on connect, published events, commands answered", async () => {
  const peer = fakePeer();
  const server = await startWebServer(peer);
  try {
    server.publish(JSON.stringify({ type: "message", author: "b", seq: 1, text: "before" }));
    const page = openFeed(server.url);
    assert(await page.opened);
    const snapshot = await page.next("snapshot");
    assert.deepStrictEqual(snapshot.self, { id: "a".repeat(64), nick: "me" });
    assert.deepStrictEqual((snapshot.messages as { text: string }[]).map((m) => m.text), [
      "before",
    ]);
    server.publish(JSON.stringify({ type: "peer-up", id: "b", addr: "x:1" }));
    assert.deepStrictEqual((await page.next("peer-up")).id, "b");
    page.socket.send(JSON.stringify({ type: "send", text: "hi", ref: 7 }));
    assert.deepStrictEqual(await page.next("ok"), { type: "ok", command: "send", ref: 7 });
    page.socket.send("not json");
    assert.match(String((await page.next("error")).error), /not JSON/);
    page.socket.send(JSON.stringify({ type: "quit", ref: 8 }));
    assert.deepStrictEqual((await page.next("error")).ref, 8);
    assert.deepStrictEqual(peer.commands.length, 1, "quit from a page does not reach the peer");
    page.socket.close();
    await page.closed;
  } finally {
    await server.stop();
  }
});

Deno.test("startWebServer() refuses a feed from a foreign Origin and past the client limit", async () => {
  const server = await startWebServer(fakePeer(), { clientsMax: 1 });
  try {
    const foreign = openFeed(server.url, "http://evil.example");
    assert.deepStrictEqual(await foreign.opened, false);
    await foreign.closed;
    const first = openFeed(server.url);
    assert(await first.opened);
    await first.next("snapshot");
    const second = openFeed(server.url);
    assert.deepStrictEqual(await second.opened, false);
    await second.closed;
    assert.deepStrictEqual(server.clientCount, 1);
    first.socket.close();
    await first.closed;
  } finally {
    await server.stop();
  }
});

Deno.test("startWebServer() drops a page that stops reading, never buffering more than the limit", async () => {
  const server = await startWebServer(fakePeer(), { clientBufferedBytesMax: 64 * 1024 });
  const { host, port } = new URL(server.url);
  const token = new URL(server.url).searchParams.get("token");
  // A page that opens the feed and then never reads: a raw handshake on a socket left unread.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
  try {
    await conn.write(new TextEncoder().encode(
      `GET /feed HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
        `Origin: http://${host}\r\nX-P2pchat-Token: ${token}\r\n\r\n`,
    ));
    while (server.clientCount === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const big = JSON.stringify({ type: "peer-up", text: "x".repeat(60_000) });
    // Kernel buffers take some megabytes, then the server's own queue grows until the limit.
    let published = 0;
    while (server.clientCount > 0) {
      assert.ok(published < 100_000, "the page was never dropped");
      server.publish(big);
      published++;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    assert.deepStrictEqual(server.clientCount, 0);
  } finally {
    conn.close();
    await server.stop();
  }
});

Deno.test("the page's script puts remote text in only as text, and loads nothing from elsewhere", () => {
  for (const path of ["/app.js", "/views.js"]) {
    const script = assets.get(path)?.[1] ?? "";
    assert.ok(script.includes("textContent"), path);
    for (
      const sink of ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("]
    ) {
      assert.ok(!script.includes(sink), `${path} uses ${sink}`);
    }
  }
  for (const [path, [, body]] of assets) {
    assert.ok(
      !/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i.test(body),
      `${path} names another site`,
    );
  }
});

Deno.test("handleWebRequest() serves /metrics behind the token and Host checks, only when given", async () => {
  const withMetrics = { ...options, metrics: () => "p2pchat_delivered_total 3\n" };
  const tokenHeader = { "x-p2pchat-token": TOKEN };
  const ok = handleWebRequest(request("/metrics", { headers: tokenHeader }), withMetrics);
  assert.deepStrictEqual(ok.status, 200);
  assert.match(ok.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  assert.deepStrictEqual(await ok.text(), "p2pchat_delivered_total 3\n");
  const statusWith = async (r: Request, o: Parameters<typeof handleWebRequest>[1]) => {
    const response = handleWebRequest(r, o);
    await response.body?.cancel();
    return response.status;
  };
  assert.deepStrictEqual(await statusWith(request("/metrics"), withMetrics), 401);
  assert.deepStrictEqual(
    await statusWith(
      request("/metrics", { headers: { ...tokenHeader, host: "evil.example:8080" } }),
      withMetrics,
    ),
    403,
  );
  assert.deepStrictEqual(
    await statusWith(request("/metrics", { headers: tokenHeader }), options),
    404,
  );
});

Deno.test("startWebServer() snapshot: stored messages as history, at most WEB_SNAPSHOT_HISTORY_MAX, without this session's", async () => {
  const stored = (author: string, seq: number): StoredMessage => ({
    row: seq,
    author,
    nick: author,
    seq,
    ts: 0,
    text: `${author}${seq}`,
  });
  const asked: number[] = [];
  let broken = false;
  const server = await startWebServer({
    ...fakePeer(),
    storedHistory: {
      history: (count) => {
        asked.push(count);
        if (broken) throw new Error("database is locked");
        return { messages: [stored("b", 1), stored("b", 2), stored("c", 1)], more: false };
      },
    },
  });
  try {
    // b#2 and c#1 were delivered in this session: they come once, as messages.
    server.publish(JSON.stringify({ type: "message", author: "b", seq: 2, text: "b2" }));
    server.publish(JSON.stringify({ type: "message", author: "c", seq: 1, text: "c1" }));
    const page = openFeed(server.url);
    const snapshot = await page.next("snapshot");
    assert.deepStrictEqual(snapshot.history, [stored("b", 1)]);
    assert.deepStrictEqual((snapshot.messages as { text: string }[]).map((m) => m.text), [
      "b2",
      "c1",
    ]);
    assert.deepStrictEqual(asked, [WEB_SNAPSHOT_HISTORY_MAX]);
    page.socket.close();
    await page.closed;
    // A store that cannot be read still lets the page in, with no history.
    broken = true;
    const again = openFeed(server.url);
    assert.deepStrictEqual((await again.next("snapshot")).history, []);
    again.socket.close();
    await again.closed;
  } finally {
    await server.stop();
  }
});
