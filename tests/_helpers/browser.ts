/**
 * Test helper: pages in a real headless Chromium, driven by puppeteer-core.
 *
 * It runs the Chromium the machine has (Debian's `/usr/bin/chromium`, or
 * `$CHROMIUM_PATH`) and never downloads one: puppeteer-core has no browser
 * download step. Where no Chromium runs, {@linkcode browserAvailable} says
 * why, once, and the tests skip:
 *
 *     const skip = browserAvailable();
 *     Deno.test({ name: "…", ignore: skip !== undefined, fn: () =>
 *       withBrowser(async (browser) => {
 *         const page = await browser.openPage(url, { viewport: PHONE_VIEWPORT });
 *         await page.waitForSelector("#text");
 *       }) });
 *
 * {@linkcode withBrowser} ends Chromium (and removes its profile) when the
 * body returns or throws, so a failing test leaves no browser behind and
 * Deno's op and resource sanitizers pass.
 *
 * @module
 */

import puppeteer, { type Browser, type Page } from "npm:puppeteer-core@25.16.0";
import { GRACE_MS, WAIT_MS } from "./process.ts";

export type { Browser, Page };

/** Where Debian's package puts Chromium; `$CHROMIUM_PATH` overrides it. */
export const CHROMIUM_PATH_DEFAULT = "/usr/bin/chromium";

/** A phone's viewport (CSS pixels), for layout tests and screenshots. */
export const PHONE_VIEWPORT: Viewport = { width: 390, height: 844 };

/** The default viewport of {@linkcode TestBrowser.openPage}: a small laptop. */
export const DESKTOP_VIEWPORT: Viewport = { width: 1000, height: 700 };

/** Messages of a page's console errors and uncaught exceptions kept per page. */
const PAGE_ERRORS_MAX = 100;

/** A page size in CSS pixels. */
export interface Viewport {
  /** Width in CSS pixels. */
  readonly width: number;
  /** Height in CSS pixels. */
  readonly height: number;
}

/** Options of {@linkcode TestBrowser.openPage}. */
export interface OpenPageOptions {
  /** The page size. Default {@linkcode DESKTOP_VIEWPORT}. */
  viewport?: Viewport;
  /**
   * Wait for this selector after loading. Default: none (the page has
   * fired `load`).
   */
  waitFor?: string;
}

/** The Chromium to run: `$CHROMIUM_PATH`, else {@linkcode CHROMIUM_PATH_DEFAULT}. */
export function chromiumPath(): string {
  return Deno.env.get("CHROMIUM_PATH") || CHROMIUM_PATH_DEFAULT;
}

let availability: { reason: string | undefined } | undefined;

/**
 * Why browser tests cannot run here (Chromium missing or not starting), or
 * `undefined` when they can. Checked once per test module; the reason is
 * printed once so a skip is never silent.
 */
export function browserAvailable(): string | undefined {
  if (availability !== undefined) return availability.reason;
  const path = chromiumPath();
  let reason: string | undefined;
  try {
    const version = new Deno.Command(path, {
      args: ["--version"],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).outputSync();
    if (!version.success) {
      const stderr = new TextDecoder().decode(version.stderr).trim().split("\n").at(-1);
      reason = `${path} --version failed (exit code ${version.code})${stderr ? `: ${stderr}` : ""}`;
    }
  } catch (error) {
    reason = error instanceof Deno.errors.NotFound
      ? `no Chromium at ${path} (install Debian's chromium or set CHROMIUM_PATH)`
      : `cannot run ${path}: ${error instanceof Error ? error.message : error}`;
  }
  if (reason !== undefined) {
    // deno-lint-ignore no-console -- a skipped test must say why.
    console.warn(`Browser tests skip: ${reason}`);
  }
  availability = { reason };
  return reason;
}

/** One headless Chromium for a test; {@linkcode withBrowser} makes and ends it. */
export class TestBrowser {
  /** The puppeteer browser, for what this class does not wrap. */
  readonly browser: Browser;
  readonly #errors = new WeakMap<Page, string[]>();

  /** Wraps a launched browser; use {@linkcode withBrowser}. */
  constructor(browser: Browser) {
    this.browser = browser;
  }

  /**
   * Opens `url` in a new page of `options.viewport` and waits for `load`
   * (and `options.waitFor`). Console errors and uncaught exceptions of the
   * page are kept for {@linkcode TestBrowser.errorsOf}.
   */
  async openPage(url: string, options: OpenPageOptions = {}): Promise<Page> {
    // A window of its own, not a tab: a background tab is hidden, so its
    // page behaves as unseen (and requestAnimationFrame stops).
    const page = await this.browser.newPage({ type: "window" });
    page.setDefaultTimeout(WAIT_MS);
    const errors: string[] = [];
    this.#errors.set(page, errors);
    const keep = (text: string) => {
      if (errors.length < PAGE_ERRORS_MAX) errors.push(text);
    };
    page.on("pageerror", (error) => keep(`uncaught: ${String(error)}`));
    page.on("console", (message) => {
      if (message.type() !== "error") return;
      const url = message.location().url ?? "";
      // Chromium asks every site for an icon; a page without one is no error of the page.
      if (new URL(url, "http://x/").pathname === "/favicon.ico") return;
      keep(`console: ${message.text()}${url === "" ? "" : ` (${url})`}`);
    });
    await page.setViewport({ ...(options.viewport ?? DESKTOP_VIEWPORT), deviceScaleFactor: 1 });
    await page.goto(url, { waitUntil: "load" });
    if (options.waitFor !== undefined) await page.waitForSelector(options.waitFor);
    return page;
  }

  /** Console errors and uncaught exceptions of a page opened here, oldest first. */
  errorsOf(page: Page): readonly string[] {
    return this.#errors.get(page) ?? [];
  }
}

/** Options of {@linkcode withBrowser}. */
export interface WithBrowserOptions {
  /**
   * More Chromium command-line switches, e.g.
   * `--host-resolver-rules=MAP evil.test 127.0.0.1` to play DNS rebinding.
   * Default none.
   */
  args?: readonly string[];
}

/**
 * Starts headless Chromium, runs `body` with it, and ends it (and removes
 * its profile) however `body` ends. Returns what `body` returns.
 */
export async function withBrowser<T>(
  body: (browser: TestBrowser) => Promise<T>,
  options: WithBrowserOptions = {},
): Promise<T> {
  const browser = await puppeteer.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      // Tests and CI run as root, and Chromium refuses to start its sandbox
      // as root; the pages are this repository's own, on loopback.
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--no-first-run",
      // Pages are on this machine: a proxy from the environment must not see them.
      "--no-proxy-server",
      ...(options.args ?? []),
    ],
    // Puppeteer's own signal handlers would outlive the test.
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    timeout: WAIT_MS,
  });
  try {
    return await body(new TestBrowser(browser));
  } finally {
    await closeBrowser(browser);
  }
}

