/**
 * Test helper: a program running in a tmux pane of a given size, on a tmux
 * server of its own (a unique socket), driven with `send-keys` and
 * `paste-buffer` and read with `capture-pane`: what a person would see.
 * `close()` kills the server and waits until the program is gone.
 */

import { processAlive, WAIT_MS } from "./process.ts";

/** Whether tmux can be run here: the tmux tests are skipped where not. */
async function tmuxWorks(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("tmux", {
      args: ["-V"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return success;
  } catch {
    return false;
  }
}

/** True where tmux is missing. */
export const NO_TMUX = !(await tmuxWorks());

/** Appended to a skipped test's name, saying why. */
export const TMUX_NOTE = NO_TMUX ? " (SKIPPED: tmux is not installed)" : "";

/** How often the screen is read while waiting for something on it. */
const POLL_MS = 50;

let sessions = 0;

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A program in a tmux pane of `columns` × `rows`. */
export class TmuxPane {
  readonly socket: string;
  readonly columns: number;
  readonly rows: number;
  /** The program's pid (the pane's process: the command is exec'd). */
  pid = 0;

  private constructor(socket: string, columns: number, rows: number) {
    this.socket = socket;
    this.columns = columns;
    this.rows = rows;
  }

  /** Starts `argv` (in `cwd`, with `env` added) in a new pane. */
  static async start(
    argv: readonly string[],
    options: { columns: number; rows: number; cwd: string; env?: Record<string, string> },
  ): Promise<TmuxPane> {
    const socket = `p2pchat-test-${Deno.pid}-${sessions++}`;
    const pane = new TmuxPane(socket, options.columns, options.rows);
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`).join(
      " ",
    );
    // NO_COLOR is the test's choice alone: a runner that exports it (CI does) must not turn colours off.
    const command = `cd ${shellQuote(options.cwd)} && exec env -u NO_COLOR ${env} ${
      argv.map(shellQuote).join(" ")
    }`;
    await pane.tmux(
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-x",
      String(options.columns),
      "-y",
      String(options.rows),
      command,
    );
    pane.pid = Number((await pane.tmux("display-message", "-p", "#{pane_pid}")).trim());
    return pane;
  }

  /** Runs a tmux command on this pane's server; its stdout. */
  async tmux(...args: string[]): Promise<string> {
    const { success, stdout, stderr } = await new Deno.Command("tmux", {
      args: ["-L", this.socket, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!success) {
      throw new Error(`tmux ${args.join(" ")} failed: ${new TextDecoder().decode(stderr).trim()}`);
    }
    return new TextDecoder().decode(stdout);
  }

  /** Sends key names (`Enter`, `Tab`, `BSpace`, `C-a`, …). */
  async keys(...names: string[]): Promise<void> {
    await this.tmux("send-keys", "-t", "0", ...names);
  }

  /** Types `text` literally. */
  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-t", "0", "-l", text);
  }

  /** Pastes `text` as a terminal does: bracketed (the program asked for it), newlines as CR. */
  async paste(text: string): Promise<void> {
    const file = await Deno.makeTempFile({ prefix: "p2pchat-paste-" });
    try {
      await Deno.writeTextFile(file, text);
      await this.tmux("load-buffer", "-b", "paste", file);
      await this.tmux("paste-buffer", "-p", "-b", "paste", "-t", "0");
    } finally {
      await Deno.remove(file);
    }
  }

  /** The screen's rows (trailing spaces cut); `escapes` keeps colours and attributes. */
  async screen(escapes = false): Promise<string[]> {
    const text = await this.tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", "0");
    return text.replace(/\n$/, "").split("\n").map((row) => row.trimEnd());
  }

  /** The scrollback and the screen, as rows. */
  async transcript(): Promise<string[]> {
    const text = await this.tmux("capture-pane", "-p", "-S", "-", "-t", "0");
    return text.replace(/\n$/, "").split("\n").map((row) => row.trimEnd());
  }

  /** The cursor's column and row. */
  async cursor(): Promise<[number, number]> {
    const [x, y] = (await this.tmux("display-message", "-p", "#{cursor_x} #{cursor_y}")).trim()
      .split(" ").map(Number);
    return [x!, y!];
  }

  /** Waits until the screen satisfies `accepts`; returns it. */
  async waitForScreen(
    accepts: (rows: string[]) => boolean,
    what: string,
    timeoutMs = WAIT_MS,
  ): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.screen();
      if (accepts(rows)) return rows;
      if (Date.now() > deadline) {
        throw new Error(
          `tmux pane: ${what} not on screen within ${timeoutMs} ms:\n${rows.join("\n")}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Kills the server (the program gets SIGHUP) and waits until the program has gone. */
  async close(): Promise<void> {
    await this.tmux("kill-server").catch(() => {});
    const deadline = Date.now() + WAIT_MS;
    while (this.pid > 0 && await processAlive(this.pid)) {
      if (Date.now() > deadline) {
        Deno.kill(this.pid, "SIGKILL");
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
