/**
 * Making remote text safe and readable in a terminal.
 *
 * @module
 */

/** C0/C1 controls and the bidirectional overrides that can disguise text. */
// deno-lint-ignore no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Replaces control characters (escape sequences could rewrite the screen or
 * forge lines) with visible placeholders; tabs become spaces.
 */
export function sanitizeForTerminal(text: string): string {
  return text.replace(/\t/g, "    ").replace(UNSAFE_CHARS, "\ufffd");
}

/** `HH:MM:SS` in local time. */
export function formatClockTime(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(
    ":",
  );
}

/** A short fingerprint of an id: enough to tell peers apart. */
export function fingerprint(id: string): string {
  return id.slice(0, 8);
}
