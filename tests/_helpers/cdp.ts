/**
 * A minimal Chrome DevTools Protocol client for the replay page's browser
 * test: starts headless Chromium with a profile of its own, opens one page
 * and evaluates expressions in it. (The shared puppeteer harness,
 * tests/_helpers/browser.ts, was not there yet; this is the least needed to
 * move a slider in a real browser.)
 *
 * @module
 */

/** A page in a headless Chromium that {@linkcode CdpPage.close} ends. */
export class CdpPage {
  readonly #process: Deno.ChildProcess;
  readonly #socket: WebSocket;
  #session = "";
  readonly #profile: string;
  readonly #pending = new Map<number, (message: Record<string, unknown>) => void>();
  #next = 1;

  private constructor(process: Deno.ChildProcess, socket: WebSocket, profile: string) {
    this.#process = process;
    this.#socket = socket;
    this.#profile = profile;
    socket.onmessage = (event) => this.#onMessage(event.data);
  }

  /** Starts Chromium at `chromium` and opens `url` in a `width`×`height` page. */
  static async open(chromium: string, url: string, width = 1000, height = 700): Promise<CdpPage> {
    const profile = await Deno.makeTempDir({ prefix: "sim-view-cdp-" });
    const process = new Deno.Command(chromium, {
      args: [
        "--headless",
        // Tests run as root in CI containers, where Chromium's sandbox cannot start.
        "--no-sandbox",
        "--disable-gpu",
        `--user-data-dir=${profile}`,
        `--window-size=${width},${height}`,
        "--remote-debugging-port=0",
        "about:blank",
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    try {
      const endpoint = await devtoolsEndpoint(process.stderr);
      const socket = new WebSocket(endpoint);
      await new Promise((resolve, reject) => {
        socket.onopen = resolve;
        socket.onerror = reject;
      });
      const page = new CdpPage(process, socket, profile);
      const { targetId } = await page.#send("Target.createTarget", { url }) as { targetId: string };
      const { sessionId } = await page.#send("Target.attachToTarget", {
        targetId,
        flatten: true,
      }) as { sessionId: string };
      page.#session = sessionId;
      return page;
    } catch (error) {
      process.kill("SIGKILL");
      await process.status;
      await Deno.remove(profile, { recursive: true });
      throw error;
    }
  }

  /** The value of `expression` in the page (awaited when it is a promise). */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = await this.#send("Runtime.evaluate", {
      expression,
      awaitPromise: true,
      returnByValue: true,
    }) as { result: { value: T }; exceptionDetails?: { text: string } };
    if (reply.exceptionDetails !== undefined) {
      throw new Error(`In the page: ${reply.exceptionDetails.text} (${expression})`);
    }
    return reply.result.value;
  }

  /** Evaluates `expression` until it is truthy; throws after `timeoutMs`. */
  async waitFor<T>(expression: string, what: string, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.evaluate<T>(expression);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Ends Chromium and removes its profile. */
  async close(): Promise<void> {
    this.#socket.close();
    try {
      this.#process.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await this.#process.status;
    await this.#process.stderr.cancel().catch(() => {});
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }

  #send(method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.#next++;
    const message: Record<string, unknown> = { id, method, params };
    if (this.#session !== "") message.sessionId = this.#session;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (reply) => {
        if (reply.error !== undefined) {
          reject(new Error(`${method}: ${JSON.stringify(reply.error)}`));
        } else resolve(reply.result as Record<string, unknown>);
      });
      this.#socket.send(JSON.stringify(message));
    });
  }

  #onMessage(data: unknown): void {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    if (typeof message.id !== "number") return;
    const resolve = this.#pending.get(message.id);
    this.#pending.delete(message.id);
    resolve?.(message);
  }
}

/** Reads Chromium's stderr until it names its DevTools WebSocket; keeps draining it after. */
async function devtoolsEndpoint(stderr: ReadableStream<Uint8Array>): Promise<string> {
  const reader = stderr.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Chromium ended before its DevTools endpoint:\n${text}`);
    text += value;
    const found = /DevTools listening on (ws:\/\/\S+)/.exec(text);
    if (found !== null) {
      // Keep reading so Chromium never blocks on a full pipe.
      (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })().catch(() => {});
      return found[1]!;
    }
  }
}
