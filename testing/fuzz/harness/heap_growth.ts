/**
 * Whether many iterations of something leave memory behind, robust to the
 * garbage collector's timing: the heap is sampled all along the run, and the
 * least heap early on is compared with the least heap at the end. With
 * `--v8-flags=--expose-gc` a full collection runs before every sample.
 *
 * @module
 */

/** Options of {@linkcode measureHeapGrowth}. */
export interface HeapGrowthOptions {
  /** Iterations measured. */
  readonly iterations: number;
  /** Iterations run first, unmeasured (JIT, caches). Default a tenth of `iterations`. */
  readonly warmup?: number;
  /** The heap is sampled this many times over the run. Default 200. */
  readonly samples?: number;
}

/** What {@linkcode measureHeapGrowth} saw. */
export interface HeapGrowth {
  /** Least memory in use (JS heap and buffers) over the first quarter of the samples, in bytes. */
  readonly beforeBytes: number;
  /** Least memory in use (JS heap and buffers) over the last quarter of the samples, in bytes. */
  readonly afterBytes: number;
  /** `afterBytes - beforeBytes`. */
  readonly growthBytes: number;
  /** Whether a full GC ran before each sample. */
  readonly gcExposed: boolean;
}

/**
 * Runs `step(i)` for the warm-up and then the measured iterations, sampling
 * the memory in use (JS heap plus the buffers behind typed arrays) at even intervals (after yielding to the event loop, and
 * after a full GC when one is exposed). The least sample of the first
 * quarter against the least of the last: heap right after a collection is
 * what is live, so garbage does not read as growth while a leak does.
 *
 * @example
 * ```ts
 * import { measureHeapGrowth } from "./heap_growth.ts";
 *
 * const { growthBytes } = await measureHeapGrowth((i) => void new Array(i % 100), {
 *   iterations: 10_000,
 *   samples: 20,
 * });
 * if (!(growthBytes < 4_000_000)) throw new Error("grew");
 * ```
 */
export async function measureHeapGrowth(
  step: (iteration: number) => void,
  options: HeapGrowthOptions,
): Promise<HeapGrowth> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const warmup = options.warmup ?? Math.floor(options.iterations / 10);
  const sampleCount = Math.max(4, options.samples ?? 200);
  let i = 0;
  for (; i < warmup; i++) step(i);
  const heap: number[] = [];
  for (let sample = 1; sample <= sampleCount; sample++) {
    for (
      const end = warmup + Math.round((options.iterations * sample) / sampleCount);
      i < end;
      i++
    ) {
      step(i);
    }
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
    const usage = Deno.memoryUsage();
    heap.push(usage.heapUsed + usage.external);
  }
  const quarter = Math.floor(sampleCount / 4);
  const beforeBytes = Math.min(...heap.slice(0, quarter));
  const afterBytes = Math.min(...heap.slice(-quarter));
  return {
    beforeBytes,
    afterBytes,
    growthBytes: afterBytes - beforeBytes,
    gcExposed: gc !== undefined,
  };
}
