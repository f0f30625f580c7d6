/**
 * Parsing of full Noise protocol names, e.g. `Noise_XXpsk3_25519_AESGCM_SHA256`.
 *
 * @module
 */

import { type HandshakePattern, parseHandshakePattern } from "./handshake_pattern.ts";

/** A parsed Noise protocol name. Only `25519`, `AESGCM` and `SHA256` are supported. */
export interface NoiseProtocol {
  /** The full protocol name, mixed into the handshake hash. */
  readonly name: string;
  /** The handshake pattern, with its modifiers applied. */
  readonly pattern: HandshakePattern;
  /** The DH functions. */
  readonly dh: "25519";
  /** The cipher functions. */
  readonly cipher: "AESGCM";
  /** The hash function. */
  readonly hash: "SHA256";
}

/**
 * Parses `Noise_<pattern>_<dh>_<cipher>_<hash>`. Throws a `TypeError` when the name is
 * malformed or names a pattern, modifier or function this implementation does not support.
 */
export function parseProtocolName(name: string): NoiseProtocol {
  const parts = name.split("_");
  const [prefix, pattern, dh, cipher, hash] = parts;
  if (parts.length !== 5 || prefix !== "Noise" || pattern === undefined) {
    throw new TypeError(
      `Cannot parse Noise protocol name: ${
        JSON.stringify(name)
      } is not Noise_<pattern>_<dh>_<cipher>_<hash>`,
    );
  }
  if (dh !== "25519") {
    throw new TypeError(`Cannot parse Noise protocol name: unsupported DH functions ${dh}`);
  }
  if (cipher !== "AESGCM") {
    throw new TypeError(`Cannot parse Noise protocol name: unsupported cipher ${cipher}`);
  }
  if (hash !== "SHA256") {
    throw new TypeError(`Cannot parse Noise protocol name: unsupported hash ${hash}`);
  }
  return Object.freeze({ name, pattern: parseHandshakePattern(pattern), dh, cipher, hash });
}
