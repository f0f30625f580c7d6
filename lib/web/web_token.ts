/**
 * The per-run secret every web request must carry: 32 random bytes in
 * base64url, printed once in the URL to open.
 *
 * @module
 */

/** Random bytes in a token. */
export const WEB_TOKEN_BYTES = 32;

/** A fresh token: {@linkcode WEB_TOKEN_BYTES} bytes from the system's CSPRNG, base64url without padding. */
export function newWebToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(WEB_TOKEN_BYTES));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Whether `given` equals `token`, in time independent of where they differ. */
export function tokenMatches(given: string, token: string): boolean {
  if (given.length !== token.length) return false;
  let difference = 0;
  for (let i = 0; i < token.length; i++) difference |= given.charCodeAt(i) ^ token.charCodeAt(i);
  return difference === 0;
}
