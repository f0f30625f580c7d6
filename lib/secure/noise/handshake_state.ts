/**
 * Noise's HandshakeState (§5.3): runs one side of a handshake, message by message, and
 * splits into a {@linkcode TransportState} when done.
 *
 * @module
 */

import { asArrayBufferView, concatBytes, EMPTY_BYTES } from "../../wire/bytes.ts";
import { AEAD_TAG_BYTES, NOISE_MESSAGE_BYTES_MAX } from "./cipher_state.ts";
import { countPskTokens, type MessageToken } from "./handshake_pattern.ts";
import { NoiseDecryptError } from "./noise_decrypt_error.ts";
import { type NoiseProtocol, parseProtocolName } from "./protocol_name.ts";
import { SymmetricState } from "./symmetric_state.ts";
import { TransportState } from "./transport_state.ts";
import {
  generateX25519KeyPair,
  X25519_KEY_BYTES,
  type X25519KeyPair,
} from "../../identity/x25519_key_pair.ts";
import { x25519SharedSecret } from "./x25519.ts";

/** Which side of the handshake this state plays. */
export type HandshakeRole = "initiator" | "responder";

/** Length in bytes of a pre-shared key. */
export const PSK_BYTES = 32;

/** Options for {@linkcode HandshakeState.initialize}. */
export interface HandshakeOptions {
  /** Prologue bytes; both sides must pass the same. Default: empty. */
  prologue?: Uint8Array | undefined;
  /**
   * Our static key pair. Required when the pattern sends or pre-shares our static key (e.g.
   * both sides of `XX`), refused otherwise. Default: none.
   */
  staticKeyPair?: X25519KeyPair | undefined;
  /**
   * Our ephemeral key pair. For tests and test vectors only: reusing an ephemeral key breaks
   * Noise's security. Default: a fresh key pair generated at our `e` token.
   */
  ephemeralKeyPair?: X25519KeyPair | undefined;
  /**
   * The peer's raw 32-byte static public key. Required when the pattern pre-shares it (e.g.
   * the initiator of `IK` or `NK`), refused otherwise. Default: none.
   */
  remoteStaticPublicKey?: Uint8Array | undefined;
  /**
   * The 32-byte pre-shared keys, in the order of the pattern's `psk` tokens; exactly as many
   * as there are tokens. Default: none.
   */
  psks?: readonly Uint8Array[] | undefined;
}

/**
 * One side of a Noise handshake. Call {@linkcode writeMessage} and {@linkcode readMessage} in
 * the pattern's order, awaiting each, until {@linkcode isComplete}; then call
 * {@linkcode split} once. After any error the state is failed and refuses further use.
 *
 * @example Run an XXpsk3 handshake in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { HandshakeState } from "./handshake_state.ts";
 * import { generateX25519KeyPair } from "../../identity/x25519_key_pair.ts";
 *
 * const name = "Noise_XXpsk3_25519_AESGCM_SHA256";
 * const psk = crypto.getRandomValues(new Uint8Array(32));
 * const alice = await HandshakeState.initialize(name, "initiator", {
 *   staticKeyPair: await generateX25519KeyPair(),
 *   psks: [psk],
 * });
 * const bob = await HandshakeState.initialize(name, "responder", {
 *   staticKeyPair: await generateX25519KeyPair(),
 *   psks: [psk],
 * });
 * await bob.readMessage(await alice.writeMessage());
 * await alice.readMessage(await bob.writeMessage());
 * await bob.readMessage(await alice.writeMessage());
 * const aliceTransport = await alice.split();
 * const bobTransport = await bob.split();
 * const hello = new TextEncoder().encode("hello");
 * assert.deepEqual(await bobTransport.decrypt(await aliceTransport.encrypt(hello)), hello);
 * ```
 */
export class HandshakeState {
  readonly #protocol: NoiseProtocol;
  readonly #initiator: boolean;
  readonly #symmetric: SymmetricState;
  readonly #isPsk: boolean;
  readonly #psks: readonly Uint8Array[];
  readonly #s: X25519KeyPair | undefined;
  #e: X25519KeyPair | undefined;
  #rs: Uint8Array<ArrayBuffer> | undefined;
  #re: Uint8Array<ArrayBuffer> | undefined;
  #pskIndex = 0;
  #messageIndex = 0;
  #busy = false;
  #failed = false;
  #split = false;

