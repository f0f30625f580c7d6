/**
 * `peer --web`: an HTTP server in the peer's process serving the chat page
 * and a WebSocket live feed. The feed carries the same JSON objects as the
 * `--json` event lines, after a `snapshot` object on connect; the page sends
 * the same commands as `--json` stdin lines and gets the same answers.
 *
 * @module
 */

import { PROMETHEUS_CONTENT_TYPE } from "../metrics/prometheus_text.ts";
import {
  errorJson,
  InvalidCommandError,
  parseJsonCommand,
  type RefCommand,
} from "../ui/json_front_end.ts";
import { checkRequest, refusal, SECURITY_HEADERS, TOKEN_COOKIE } from "./web_security.ts";
import { listenGuarded } from "./guarded_listener.ts";
import { newWebToken } from "./web_token.ts";
import type { HistorySource, StoredMessage } from "../store/stored_history.ts";

/** Pages connected at once; one more is refused with 503. */
export const WEB_CLIENTS_MAX = 16;

/**
 * Bytes a page may have unsent on its WebSocket; past this it is too slow
 * and is dropped (it reconnects and gets a fresh snapshot), so a stalled tab
 * never grows the peer's memory.
 */
export const WEB_CLIENT_BUFFERED_BYTES_MAX = 1024 * 1024;

/** Chat messages of this session kept for the snapshot a page gets on connect (older: the `history` command). */
export const WEB_RECENT_MESSAGES_MAX = 200;

/**
 * Stored messages (a data directory's) a page gets in its snapshot as `history`, besides this
 * session's `messages`: the newest ones, without those of this session.
 */
export const WEB_SNAPSHOT_HISTORY_MAX = 200;

/** Longest command message from a page, as for a `--json` stdin line. */
export const WEB_COMMAND_BYTES_MAX = 64 * 1024;

/** The static files of the page: path → [content type, body]. */
const ASSETS: Readonly<Record<string, readonly [string, string]>> = {
  "/": ["text/html; charset=utf-8", "index.html"],
  "/app.js": ["text/javascript; charset=utf-8", "app.js"],
  "/app.css": ["text/css; charset=utf-8", "app.css"],
  "/views.js": ["text/javascript; charset=utf-8", "views.js"],
};

/** Reads the page's files, shipped beside this module (`deno compile --include lib/web/assets`). */
export async function loadAssets(): Promise<Map<string, readonly [string, string]>> {
  const loaded = new Map<string, readonly [string, string]>();
  for (const [path, [type, file]] of Object.entries(ASSETS)) {
    loaded.set(path, [type, await Deno.readTextFile(new URL(`./assets/${file}`, import.meta.url))]);
  }
  return loaded;
}

/** What the web front end needs from the peer. */
export interface WebPeerBinding {
  /** The object sent first on every feed connection (`type: "snapshot"`). */
  snapshot(): Record<string, unknown>;
  /** Runs one parsed command; answers go to `out` as JSON text. */
  run(command: RefCommand, out: { line(text: string): void }): Promise<boolean>;
  /** The room's stored history, for the snapshot's `history`. Default: none (no such field). */
  storedHistory?: Pick<HistorySource, "history"> | undefined;
}

/** Options of {@linkcode handleWebRequest} and {@linkcode startWebServer}. */
export interface WebHandlerOptions {
  /** The run's token. */
  token: string;
  /** Accepted `Host` values; `undefined` accepts any (public bind). */
  hosts: ReadonlySet<string> | undefined;
  /** The page's files, from {@linkcode loadAssets}. */
  assets: ReadonlyMap<string, readonly [string, string]>;
  /** Upgrades a checked request to the live feed. Default: answers 426. */
  upgrade?: (request: Request) => Response;
  /**
   * The node's metrics in Prometheus text, served at `/metrics` behind the
   * same checks as the page (a scraper sends the token as a header). Default:
   * none (404).
   */
  metrics?: (() => string) | undefined;
}

