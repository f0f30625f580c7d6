import assert from "node:assert/strict";
import { TraceWriter } from "../../../../testing/sim/trace_writer.ts";
import { runScenario } from "../../../../testing/sim/scenarios.ts";
import {
  loadReplay,
  type Replay,
  startReplayServer,
} from "../../../../testing/sim/viewer/replay_server.ts";
import { CONTENT_SECURITY_POLICY } from "../../../../lib/web/web_security.ts";

async function smallReplay(): Promise<Replay> {
  const lines: string[] = [];
  const writer = new TraceWriter({ write: (l) => lines.push(l) });
  writer.header({ scenario: "steady", nodes: 5, seed: 3, options: {} });
  let endMs = 0;
  runScenario({
    scenario: "steady",
    nodes: 5,
    seed: 3,
    observers: [writer],
    onFinish: (w) => (endMs = w.net.nowMs),
  });
  writer.finish(endMs);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/t.jsonl`, lines.join("\n") + "\n");
    return await loadReplay(`${dir}/t.jsonl`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const REPLAY = await smallReplay();

/** A raw HTTP/1.1 GET with exactly these headers (fetch would set Host itself). */
async function rawGet(port: number, path: string, headers: Record<string, string>) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    const head = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await conn.write(
      new TextEncoder().encode(`GET ${path} HTTP/1.1\r\n${head}connection: close\r\n\r\n`),
    );
    let text = "";
    const buffer = new Uint8Array(65536);
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, n));
    }
    return Number(text.split(" ")[1]);
  } finally {
    conn.close();
  }
}

Deno.test("startReplayServer() serves the page, timeline and waves only with the token, with the CSP", async () => {
  const server = await startReplayServer(REPLAY);
  try {
    const url = new URL(server.url);
    const token = url.searchParams.get("token")!;
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const page = await fetch(server.url);
    assert.deepStrictEqual(page.status, 200);
    assert.deepStrictEqual(page.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
    const cookie = page.headers.get("set-cookie")!.split(";")[0]!;
    assert.match(await page.text(), /<script src="\/replay.js"/);
    for (const path of ["/replay.js", "/replay.css"]) {
      const asset = await fetch(new URL(path, url), { headers: { cookie } });
      assert.deepStrictEqual(asset.status, 200, path);
      assert((await asset.text()).length > 100, path);
    }
    const timeline = await fetch(new URL("/timeline.json", url), {
      headers: { cookie, "accept-encoding": "gzip" },
    });
    assert.deepStrictEqual(timeline.headers.get("content-type"), "application/json");
    assert.deepStrictEqual(timeline.headers.get("content-encoding"), "gzip");
    assert.deepStrictEqual(
      timeline.headers.get("content-security-policy"),
      CONTENT_SECURITY_POLICY,
    );
    const body = await timeline.json();
    assert.deepStrictEqual(body.format, "p2pchat-replay/1");
    assert.deepStrictEqual(body.scenario, "steady");
    assert.deepStrictEqual(body.positions.length, 2 * body.addrs.length);
    assert.deepStrictEqual(JSON.stringify(body), REPLAY.timelineJson);
    const plain = await fetch(new URL("/timeline.json", url), {
      headers: { cookie, "accept-encoding": "identity" },
    });
    assert.deepStrictEqual(plain.headers.get("content-encoding"), null);
    assert.deepStrictEqual(await plain.text(), REPLAY.timelineJson);
    const wave = await fetch(new URL("/wave/0", url), { headers: { cookie } });
    assert(Array.isArray(await wave.json()));

    for (const path of ["/", "/timeline.json", "/wave/0", "/replay.js"]) {
      const bare = await fetch(new URL(path, url));
      assert.deepStrictEqual(bare.status, 401, path);
      await bare.body?.cancel();
      const wrong = await fetch(new URL(`${path}?token=x${token.slice(1)}`, url));
      assert.deepStrictEqual(wrong.status, 403, path);
      await wrong.body?.cancel();
    }
    const missing = await fetch(new URL(`/wave/99999?token=${token}`, url));
    assert.deepStrictEqual(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await server.stop();
  }
});

Deno.test("startReplayServer() refuses a foreign Host (DNS rebinding) and a feed upgrade from a foreign Origin", async () => {
  const server = await startReplayServer(REPLAY);
  try {
    const port = Number(new URL(server.url).port);
    const token = new URL(server.url).searchParams.get("token")!;
    assert.deepStrictEqual(
      await rawGet(port, `/timeline.json?token=${token}`, { host: "evil.example" }),
      403,
    );
    assert.deepStrictEqual(
      await rawGet(port, `/timeline.json?token=${token}`, { host: `localhost:${port}` }),
      200,
    );
    assert.deepStrictEqual(
      await rawGet(port, `/feed?token=${token}`, {
        host: `127.0.0.1:${port}`,
        upgrade: "websocket",
        connection: "Upgrade",
        origin: "http://evil.example",
      }),
      403,
    );
  } finally {
    await server.stop();
  }
});
