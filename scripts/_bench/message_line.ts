/**
 * Reads what the harness needs from a node's `message` line — the stamp in
 * the text and the `at` delivery time — without decoding the line or parsing
 * its JSON. The line is read from its end:
 * `…,"text":"xxxx~T123@1700000000000.123","ts":1700000000000,"at":1700000000000.456}`.
 * Anything of another shape falls back to `JSON.parse`.
 *
 * @module
 */

import { type BenchPhase, parseBenchText } from "./bench_text.ts";

/** One benchmark delivery seen on a node's stdout. */
export interface Delivery {
  /** The phase of the message. */
  readonly phase: BenchPhase;
  /** Its index within the phase. */
  readonly index: number;
  /** When the harness sent it (ms, shared clock). */
  readonly sentAtMs: number;
  /** When the node delivered it: the line's `at` (ms, shared clock). */
  readonly atMs: number;
}

const MESSAGE_PREFIX = new TextEncoder().encode('{"type":"message"');
const AT_KEY = new TextEncoder().encode(',"at":');
const TS_KEY = new TextEncoder().encode(',"ts":');
const QUOTE = 0x22;
const TILDE = 0x7e;
const AT_SIGN = 0x40;
const DOT = 0x2e;
const CLOSE_BRACE = 0x7d;
const CARRIAGE_RETURN = 0x0d;
const ZERO = 0x30;
const NINE = 0x39;
/** A stamp is at most this long: `~T` + 10 digits + `@` + 20 characters. */
const STAMP_BYTES_MAX = 40;
const POWERS_OF_TEN = Array.from({ length: 20 }, (_, i) => 10 ** i);

/** Whether the line is a `message` line (it starts with `{"type":"message"`). */
export function isMessageLine(line: Uint8Array): boolean {
  if (line.length < MESSAGE_PREFIX.length) return false;
  for (let i = 0; i < MESSAGE_PREFIX.length; i++) {
    if (line[i] !== MESSAGE_PREFIX[i]) return false;
  }
  return true;
}

/**
 * The delivery a `message` line reports, read from the line's last bytes;
 * `undefined` when the line is not of the expected shape (then use
 * {@linkcode parseMessageLineJson}).
 */
export function scanMessageLine(line: Uint8Array): Delivery | undefined {
  let end = line.length;
  if (end > 0 && line[end - 1] === CARRIAGE_RETURN) end--;
  if (end === 0 || line[end - 1] !== CLOSE_BRACE) return undefined;
  // "at": a decimal number before the closing brace.
  const atEnd = end - 1;
  const atStart = numberStart(line, atEnd);
  if (!endsWith(line, atStart, AT_KEY)) return undefined;
  const atMs = parseDecimal(line, atStart, atEnd);
  // "ts": a number before `,"at":`.
  const tsEnd = atStart - AT_KEY.length;
  const tsStart = numberStart(line, tsEnd);
  if (tsStart === tsEnd || !endsWith(line, tsStart, TS_KEY)) return undefined;
  // The text's closing quote, then the stamp `~P<index>@<sentAtMs>` before it.
  const textEnd = tsStart - TS_KEY.length - 1;
  if (textEnd < 0 || line[textEnd] !== QUOTE) return undefined;
  const sentEnd = textEnd;
  const sentStart = numberStart(line, sentEnd);
  if (sentStart === sentEnd || line[sentStart - 1] !== AT_SIGN) return undefined;
  const sentAtMs = parseDecimal(line, sentStart, sentEnd);
  const indexEnd = sentStart - 1;
  let indexStart = indexEnd;
  while (indexStart > 0 && isDigit(line[indexStart - 1]!)) indexStart--;
  if (indexStart === indexEnd || indexEnd - indexStart > 10) return undefined;
  const phaseAt = indexStart - 1;
  if (phaseAt < 1 || line[phaseAt - 1] !== TILDE || textEnd - phaseAt > STAMP_BYTES_MAX) {
    return undefined;
  }
  const phaseByte = line[phaseAt];
  const phase = phaseByte === 0x4c ? "L" : phaseByte === 0x54 ? "T" : undefined;
  if (phase === undefined) return undefined;
  const index = parseDecimal(line, indexStart, indexEnd);
  if (Number.isNaN(atMs) || Number.isNaN(sentAtMs) || Number.isNaN(index)) return undefined;
  return { phase, index, sentAtMs, atMs };
}

/**
 * The slow path: parses the line as JSON. `undefined` when it is not a
 * `message` line carrying a benchmark stamp and a numeric `at`.
 */
export function parseMessageLineJson(line: string): Delivery | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { type, text, at } = value as Record<string, unknown>;
  if (type !== "message" || typeof text !== "string" || typeof at !== "number") return undefined;
  const stamp = parseBenchText(text);
  return stamp === undefined ? undefined : { ...stamp, atMs: at };
}

function isDigit(byte: number): boolean {
  return byte >= ZERO && byte <= NINE;
}

/** Index of the first byte of the run of digits and dots that ends at `end` (exclusive). */
function numberStart(line: Uint8Array, end: number): number {
  let start = end;
  while (start > 0) {
    const byte = line[start - 1]!;
    if (!isDigit(byte) && byte !== DOT) break;
    start--;
  }
  return start;
}

function endsWith(line: Uint8Array, end: number, suffix: Uint8Array): boolean {
  const start = end - suffix.length;
  if (start < 0) return false;
  for (let i = 0; i < suffix.length; i++) {
    if (line[start + i] !== suffix[i]) return false;
  }
  return true;
}

/** `digits[.digits]` between `start` and `end` as a number; `NaN` for anything else. */
function parseDecimal(line: Uint8Array, start: number, end: number): number {
  if (start >= end) return NaN;
  let integer = 0;
  let i = start;
  for (; i < end && line[i] !== DOT; i++) integer = integer * 10 + (line[i]! - ZERO);
  if (i === start) return NaN;
  if (i === end) return integer;
  let fraction = 0;
  const fractionStart = ++i;
  for (; i < end; i++) {
    const byte = line[i]!;
    if (byte === DOT) return NaN;
    fraction = fraction * 10 + (byte - ZERO);
  }
  const digits = end - fractionStart;
  if (digits === 0 || digits >= POWERS_OF_TEN.length) return NaN;
  return integer + fraction / POWERS_OF_TEN[digits]!;
}
