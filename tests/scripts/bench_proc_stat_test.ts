import assert from "node:assert/strict";
import { parseCpuModel, parseProcStat, parseProcStatus } from "../../scripts/_bench/proc_stat.ts";

const STAT =
  "4242 (deno) S 1 4242 4242 0 -1 4194560 53210 0 12 0 1234 567 0 0 20 0 9 0 1000 123456789 26000 18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0";

Deno.test("parseProcStat() reads utime and stime (fields 14 and 15)", () => {
  assert.deepEqual(parseProcStat(STAT), { userTicks: 1234, systemTicks: 567 });
});

Deno.test("parseProcStat() counts fields from the last ')' when the name has spaces and parens", () => {
  const odd = STAT.replace("(deno)", "(a (b) c) d)");
  assert.deepEqual(parseProcStat(odd), { userTicks: 1234, systemTicks: 567 });
});

Deno.test("parseProcStat() rejects text that is not a stat line", () => {
  assert.throws(() => parseProcStat("no parens here"), TypeError);
  assert.throws(() => parseProcStat("1 (x) S 1 2"), TypeError);
});

Deno.test("parseProcStat() reads this process's own /proc/self/stat", async (t) => {
  let text: string;
  try {
    text = await Deno.readTextFile("/proc/self/stat");
  } catch {
    await t.step({ name: "no /proc here (needs Linux and --allow-all)", ignore: true, fn() {} });
    return;
  }
  const ticks = parseProcStat(text);
  assert.ok(ticks.userTicks >= 0 && ticks.systemTicks >= 0);
});

Deno.test("parseProcStatus() reads VmRSS and VmHWM in kB", () => {
  const status = [
    "Name:\tdeno",
    "State:\tS (sleeping)",
    "VmPeak:\t 1234567 kB",
    "VmHWM:\t   98765 kB",
    "VmRSS:\t   54321 kB",
    "Threads:\t9",
  ].join("\n");
  assert.deepEqual(parseProcStatus(status), { rssKb: 54321, hwmKb: 98765 });
});

Deno.test("parseProcStatus() rejects a status without memory lines (a zombie)", () => {
  assert.throws(() => parseProcStatus("Name:\tdeno\nState:\tZ (zombie)\n"), TypeError);
});

Deno.test("parseCpuModel() takes the first model name", () => {
  const cpuinfo =
    "processor\t: 0\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: other\n";
  assert.equal(parseCpuModel(cpuinfo), "AMD EPYC 7B13");
  assert.equal(parseCpuModel("processor\t: 0\n"), undefined);
});
