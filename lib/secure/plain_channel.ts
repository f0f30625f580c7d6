/**
 * The unencrypted channel: each side sends its hello as the first frame, and
 * afterwards every frame carries one message payload as is.
 *
 * @module
 */

import { encodeFrames } from "../wire/frame_codec.ts";
import { decodeMessage } from "../wire/message_decode.ts";
import { encodeMessage } from "../wire/message_encode.ts";
import type { Hello } from "../wire/message.ts";
import { PROTOCOL_VERSION } from "../wire/message.ts";
import { ProtocolError } from "../wire/protocol_error.ts";
import type { WireLimits } from "../wire/wire_limits.ts";
import { DEFAULT_WIRE_LIMITS } from "../wire/wire_limits.ts";
import type { Channel, FrameTransport, Handshake, HandshakeOptions } from "./channel.ts";

/**
 * A handshake that only swaps hellos; identities are claimed, not proven.
 * Both sides write first, so it costs one round trip.
 */
export function plainHandshake(limits: WireLimits = DEFAULT_WIRE_LIMITS): Handshake {
  return async (transport: FrameTransport, options: HandshakeOptions): Promise<Channel> => {
    const [, frame] = await Promise.all([
      transport.writeFrame(encodeMessage(options.local)),
      transport.readFrame(),
    ]);
    if (frame === undefined) {
      throw new ProtocolError("Cannot complete handshake: connection closed before hello");
    }
    const remote = expectHello(decodeMessage(frame, limits));
    return {
      remote,
      encrypted: false,
      seal: (payloads) => encodeFrames(payloads, limits),
      open: (payload) => [payload],
    };
  };
}

/** Checks that the first message is a hello of our protocol version. */
export function expectHello(message: ReturnType<typeof decodeMessage>): Hello {
  if (message.type !== "hello") {
    throw new ProtocolError(`Cannot complete handshake: expected hello, got ${message.type}`);
  }
  if (message.version !== PROTOCOL_VERSION) {
    throw new ProtocolError(
      `Cannot complete handshake: remote speaks protocol version ${message.version}, we speak ${PROTOCOL_VERSION}`,
    );
  }
  return message;
}
