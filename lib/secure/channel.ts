/**
 * The seam between frames and messages. A handshake turns a framed byte
 * stream into a {@linkcode Channel}: both sides know who the other is (its
 * hello), and every message payload passes through `seal`/`open`. The plain
 * channel only exchanges hellos; the Noise channel encrypts — the actor above
 * cannot tell them apart.
 *
 * @module
 */

import type { Hello } from "../wire/message.ts";

/** Whole frames in and out of one connection, for the handshake. */
export interface FrameTransport {
  /** The next frame, or `undefined` at a clean end of stream. */
  readFrame(): Promise<Uint8Array | undefined>;
  /** Sends one frame payload (the length prefix is added). */
  writeFrame(payload: Uint8Array): Promise<void>;
}

/** An established channel. */
export interface Channel {
  /** Who the other side proved (or, on a plain channel, claimed) to be. */
  readonly remote: Hello;
  /** Whether payloads are encrypted and authenticated. */
  readonly encrypted: boolean;
  /** Wire bytes (whole frames, prefixes included) carrying `payloads` in order. */
  seal(payloads: readonly Uint8Array[]): Uint8Array | Promise<Uint8Array>;
  /** The message payloads carried by one received frame, in order. */
  open(frame: Uint8Array): readonly Uint8Array[] | Promise<readonly Uint8Array[]>;
}

/** What a handshake needs to know about this side. */
export interface HandshakeOptions {
  /** Whether this side dialed. */
  readonly initiator: boolean;
  /** The hello this side presents. */
  readonly local: Hello;
}

/** Runs a handshake over a fresh connection; rejects if the other side is not acceptable. */
export type Handshake = (transport: FrameTransport, options: HandshakeOptions) => Promise<Channel>;
