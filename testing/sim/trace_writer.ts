/**
 * `deno task sim --trace FILE`: a compact event trace of one simulation, for
 * a later viewer to replay. It is a {@linkcode SimObserver} fed by the same
 * event stream as the golden-trace digest, and it only reads: writing a
 * trace draws no randomness and changes nothing a node does.
 *
 * The format (JSON lines, `p2pchat-sim-trace/1`) is documented in
 * docs/sim-trace.md; {@linkcode readTrace} in trace_reader.ts reads it back.
 *
 * @module
 */

import type { Effect } from "../../lib/actor/effect.ts";
import type { PeerNode } from "../../lib/peer/peer_node.ts";
import type { SimNode, SimObserver, SimWorldEvent } from "../../lib/sim/sim_network.ts";
import type { Message } from "../../lib/wire/message.ts";

/** The format name and version in every trace's header. */
export const TRACE_FORMAT = "p2pchat-sim-trace/1";

/** Default width of a time step, ms: events are grouped per step and link changes sampled per step. */
export const TRACE_STEP_MS_DEFAULT = 10;

/** The run a trace describes, written as its first line. */
export interface TraceHeader {
  scenario: string;
  nodes: number;
  seed: number;
  /** Options the run was made with (protocol tuning and the like). */
  options: Record<string, unknown>;
}

/** Options of {@linkcode TraceWriter}. */
export interface TraceWriterOptions {
  /** Width of a time step, ms. Default {@linkcode TRACE_STEP_MS_DEFAULT}. */
  stepMs?: number;
  /** Receives each finished line (without its newline). */
  write: (line: string) => void;
}

/**
 * Writes the trace lines of a run as it happens. Link changes are found by
 * comparing, at the end of each step, the neighbour sets of the nodes that
 * handled an event in it; a link that came and went within one step is not seen.
 */
export class TraceWriter implements SimObserver {
  readonly #write: (line: string) => void;
  readonly #stepMs: number;
  readonly #indexByAddr = new Map<string, number>();
  readonly #indexById = new Map<string, number>();
  /** Per index, the node of that identity (a crashed one stays, no longer alive). */
  readonly #nodes: (SimNode | undefined)[] = [];
  /** Neighbour indices per node index, as last written. */
  readonly #links: Set<number>[] = [];
  readonly #held: number[] = [];
  readonly #dirty = new Set<number>();
  #sent: Record<string, number> = {};
  #sentAny = false;
  /** The step of the last `t` line written, or -1. */
  #writtenStep = -1;
  /** The step the events now being seen belong to. */
  #step = 0;
  #lines = 0;