  private constructor(
    protocol: NoiseProtocol,
    role: HandshakeRole,
    symmetric: SymmetricState,
    options: HandshakeOptions,
  ) {
    this.#protocol = protocol;
    this.#initiator = role === "initiator";
    this.#symmetric = symmetric;
    this.#psks = [...(options.psks ?? [])];
    this.#isPsk = countPskTokens(protocol.pattern) > 0;
    this.#s = options.staticKeyPair;
    this.#e = options.ephemeralKeyPair;
    this.#rs = options.remoteStaticPublicKey === undefined
      ? undefined
      : new Uint8Array(options.remoteStaticPublicKey);
  }

  /**
   * Initializes one side of the handshake named by `protocolName` (e.g.
   * `Noise_XXpsk3_25519_AESGCM_SHA256`): InitializeSymmetric, MixHash(prologue), then the
   * pre-message keys. Throws a `TypeError` for an unsupported name or keys the pattern does
   * not fit, and a `RangeError` for keys of the wrong length.
   */
  static async initialize(
    protocolName: string,
    role: HandshakeRole,
    options: HandshakeOptions = {},
  ): Promise<HandshakeState> {
    if (role !== "initiator" && role !== "responder") {
      throw new TypeError(`Cannot initialize handshake: unknown role ${String(role)}`);
    }
    const protocol = parseProtocolName(protocolName);
    checkOptions(protocol, role, options);
    const symmetric = await SymmetricState.initialize(protocol.name);
    const state = new HandshakeState(protocol, role, symmetric, options);
    await symmetric.mixHash(options.prologue ?? EMPTY_BYTES);
    // Pre-messages hold only `s` tokens: the initiator's static key first, then the
    // responder's. checkOptions ensured that the keys they name are present.
    const local = state.#s?.publicKey;
    const [initiatorStatic, responderStatic] = state.#initiator
      ? [local, state.#rs]
      : [state.#rs, local];
    if (protocol.pattern.initiatorPreMessage.includes("s")) {
      await symmetric.mixHash(state.#requireKey(initiatorStatic));
    }
    if (protocol.pattern.responderPreMessage.includes("s")) {
      await symmetric.mixHash(state.#requireKey(responderStatic));
    }
    return state;
  }

  /** The full protocol name. */
  get protocolName(): string {
    return this.#protocol.name;
  }

  /** Our role. */
  get role(): HandshakeRole {
    return this.#initiator ? "initiator" : "responder";
  }

  /** Whether every message of the pattern has been written or read. */
  get isComplete(): boolean {
    return this.#messageIndex === this.#protocol.pattern.messages.length;
  }

  /** Whether the next handshake message is ours to write (false once complete). */
  get isMyTurn(): boolean {
    return !this.isComplete && (this.#messageIndex % 2 === 0) === this.#initiator;
  }

  /** The handshake hash `h` so far (after completion: the channel binding). */
  get handshakeHash(): Uint8Array<ArrayBuffer> {
    return this.#symmetric.handshakeHash;
  }

  /** A copy of the peer's static public key, once known. */
  get remoteStaticPublicKey(): Uint8Array<ArrayBuffer> | undefined {
    return this.#rs?.slice();
  }

  /**
   * Writes our next handshake message carrying `payload` (default empty). Throws a
   * `TypeError` when it is not our turn, and a `RangeError` when the message would exceed
   * 65535 bytes.
   */
  async writeMessage(payload: Uint8Array = EMPTY_BYTES): Promise<Uint8Array<ArrayBuffer>> {
    const tokens = this.#begin("write", true);
    const payloadMax = NOISE_MESSAGE_BYTES_MAX - this.#overheadBytes(tokens);
    if (payload.byteLength > payloadMax) {
      throw new RangeError(
        `Cannot write handshake message: payload length ${payload.byteLength} exceeds ${payloadMax}`,
      );
    }
    this.#busy = true;
    try {
      const parts: Uint8Array[] = [];
      for (const token of tokens) {
        switch (token) {
          case "e": {
            const e = this.#e ??= await generateX25519KeyPair();
            parts.push(e.publicKey);
            await this.#mixEphemeral(e.publicKey);
            break;
          }
          case "s":
            parts.push(await this.#symmetric.encryptAndHash(this.#requireKey(this.#s).publicKey));
            break;
          case "psk":
            await this.#mixPsk();
            break;
          default:
            await this.#mixDh(token);
        }
      }
      parts.push(await this.#symmetric.encryptAndHash(payload));
      this.#messageIndex++;
      return concatBytes(parts);
    } catch (error) {
      this.#failed = true;
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Reads the peer's next handshake message and returns its payload (a view into `message`
   * when the payload is not encrypted). Throws `NoiseDecryptError` when the message is
   * truncated, fails authentication (e.g. a wrong PSK) or carries an invalid key, a
   * `TypeError` when it is not the peer's turn, and a `RangeError` when it exceeds 65535
   * bytes.
   */
  async readMessage(message: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
    const tokens = this.#begin("read", false);
    if (message.byteLength > NOISE_MESSAGE_BYTES_MAX) {
      throw new RangeError(
        `Cannot read handshake message: length ${message.byteLength} exceeds ${NOISE_MESSAGE_BYTES_MAX}`,
      );
    }
    this.#busy = true;
    try {
      let offset = 0;
      const take = (bytes: number): Uint8Array => {
        if (offset + bytes > message.byteLength) {
          throw new NoiseDecryptError(
            `Cannot read handshake message: length ${message.byteLength} is too short for its tokens`,
          );
        }
        offset += bytes;
        return message.subarray(offset - bytes, offset);
      };
      for (const token of tokens) {
        switch (token) {
          case "e": {
            const re = take(X25519_KEY_BYTES).slice();
            this.#re = re;
            await this.#mixEphemeral(re);
            break;
          }
          case "s": {
            const length = X25519_KEY_BYTES + (this.#symmetric.hasKey ? AEAD_TAG_BYTES : 0);
            this.#rs = (await this.#symmetric.decryptAndHash(take(length))).slice();
            break;
          }
          case "psk":
            await this.#mixPsk();
            break;
          default:
            await this.#mixDh(token);
        }
      }
      const payload = await this.#symmetric.decryptAndHash(message.subarray(offset));
      this.#messageIndex++;
      return asArrayBufferView(payload);
    } catch (error) {
      this.#failed = true;
      throw error;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Split: returns the transport state (our sending and receiving cipher states). Callable
   * once, after the last handshake message, so that no two states share a key and nonce.
   */
  async split(): Promise<TransportState> {
    const problem = this.#failed
      ? "handshake has failed"
      : this.#split
      ? "already split"
      : !this.isComplete || this.#busy
      ? "handshake is not complete"
      : undefined;
    if (problem !== undefined) throw new TypeError(`Cannot split handshake: ${problem}`);
    this.#split = true;
    const [initiatorToResponder, responderToInitiator] = await this.#symmetric.split();
    return this.#initiator
      ? new TransportState(initiatorToResponder, responderToInitiator, this.handshakeHash)
      : new TransportState(responderToInitiator, initiatorToResponder, this.handshakeHash);
  }

  #begin(action: "write" | "read", ours: boolean): readonly MessageToken[] {
    const verb = action === "write"
      ? "Cannot write handshake message"
      : "Cannot read handshake message";
    if (this.#failed) throw new TypeError(`${verb}: handshake has failed`);
    if (this.#busy) throw new TypeError(`${verb}: another message is in progress`);
    const tokens = this.#protocol.pattern.messages[this.#messageIndex];
    if (tokens === undefined) throw new TypeError(`${verb}: handshake is complete`);
    if (this.isMyTurn !== ours) {
      throw new TypeError(`${verb}: it is ${ours ? "the peer's" : "our"} turn to write`);
    }
    return tokens;
  }

  /** Bytes a message with these tokens adds around its payload. */
  #overheadBytes(tokens: readonly MessageToken[]): number {
    let keyed = this.#symmetric.hasKey;
    let bytes = 0;
    for (const token of tokens) {
      if (token === "e") {
        bytes += X25519_KEY_BYTES;
        if (this.#isPsk) keyed = true;
      } else if (token === "s") {
        bytes += X25519_KEY_BYTES + (keyed ? AEAD_TAG_BYTES : 0);
      } else {
        keyed = true;
      }
    }
    return bytes + (keyed ? AEAD_TAG_BYTES : 0);
  }

  /** `e`: MixHash(e.pub), and in PSK handshakes also MixKey(e.pub) (§9.2). */
  async #mixEphemeral(publicKey: Uint8Array): Promise<void> {
    await this.#symmetric.mixHash(publicKey);
    if (this.#isPsk) await this.#symmetric.mixKey(publicKey);
  }

  async #mixPsk(): Promise<void> {
    const psk = this.#psks[this.#pskIndex++];
    if (psk === undefined) throw new TypeError("Cannot process psk token: no PSK left");
    await this.#symmetric.mixKeyAndHash(psk);
  }

  async #mixDh(token: "ee" | "es" | "se" | "ss"): Promise<void> {
    // `es` is DH(initiator's e, responder's s); `se` is DH(initiator's s, responder's e).
    const initiatorKey = token[0] === "e" ? "e" : "s";
    const responderKey = token[1] === "e" ? "e" : "s";
    const [local, remote] = this.#initiator
      ? [initiatorKey, responderKey]
      : [responderKey, initiatorKey];
    const privateKey = this.#requireKey(local === "e" ? this.#e : this.#s).privateKey;
    const publicKey = this.#requireKey(remote === "e" ? this.#re : this.#rs);
    let secret: Uint8Array;
    try {
      secret = await x25519SharedSecret(privateKey, publicKey);
    } catch (cause) {
      if (!(cause instanceof RangeError)) throw cause;
      throw new NoiseDecryptError(
        `Cannot process ${token} token: peer's ${
          remote === "e" ? "ephemeral" : "static"
        } key is invalid`,
        { cause },
      );
    }
    await this.#symmetric.mixKey(secret);
  }

  #requireKey<T>(key: T | undefined): T {
    if (key === undefined) {
      throw new TypeError(
        `Cannot run ${this.#protocol.pattern.name}: a key the pattern needs is missing`,
      );
    }
    return key;
  }
}

function checkOptions(
  protocol: NoiseProtocol,
  role: HandshakeRole,
  options: HandshakeOptions,
): void {
  const verb = "Cannot initialize handshake";
  const { pattern } = protocol;
  const initiator = role === "initiator";
  const ours = (index: number): boolean => (index % 2 === 0) === initiator;
  const sendsStatic = pattern.messages.some((tokens, i) => ours(i) && tokens.includes("s"));
  const localPre = initiator ? pattern.initiatorPreMessage : pattern.responderPreMessage;
  const remotePre = initiator ? pattern.responderPreMessage : pattern.initiatorPreMessage;
  const needsStatic = sendsStatic || localPre.includes("s");
  const needsRemoteStatic = remotePre.includes("s");

  if (needsStatic !== (options.staticKeyPair !== undefined)) {
    throw new TypeError(
      `${verb}: the ${role} of ${pattern.name} ${needsStatic ? "needs" : "takes no"} staticKeyPair`,
    );
  }
  if (needsRemoteStatic !== (options.remoteStaticPublicKey !== undefined)) {
    throw new TypeError(
      `${verb}: the ${role} of ${pattern.name} ${
        needsRemoteStatic ? "needs" : "takes no"
      } remoteStaticPublicKey`,
    );
  }
  if (
    options.remoteStaticPublicKey !== undefined &&
    options.remoteStaticPublicKey.byteLength !== X25519_KEY_BYTES
  ) {
    throw new RangeError(
      `${verb}: remoteStaticPublicKey length ${options.remoteStaticPublicKey.byteLength} is not ${X25519_KEY_BYTES}`,
    );
  }
  for (const keyPair of [options.staticKeyPair, options.ephemeralKeyPair]) {
    if (keyPair !== undefined && keyPair.publicKey.byteLength !== X25519_KEY_BYTES) {
      throw new RangeError(
        `${verb}: public key length ${keyPair.publicKey.byteLength} is not ${X25519_KEY_BYTES}`,
      );
    }
  }
  const psks = options.psks ?? [];
  const pskCount = countPskTokens(pattern);
  if (psks.length !== pskCount) {
    throw new TypeError(`${verb}: ${pattern.name} needs ${pskCount} PSKs, got ${psks.length}`);
  }
  for (const psk of psks) {
    if (psk.byteLength !== PSK_BYTES) {
      throw new RangeError(`${verb}: PSK length ${psk.byteLength} is not ${PSK_BYTES}`);
    }
  }
}