/** Answers one request: the security checks, then the page, its files or the feed. */
export function handleWebRequest(request: Request, options: WebHandlerOptions): Response {
  const refused = checkRequest(request, options);
  if (refused !== undefined) return refused;
  const url = new URL(request.url);
  if (url.pathname === "/feed") {
    if ((request.headers.get("upgrade") ?? "").toLowerCase() !== "websocket") {
      return refusal(426, "Upgrade Required: the feed is a WebSocket");
    }
    return options.upgrade?.(request) ?? refusal(426, "Upgrade Required");
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return refusal(405, "Method Not Allowed");
  }
  if (url.pathname === "/metrics" && options.metrics !== undefined) {
    const headers = { ...SECURITY_HEADERS, "content-type": PROMETHEUS_CONTENT_TYPE };
    return new Response(request.method === "HEAD" ? null : options.metrics(), { headers });
  }
  const asset = options.assets.get(url.pathname);
  if (asset === undefined) return refusal(404, "Not Found");
  const headers: Record<string, string> = { ...SECURITY_HEADERS, "content-type": asset[0] };
  if (url.searchParams.has("token")) {
    // The page's own requests (its script, its feed) then carry the token without it in the URL.
    headers["set-cookie"] = `${TOKEN_COOKIE}=${options.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
  return new Response(request.method === "HEAD" ? null : asset[1], { headers });
}

/** Options of {@linkcode startWebServer}. */
export interface WebServerOptions {
  /** Address to bind. Default `127.0.0.1`. */
  hostname?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Accept any `Host` (for a non-loopback bind). Default false. */
  anyHost?: boolean;
  /** Token. Default: a fresh {@linkcode newWebToken}. */
  token?: string;
  /** Pages at once. Default {@linkcode WEB_CLIENTS_MAX}. */
  clientsMax?: number;
  /** Unsent bytes per page before it is dropped. Default {@linkcode WEB_CLIENT_BUFFERED_BYTES_MAX}. */
  clientBufferedBytesMax?: number;
  /** Serves `/metrics` too (see {@linkcode WebHandlerOptions.metrics}). Default: none. */
  metrics?: (() => string) | undefined;
}

/** A running web front end. */
export interface WebServer {
  /** The URL to open, token included. */
  readonly url: string;
  /** Pages connected now. */
  readonly clientCount: number;
  /** Sends one event object (as JSON text) to every page. */
  publish(json: string): void;
  /** Closes every page and the listener. */
  stop(): Promise<void>;
}

/** Starts the web front end for `peer`. */
export async function startWebServer(
  peer: WebPeerBinding,
  options: WebServerOptions = {},
): Promise<WebServer> {
  const token = options.token ?? newWebToken();
  const clientsMax = options.clientsMax ?? WEB_CLIENTS_MAX;
  const bufferedMax = options.clientBufferedBytesMax ?? WEB_CLIENT_BUFFERED_BYTES_MAX;
  const assets = await loadAssets();
  const clients = new Set<WebSocket>();
  /** The last {@linkcode WEB_RECENT_MESSAGES_MAX} `message` objects, as JSON text, oldest first. */
  const recent: string[] = [];
  const send = (socket: WebSocket, text: string) => {
    if (socket.readyState !== WebSocket.OPEN) return;
    if (socket.bufferedAmount > bufferedMax) {
      clients.delete(socket);
      socket.close(1008, "too slow: reload to catch up");
      return;
    }
    socket.send(text);
  };
  const upgrade = (request: Request): Response => {
    if (clients.size >= clientsMax) {
      return refusal(503, `Service Unavailable: ${clientsMax} pages are open already`);
    }
    const { socket, response } = Deno.upgradeWebSocket(request);
    const out = { line: (text: string) => send(socket, text) };
    socket.onopen = () => {
      clients.add(socket);
      send(
        socket,
        `${JSON.stringify({ type: "snapshot", ...peer.snapshot() }).slice(0, -1)}${
          historyField(peer.storedHistory, recent)
        },"messages":[${recent.join(",")}]}`,
      );
    };
    socket.onclose = () => clients.delete(socket);
    socket.onerror = () => clients.delete(socket);
    socket.onmessage = (event) => {
      if (typeof event.data !== "string" || event.data.length > WEB_COMMAND_BYTES_MAX) {
        out.line(errorJson(`Invalid command: not text of at most ${WEB_COMMAND_BYTES_MAX} bytes`));
        return;
      }
      let command: RefCommand;
      try {
        command = parseJsonCommand(event.data);
      } catch (error) {
        const ref = error instanceof InvalidCommandError ? error.ref : undefined;
        out.line(errorJson((error as Error).message, ref));
        return;
      }
      if (command.type === "quit") {
        // A page must not stop the peer: closing the tab is its quit.
        out.line(errorJson("A page cannot quit the peer; close the tab instead", command.ref));
        return;
      }
      peer.run(command, out).catch((error) =>
        out.line(errorJson((error as Error).message, command.ref))
      );
    };
    return response;
  };
  const listener = await listenGuarded(
    options,
    token,
    (request, hosts) =>
      handleWebRequest(request, { token, hosts, assets, upgrade, metrics: options.metrics }),
  );
  return {
    url: listener.url,
    get clientCount() {
      return clients.size;
    },
    publish(json: string) {
      if (json.startsWith('{"type":"message"')) {
        recent.push(json);
        if (recent.length > WEB_RECENT_MESSAGES_MAX) recent.shift();
      }
      for (const socket of clients) send(socket, json);
    },
    async stop() {
      for (const socket of clients) socket.close(1001, "peer stopping");
      clients.clear();
      await listener.shutdown();
    },
  };
}

/**
 * The snapshot's `,"history":[…]` (stored messages, oldest first, without this session's
 * `recent` ones), or nothing without a store. A store that cannot be read gives an empty list:
 * the page still gets its feed.
 */
function historyField(
  source: Pick<HistorySource, "history"> | undefined,
  recent: readonly string[],
): string {
  if (source === undefined) return "";
  let stored: readonly StoredMessage[];
  try {
    stored = source.history(WEB_SNAPSHOT_HISTORY_MAX).messages;
  } catch {
    stored = [];
  }
  const session = new Set(recent.map((json) => {
    const { author, seq } = JSON.parse(json) as { author: string; seq: number };
    return `${author}/${seq}`;
  }));
  const older = stored.filter((m) => !session.has(`${m.author}/${m.seq}`));
  return `,"history":${JSON.stringify(older)}`;
}
