/**
 * A deadline for a promise that cannot be cancelled, such as `Deno.connect`.
 *
 * @module
 */

/**
 * Resolves with `work`, or rejects after `ms` with "`what` timed out after
 * `ms` ms". A result that arrives after the deadline is handed to `onLate`
 * (to close a socket nobody will use, say).
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  onLate: (value: T) => void,
  what = "connect",
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  work.then((value) => timedOut && onLate(value), () => {});
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
