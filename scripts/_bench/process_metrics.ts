/**
 * CPU time and memory of processes, read from Linux `/proc`, and a sampler
 * that keeps each process's peak resident size.
 *
 * @module
 */

import { type CpuTicks, parseProcStat, parseProcStatus, type ProcMemory } from "./proc_stat.ts";

/** CPU ticks per second (`getconf CLK_TCK`); 100 when it cannot be asked. */
export async function clockTicksPerSecond(): Promise<number> {
  try {
    const { stdout, success } = await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output();
    const ticks = Number(new TextDecoder().decode(stdout).trim());
    if (success && Number.isInteger(ticks) && ticks > 0) return ticks;
  } catch {
    // No getconf: Linux has used 100 on every common architecture for decades.
  }
  return 100;
}

/** User+system CPU ticks of a process, or `undefined` when it is gone. */
export async function readCpuTicks(pid: number): Promise<CpuTicks | undefined> {
  try {
    return parseProcStat(await Deno.readTextFile(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

/** VmRSS and VmHWM of a process, or `undefined` when it is gone. */
export async function readMemory(pid: number): Promise<ProcMemory | undefined> {
  try {
    return parseProcStatus(await Deno.readTextFile(`/proc/${pid}/status`));
  } catch {
    return undefined;
  }
}

/**
 * Proportional set size of a process in kB (`Pss` of `/proc/PID/smaps_rollup`):
 * its resident pages, each shared one divided by the number of processes
 * sharing it — N peers share one copy of the `deno` executable's pages, which
 * VmRSS counts in full for each. `undefined` when it is gone or unreadable.
 */
export async function readPssKb(pid: number): Promise<number | undefined> {
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/smaps_rollup`);
    const match = /^Pss:\s*(\d+)\s*kB/m.exec(text);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** Total CPU ticks (user+system) of a process; 0 when it is gone. */
export async function totalTicks(pid: number): Promise<number> {
  const ticks = await readCpuTicks(pid);
  return ticks === undefined ? 0 : ticks.userTicks + ticks.systemTicks;
}

/** Samples VmRSS of a set of processes at an interval and keeps each one's peak. */
export class RssSampler {
  readonly #peakKb = new Map<number, number>();
  readonly #lastKb = new Map<number, number>();
  readonly #timer: ReturnType<typeof setInterval>;
  #sampling = false;

  /** Starts sampling every `intervalMs`. */
  constructor(intervalMs = 250) {
    this.#timer = setInterval(() => void this.sample(), intervalMs);
  }

  /** Adds a process to sample. */
  add(pid: number): void {
    if (!this.#peakKb.has(pid)) this.#peakKb.set(pid, 0);
  }

  /** Takes one sample of every process now. */
  async sample(): Promise<void> {
    if (this.#sampling) return;
    this.#sampling = true;
    try {
      await Promise.all([...this.#peakKb.keys()].map(async (pid) => {
        const memory = await readMemory(pid);
        if (memory === undefined) return;
        this.#lastKb.set(pid, memory.rssKb);
        if (memory.rssKb > (this.#peakKb.get(pid) ?? 0)) this.#peakKb.set(pid, memory.rssKb);
      }));
    } finally {
      this.#sampling = false;
    }
  }

  /** The highest VmRSS sampled for `pid`, in kB (0 if never sampled). */
  peakKb(pid: number): number {
    return this.#peakKb.get(pid) ?? 0;
  }

  /** The latest VmRSS sampled for `pid`, in kB (0 if never sampled). */
  lastKb(pid: number): number {
    return this.#lastKb.get(pid) ?? 0;
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
