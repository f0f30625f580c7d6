/**
 * Order statistics for benchmark figures: nearest-rank percentiles and
 * medians.
 *
 * @module
 */

/** The figures reported for a latency distribution, in the unit of the input. */
export interface LatencySummary {
  /** Median. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
  /** Largest value. */
  max: number;
}

/**
 * The nearest-rank `p`-th percentile (0 < p ≤ 100) of values sorted
 * ascending: the smallest value with at least p % of the values at or below
 * it. `NaN` for no values.
 *
 * @throws {RangeError} when `p` is outside (0, 100].
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) {
    throw new RangeError(`Cannot take percentile: p ${p} is not in (0, 100]`);
  }
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Sorts a copy of `values` numerically (a `Float64Array`, so no comparator is needed). */
export function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

/** p50, p90, p99 and max of `values` (any order); `undefined` for no values. */
export function latencySummary(values: ArrayLike<number>): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  const sorted = sortedCopy(values);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

/**
 * The median of `values` (any order): the middle value, or the mean of the
 * two middle values for an even count. `NaN` for no values.
 */
export function median(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  const sorted = sortedCopy(values);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** `{ median, max }` of `values`; `undefined` for no values. */
export function medianMax(values: ArrayLike<number>): { median: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  return { median: median(values), max: Math.max(...Array.from(values)) };
}