/** Closes politely; kills Chromium when that does not end it within {@linkcode GRACE_MS}. */
async function closeBrowser(browser: Browser): Promise<void> {
  const chromium = browser.process();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, GRACE_MS, true)));
  const closed = browser.close().then(() => false, () => true);
  const mustKill = await Promise.race([closed, timedOut]);
  clearTimeout(timer);
  if (mustKill && chromium !== null && chromium.exitCode === null) {
    chromium.kill("SIGKILL");
    await closed;
  }
}

/**
 * The value of the JavaScript `expression` in the page (awaited when it is a
 * promise), typed as `T`. An expression, not a function: these helpers are
 * type-checked without the DOM library.
 */
export async function evaluate<T>(page: Page, expression: string): Promise<T> {
  return await page.evaluate(expression) as T;
}

/** How often the wait helpers re-evaluate their condition in the page. */
const POLL_INTERVAL_MS = 50;

/**
 * Waits until the JavaScript `expression` is truthy in the page and returns
 * its value; `what` names the condition in the timeout error.
 */
export async function waitUntil<T>(
  page: Page,
  expression: string,
  what: string,
  options: WaitForTextOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS;
  try {
    // Polled on a timer, which runs in hidden pages too (requestAnimationFrame does not).
    const handle = await page.waitForFunction(expression, {
      timeout: timeoutMs,
      polling: POLL_INTERVAL_MS,
    });
    const value = await handle.jsonValue() as T;
    await handle.dispose();
    return value;
  } catch (error) {
    throw new Error(`${what}: not so within ${timeoutMs} ms`, { cause: error });
  }
}

/** Options of {@linkcode waitForText} and {@linkcode waitUntil}. */
export interface WaitForTextOptions {
  /** How long to wait. Default {@linkcode WAIT_MS}. */
  timeoutMs?: number;
}

/** Waits until an element matching `selector` has `text` in its text content. */
export async function waitForText(
  page: Page,
  selector: string,
  text: string,
  options: WaitForTextOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS;
  try {
    // An expression, not a function: this module is type-checked without the DOM library.
    await page.waitForFunction(
      `[...document.querySelectorAll(${JSON.stringify(selector)})]
        .some((e) => (e.textContent ?? "").includes(${JSON.stringify(text)}))`,
      { timeout: timeoutMs, polling: POLL_INTERVAL_MS },
    );
  } catch (error) {
    const seen = await page.$$eval(selector, (all) => all.map((e) => e.textContent)).catch(
      () => [],
    );
    throw new Error(
      `No ${selector} with text ${JSON.stringify(text)} within ${timeoutMs} ms; saw ${
        JSON.stringify(seen).slice(0, 2000)
      }`,
      { cause: error },
    );
  }
}

/** Saves a PNG of the page's viewport at `path`, making its folder. */
export async function screenshot(page: Page, path: string): Promise<void> {
  const folder = path.slice(0, path.lastIndexOf("/"));
  if (folder !== "") await Deno.mkdir(folder, { recursive: true });
  await page.screenshot({ path: path as `${string}.png`, type: "png" });
}