  /** A writer; call {@linkcode header} first and {@linkcode finish} at the end. */
  constructor(options: TraceWriterOptions) {
    this.#write = options.write;
    this.#stepMs = options.stepMs ?? TRACE_STEP_MS_DEFAULT;
    if (!(this.#stepMs > 0)) throw new RangeError("Trace step must be > 0 ms");
  }

  /** Lines written so far. */
  get lines(): number {
    return this.#lines;
  }

  /** Writes the header line. */
  header(header: TraceHeader): void {
    this.#line(JSON.stringify({ format: TRACE_FORMAT, step_ms: this.#stepMs, ...header }));
  }

  /** Flushes the last step and writes the `end` line with the final virtual time. */
  finish(nowMs: number): void {
    this.#flush();
    this.#emit(["end", Math.round(nowMs)]);
  }

  /** Implements {@linkcode SimObserver.onAdvance}: closes steps time moved past. */
  onAdvance(toMs: number): void {
    const step = Math.floor(toMs / this.#stepMs);
    if (step === this.#step) return;
    this.#flush();
    this.#step = step;
  }

  /** Implements {@linkcode SimObserver.onDrained}: the node's links are compared at the step's end. */
  onDrained(node: SimNode): void {
    const index = this.#indexByAddr.get(node.addr);
    if (index !== undefined) this.#dirty.add(index);
  }

  /** Implements {@linkcode SimObserver.onSend}: counted per type per step. */
  onSend(_from: SimNode, message: Message): void {
    this.#sent[message.type] = (this.#sent[message.type] ?? 0) + 1;
    this.#sentAny = true;
  }

  /** Implements {@linkcode SimObserver.onWorld}. */
  onWorld(event: SimWorldEvent): void {
    switch (event.kind) {
      case "add": {
        // An index names an identity: a restart from disk keeps it, a new id gets a new one.
        const id = event.node.actor.localHello().id;
        let index = this.#indexById.get(id);
        if (index === undefined) {
          index = this.#nodes.length;
          this.#indexById.set(id, index);
          this.#links.push(new Set());
          this.#held.push(0);
        }
        const previous = this.#indexByAddr.get(event.node.addr);
        if (previous !== undefined && previous !== index) this.#dirty.add(previous);
        this.#indexByAddr.set(event.node.addr, index);
        this.#nodes[index] = event.node;
        const role = isPeer(event.node) ? "peer" : "bootstrap";
        this.#emit(["node", index, event.node.addr, id, role]);
        this.#dirty.add(index);
        return;
      }
      case "crash": {
        const index = this.#indexByAddr.get(event.addr);
        if (index === undefined) return;
        this.#emit(["crash", index, event.reset ? 1 : 0]);
        this.#dirty.add(index);
        return;
      }
      case "stall": {
        const index = this.#indexByAddr.get(event.addr);
        if (index !== undefined) this.#emit(["stall", index, Math.round(event.untilMs)]);
        return;
      }
      case "block": {
        const from = this.#indexByAddr.get(event.from);
        const to = this.#indexByAddr.get(event.to);
        if (from !== undefined && to !== undefined) this.#emit(["block", from, to]);
        return;
      }
      case "partition":
        this.#emit([
          "partition",
          event.groups.map((g) => g.map((a) => this.#indexByAddr.get(a) ?? -1)),
        ]);
        return;
      case "heal":
        this.#emit(["heal"]);
        return;
    }
  }

  /** Implements {@linkcode SimObserver.onReceive}: prunes (a link turning lazy for authors). */
  onReceive(node: SimNode, message: Message, from: SimNode): void {
    if (message.type !== "prune") return;
    const to = this.#indexByAddr.get(node.addr);
    const sender = this.#indexByAddr.get(from.addr);
    if (to === undefined || sender === undefined) return;
    this.#emit(["prune", sender, to, message.authors.map((a) => this.#indexById.get(a) ?? -1)]);
  }

  /** Implements {@linkcode SimObserver.onEffect}: deliveries, verdicts, skips. */
  onEffect(node: SimNode, effect: Effect): void {
    const index = this.#indexByAddr.get(node.addr);
    if (index === undefined) return;
    switch (effect.type) {
      case "deliver": {
        const author = this.#indexById.get(effect.message.author) ?? -1;
        const kind = author === index && isOwn(node, effect.message.author) ? "pub" : "d";
        this.#emit(
          kind === "pub"
            ? ["pub", index, effect.message.seq]
            : ["d", index, author, effect.message.seq],
        );
        return;
      }
      case "skip":
        this.#emit(["skip", index, this.#indexById.get(effect.author) ?? -1, effect.seq]);
        return;
      case "peer-up":
        this.#emit(["alive", index, this.#indexById.get(effect.id) ?? -1]);
        return;
      case "peer-down":
        this.#emit([
          "dead",
          index,
          this.#indexById.get(effect.id) ?? -1,
          effect.cause ?? effect.reason,
        ]);
        return;
      default:
        return;
    }
  }

  /** Writes link and hold-back changes of the nodes active this step, and the step's sends. */
  #flush(): void {
    if (this.#sentAny) {
      this.#emit(["tx", this.#sent]);
      this.#sent = {};
      this.#sentAny = false;
    }
    if (this.#dirty.size === 0) return;
    const dirty = [...this.#dirty].sort((a, b) => a - b);
    this.#dirty.clear();
    for (const index of dirty) {
      const node = this.#nodes[index];
      if (node === undefined || !isPeer(node)) continue;
      const now = new Set<number>();
      if (node.alive) {
        for (const id of node.actor.neighbourIds()) {
          const other = this.#indexById.get(id);
          if (other !== undefined) now.add(other);
        }
      }
      const before = this.#links[index]!;
      const up = [...now].filter((i) => !before.has(i)).sort((a, b) => a - b);
      const down = [...before].filter((i) => !now.has(i)).sort((a, b) => a - b);
      if (up.length > 0) this.#emit(["up", index, up]);
      if (down.length > 0) this.#emit(["down", index, down]);
      this.#links[index] = now;
      const held = node.alive ? node.actor.heldBackCount : 0;
      if (held !== this.#held[index]) {
        this.#emit(["held", index, held]);
        this.#held[index] = held;
      }
    }
  }

  #emit(event: unknown[]): void {
    if (this.#writtenStep !== this.#step) {
      this.#writtenStep = this.#step;
      this.#line(JSON.stringify(["t", this.#step * this.#stepMs]));
    }
    this.#line(JSON.stringify(event));
  }

  #line(line: string): void {
    this.#lines++;
    this.#write(line);
  }
}

function isPeer(node: SimNode): node is SimNode<PeerNode> {
  return typeof (node.actor as Partial<PeerNode>).neighbourIds === "function";
}

function isOwn(node: SimNode, author: string): boolean {
  return node.actor.localHello().id === author;
}
