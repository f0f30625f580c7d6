/**
 * Combines the result objects of several benchmark runs into one object of
 * the same shape holding, for every numeric figure, its median over the runs.
 *
 * @module
 */

import { median } from "./percentiles.ts";

/** A JSON value as the benchmark prints it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * The field-by-field median of `runs`. Numbers become their median over the
 * runs that have one (a run reporting `null` is left out; all `null` stays
 * `null`); objects are combined recursively; any other value is kept when
 * every run agrees on it, and becomes the array of the runs' values when
 * they differ. Keys follow the first run's order, then new keys as met.
 *
 * @throws {RangeError} when `runs` is empty.
 */
export function medianOfRuns(runs: readonly JsonObject[]): JsonObject {
  if (runs.length === 0) throw new RangeError("Cannot take medians: no runs");
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    for (const key of Object.keys(run)) {
      if (!seen.has(key)) {
        seen.add(key);
        keys.push(key);
      }
    }
  }
  const out: JsonObject = {};
  for (const key of keys) out[key] = combine(runs.map((run) => run[key] ?? null));
  return out;
}

function combine(values: readonly JsonValue[]): JsonValue {
  const present = values.filter((v) => v !== null);
  if (present.length === 0) return null;
  if (present.every((v) => typeof v === "number")) return median(present as number[]);
  if (present.every(isObject) && present.length === values.length) {
    return medianOfRuns(present as JsonObject[]);
  }
  const first = JSON.stringify(values[0]);
  return values.every((v) => JSON.stringify(v) === first) ? values[0]! : [...values];
}

function isObject(value: JsonValue): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
