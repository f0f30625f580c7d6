/** Pseudo-terminals for the tests of the terminal front end, through util-linux `script`. */

import { ChildProcess, MAIN_PERMISSIONS, type ProcessGroup, withEphemeral } from "./process.ts";

/** Whether util-linux `script` can give a child a pseudo-terminal here. */
async function scriptWorks(): Promise<boolean> {
  if (Deno.build.os !== "linux") return false;
  try {
    const { success, stdout } = await new Deno.Command("script", {
      args: ["-qfec", "echo pty-ok", "/dev/null"],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return success && new TextDecoder().decode(stdout).includes("pty-ok");
  } catch {
    return false;
  }
}

/** True where no pseudo-terminal can be had: the terminal tests are skipped. */
export const NO_PTY = !(await scriptWorks());

/** Appended to a skipped test's name, saying why. */
export const PTY_NOTE = NO_PTY
  ? " (SKIPPED: util-linux `script` is not available for a pseudo-terminal)"
  : "";

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Arguments for `script` that run `argv` under a pseudo-terminal. `script -c`
 * goes through `$SHELL -c`, and some shells (dash) stay as the parent of the
 * command: `exec` makes the program itself the child of `script`, so a signal
 * sent to that child reaches the program, whatever the shell.
 */
export function scriptArgs(argv: readonly string[]): string[] {
  return ["-qfec", `exec ${argv.map(shellQuote).join(" ")}`, "/dev/null"];
}

/**
 * `main.ts <args>` in `group` with a pseudo-terminal as its stdin, stdout and
 * stderr (we talk to `script`); a peer without `--data-dir` is made
 * `--ephemeral`, and `/quit` stops it.
 */
export function spawnMainInTerminal(
  group: ProcessGroup,
  args: readonly string[],
  name: string,
): ChildProcess {
  const argv = [Deno.execPath(), "run", ...MAIN_PERMISSIONS, "main.ts", ...withEphemeral(args)];
  return group.add(
    new ChildProcess(scriptArgs(argv), { program: "script", name, quitLine: "/quit\r" }),
  );
}
