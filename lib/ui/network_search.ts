/**
 * What a peer that founded a new network says about it: that it started one
 * (no bootstrap answered), that it looks for the existing network through
 * the addresses it remembers, and, once a remembered peer answers, that it
 * joined it (after which that network's older messages show as history).
 *
 * @module
 */

/** Options of {@linkcode NetworkSearch}. */
export interface NetworkSearchOptions {
  /** The bootstrap address that did not answer. */
  triedBootstrap: string;
  /** Addresses remembered from earlier runs (the store's address book). */
  remembered: readonly string[];
}

/** The founder's notices: one at start, one when the existing network is reached. */
export class NetworkSearch {
  readonly #triedBootstrap: string;
  readonly #remembered: ReadonlySet<string>;
  #joined = false;

  /** A search through `options.remembered`. */
  constructor(options: NetworkSearchOptions) {
    this.#triedBootstrap = options.triedBootstrap;
    this.#remembered = new Set(options.remembered);
  }

  /** Whether a remembered peer has answered. */
  get joined(): boolean {
    return this.#joined;
  }

  /** How many remembered addresses are tried. */
  get rememberedCount(): number {
    return this.#remembered.size;
  }

  /** The notice at start. */
  startText(): string {
    const started =
      `No bootstrap answered at ${this.#triedBootstrap}: starting a NEW network (this peer is its bootstrap).`;
    return this.#remembered.size === 0
      ? `${started} No addresses of this room are remembered to look for an existing one ` +
        "(expected one? check --room and --secret/--key-file)."
      : `${started} Looking for the existing network at ${this.#remembered.size} remembered address${
        this.#remembered.size === 1 ? "" : "es"
      } in the background.`;
  }

  /** The notice when a peer at `addr` is up: once, for the first remembered address. */
  onPeerUp(addr: string): string | undefined {
    if (this.#joined || !this.#remembered.has(addr)) return undefined;
    this.#joined = true;
    return `Reached a remembered peer at ${addr}: joined the existing network. Its earlier messages follow as history.`;
  }
}
