/**
 * Parsers for Linux `/proc/PID/stat` and `/proc/PID/status`: CPU time and
 * resident memory of a process, read from outside it.
 *
 * @module
 */

/** CPU time a process has used, in clock ticks (see `getconf CLK_TCK`, usually 100). */
export interface CpuTicks {
  /** User-mode ticks (`utime`, field 14), all threads. */
  userTicks: number;
  /** Kernel-mode ticks (`stime`, field 15), all threads. */
  systemTicks: number;
}

/**
 * Reads `utime` and `stime` from the text of `/proc/PID/stat`. The command
 * name (field 2) is in parentheses and may itself contain spaces and
 * parentheses, so fields are counted from the last `)`.
 *
 * @throws {TypeError} when the text is not a stat line.
 */
export function parseProcStat(text: string): CpuTicks {
  const close = text.lastIndexOf(")");
  if (close < 0) throw new TypeError("Cannot parse /proc stat: no command name");
  // After ")": field 3 (state) is at index 0, so field k is at index k - 3.
  const fields = text.slice(close + 1).trim().split(/\s+/);
  const userTicks = Number(fields[14 - 3]);
  const systemTicks = Number(fields[15 - 3]);
  if (!Number.isInteger(userTicks) || !Number.isInteger(systemTicks)) {
    throw new TypeError(`Cannot parse /proc stat: utime/stime not integers in '${text.trim()}'`);
  }
  return { userTicks, systemTicks };
}

/** Memory figures of `/proc/PID/status`, in kB as the kernel reports them. */
export interface ProcMemory {
  /** `VmRSS`: resident now. */
  rssKb: number;
  /** `VmHWM`: the peak resident size so far. */
  hwmKb: number;
}

/**
 * Reads `VmRSS` and `VmHWM` from the text of `/proc/PID/status`.
 *
 * @throws {TypeError} when either is missing (a zombie has neither).
 */
export function parseProcStatus(text: string): ProcMemory {
  const rssKb = statusField(text, "VmRSS");
  const hwmKb = statusField(text, "VmHWM");
  if (rssKb === undefined || hwmKb === undefined) {
    throw new TypeError("Cannot parse /proc status: no VmRSS/VmHWM (has the process exited?)");
  }
  return { rssKb, hwmKb };
}

function statusField(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s*(\\d+)\\s*kB`, "m").exec(text);
  return match === null ? undefined : Number(match[1]);
}

/** The first `model name` of `/proc/cpuinfo`, or `undefined`. */
export function parseCpuModel(cpuinfo: string): string | undefined {
  return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
}
