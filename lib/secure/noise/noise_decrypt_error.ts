/**
 * The error thrown when a peer's Noise message cannot be authenticated or decoded.
 *
 * @module
 */

/**
 * Thrown when a received Noise message fails authentication (wrong key, wrong PSK, tampered
 * bytes), is too short for what it must contain, or carries a public key X25519 rejects.
 * Callers catch it to drop the connection; the handshake or cipher state it came from
 * must not be used to send further messages.
 */
export class NoiseDecryptError extends Error {
  /** Creates the error; pass the underlying failure as `options.cause`. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "NoiseDecryptError";
  }
}
