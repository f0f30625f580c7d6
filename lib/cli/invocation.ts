/**
 * The command a user typed to start this program, so that hints ("others
 * join with: …") print a command that works for them: `deno task peer` in a
 * checkout, `npx -y deno@2.9.6 run -A main.ts peer` without a Deno install,
 * `./dist/p2pchat peer` for a compiled binary.
 *
 * Pure: `main.ts` passes in what it reads from `Deno.execPath()`,
 * `Deno.mainModule`, `Deno.cwd()` and the environment.
 *
 * @module
 */

/** What {@linkcode invocationOf} needs to know about the running process. */
export interface ProcessFacts {
  /** `Deno.execPath()`: the deno executable, or the compiled binary. */
  readonly execPath: string;
  /** `Deno.mainModule`: the URL of the script run. */
  readonly mainModule: string;
  /** `Deno.cwd()`: paths under it are printed relative to it. */
  readonly cwd: string;
  /** `Deno.version.deno`: the version an `npx` command pins. */
  readonly denoVersion: string;
  /** `$PATH`: an executable in one of its directories is printed by name alone. */
  readonly path?: string | undefined;
  /**
   * Whether the `deno` that `$PATH` finds is this executable (through a
   * symlink, say, into an npx cache): then the user typed `deno`.
   */
  readonly denoOnPath?: boolean | undefined;
  /** Set by `deno task` (with `npm_config_user_agent` starting `deno/`), and by npx. */
  readonly initCwd?: string | undefined;
  /** `npm_config_user_agent`: `deno task` sets it to `deno/…` (npx to `npm/…`). */
  readonly userAgent?: string | undefined;
  /** `npm_lifecycle_event`: npx sets it to `npx`, and `deno task` under npx keeps it. */
  readonly npmEvent?: string | undefined;
  /**
   * The parent process's command line (`/proc/PPID/cmdline` on Linux): under
   * `deno task` it is `deno task NAME …`. `undefined` where it cannot be read
   * (Deno shows `/proc` only with `--allow-all`, which the tasks do not give).
   */
  readonly parentArgs?: readonly string[] | undefined;
}

/** The `deno task` names of `deno.json` for subcommands that have one. */
const TASKS: ReadonlySet<string> = new Set(["peer", "bootstrap"]);

/**
 * The command line (without options) that runs `subcommand` the way this
 * process was started.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { invocationOf } from "./invocation.ts";
 *
 * assert.equal(
 *   invocationOf("peer", {
 *     execPath: "/home/u/.npm/_npx/1f2e/node_modules/@deno/linux-x64-glibc/deno",
 *     mainModule: "file:///home/u/p2pchat/main.ts",
 *     cwd: "/home/u/p2pchat",
 *     denoVersion: "2.9.6",
 *   }),
 *   "npx -y deno@2.9.6 run -A main.ts peer",
 * );
 * ```
 */
export function invocationOf(subcommand: string, facts: ProcessFacts): string {
  const deno = isDenoExecutable(facts.execPath);
  if (!deno) return `${commandName(facts.execPath, facts)} ${subcommand}`;
  // npx marks the environment of what it runs; a deno from its cache alone does not say
  // whether the user typed npx or a `deno` linked to that cache.
  const runner = facts.npmEvent === "npx"
    ? `npx -y deno@${facts.denoVersion}`
    : facts.denoOnPath
    ? "deno"
    : /[\\/]_npx[\\/]/.test(facts.execPath)
    ? `npx -y deno@${facts.denoVersion}`
    : commandName(facts.execPath, facts);
  const underTask = facts.parentArgs !== undefined
    ? facts.parentArgs.length > 1 && isDenoExecutable(facts.parentArgs[0]!) &&
      facts.parentArgs[1] === "task"
    // Deno shows /proc only to -A, which the tasks do not grant: under npx (whose
    // environment hides deno task's marks), an unreadable parent means a task.
    : facts.npmEvent === "npx" ||
      (Boolean(facts.initCwd) && (facts.userAgent ?? "").startsWith("deno/"));
  if (underTask && TASKS.has(subcommand)) return `${runner} task ${subcommand}`;
  return `${runner} run -A ${scriptName(facts.mainModule, facts.cwd)} ${subcommand}`;
}

/** Whether `path` names the deno runtime (rather than a binary made by `deno compile`). */
function isDenoExecutable(path: string): boolean {
  return /^deno(\.exe)?$/i.test(basename(path));
}

/** An executable as a user would type it: its name if `$PATH` finds it there, else its path. */
function commandName(path: string, facts: ProcessFacts): string {
  const directory = dirname(path);
  const onPath = (facts.path ?? "").split(/[:;]/).some((entry) =>
    entry !== "" && trimSlash(entry) === directory
  );
  if (onPath) return basename(path).replace(/\.exe$/i, "");
  return shellWord(relativeTo(path, facts.cwd, true));
}

/** The script: a path relative to the working directory when under it, else its URL or path. */
function scriptName(mainModule: string, cwd: string): string {
  if (!mainModule.startsWith("file:")) return shellWord(mainModule);
  let path: string;
  try {
    path = decodeURIComponent(new URL(mainModule).pathname);
  } catch {
    return shellWord(mainModule);
  }
  // A Windows URL path looks like /C:/dir/main.ts.
  if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1);
  return shellWord(relativeTo(path, cwd, false));
}

function relativeTo(path: string, cwd: string, dotSlash: boolean): string {
  const base = trimSlash(cwd);
  if (base !== "" && path.startsWith(`${base}/`)) {
    const rest = path.slice(base.length + 1);
    return dotSlash ? `./${rest}` : rest;
  }
  return path;
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function dirname(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut <= 0 ? (cut === 0 ? "/" : "") : path.slice(0, cut);
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/[\\/]+$/, "") : path;
}

/** Quotes a word for a POSIX shell when it holds anything but safe characters. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
