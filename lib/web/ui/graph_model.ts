/**
 * The network view's model: the nodes and links to draw, kept across feed
 * objects so that a node keeps its place in the layout, and the difference
 * each update makes (what to add, change, remove). Pure: no DOM.
 *
 * @module
 */

/** A node's state as drawn (`data-state`); see `OverlayNodeState` in lib/peer/overlay_view.ts. */
export type NodeState = "self" | "alive" | "suspect" | "dead" | "left" | "bootstrap";

/** One drawn node; `x`, `y`, `vx`, `vy` belong to the layout. */
export interface GraphNode {
  /** The peer id. */
  readonly id: string;
  /** How it is drawn. */
  state: NodeState;
  /** Its nick, when known. */
  nick?: string | undefined;
  /** Its address. */
  addr?: string | undefined;
  /** Its incarnation. */
  incarnation?: number | undefined;
  /** Its messages delivered here (its clock entry). */
  seq?: number | undefined;
  /** Layout position and speed (set by the force layout). */
  x?: number;
  y?: number;
  vx?: number;
  vy?: number;
  /** Pinned position (the self node stays in the middle). */
  fx?: number | null;
  fy?: number | null;
}

/** One of this peer's own links, from the self node to `id`. */
export interface GraphLink {
  /** The remote's id (`data-link`). */
  readonly id: string;
  /** How it is drawn (`data-kind`). */
  kind: string;
  /** Link details for the node panel. */
  outbound?: boolean;
  ageMs?: number;
  quietMs?: number;
  lazyAuthors?: number | undefined;
  /** How its bytes travel: direct, relayed or punched (`data-path`). */
  path?: string | undefined;
  /** Layout ends (d3-force replaces the ids with the nodes). */
  source: string | GraphNode;
  target: string | GraphNode;
}

/** The part of an `overlay` feed object the graph reads. */
export interface OverlayObject {
  readonly members: readonly {
    id: string;
    state: NodeState;
    nick?: string;
    addr?: string;
    incarnation?: number;
    seq?: number;
  }[];
  readonly links: readonly {
    id: string;
    kind: string;
    outbound?: boolean;
    ageMs?: number;
    quietMs?: number;
    lazyAuthors?: number;
    path?: string;
  }[];
  readonly omittedMembers?: number;
}

/** What one update changed. */
export interface GraphDiff {
  /** Ids of nodes added. */
  readonly addedNodes: string[];
  /** Ids of nodes removed. */
  readonly removedNodes: string[];
  /** Ids of nodes whose state or nick changed. */
  readonly changedNodes: string[];
  /** Remote ids of links added. */
  readonly addedLinks: string[];
  /** Remote ids of links removed. */
  readonly removedLinks: string[];
  /** Remote ids of links whose kind changed. */
  readonly changedLinks: string[];
}

/** Whether a diff changes nothing. */
export function isEmptyDiff(diff: GraphDiff): boolean {
  return Object.values(diff).every((ids: string[]) => ids.length === 0);
}

/** The nodes and links of the network view. */
export class GraphModel {
  readonly nodes: Map<string, GraphNode> = new Map();
  readonly links: Map<string, GraphLink> = new Map();
  #selfId = "";
  /** Members not drawn (past the peer's limit), from the last overlay. */
  omitted = 0;

  /** The self node's id. */
  get selfId(): string {
    return this.#selfId;
  }

  /** Replaces the graph with an overlay object's members and links; keeps positions. */
  applyOverlay(overlay: OverlayObject): GraphDiff {
    const diff = emptyDiff();
    const seen = new Set<string>();
    for (const m of overlay.members) {
      seen.add(m.id);
      if (m.state === "self") this.#selfId = m.id;
      const node = this.nodes.get(m.id);
      if (node === undefined) {
        this.nodes.set(m.id, { ...m });
        diff.addedNodes.push(m.id);
        continue;
      }
      if (node.state !== m.state || node.nick !== m.nick) diff.changedNodes.push(m.id);
      Object.assign(node, m);
    }
    for (const id of [...this.nodes.keys()]) {
      if (!seen.has(id)) {
        this.nodes.delete(id);
        diff.removedNodes.push(id);
      }
    }
    const linked = new Set<string>();
    for (const l of overlay.links) {
      if (!this.nodes.has(l.id) || l.id === this.#selfId) continue;
      linked.add(l.id);
      const link = this.links.get(l.id);
      if (link === undefined) {
        this.links.set(l.id, { ...l, source: this.#selfId, target: l.id });
        diff.addedLinks.push(l.id);
        continue;
      }
      if (link.kind !== l.kind || link.path !== l.path) diff.changedLinks.push(l.id);
      Object.assign(link, l);
    }
    for (const id of [...this.links.keys()]) {
      if (!linked.has(id)) {
        this.links.delete(id);
        diff.removedLinks.push(id);
      }
    }
    this.omitted = overlay.omittedMembers ?? 0;
    return diff;
  }

  /** A member came up (a `peer-up` line): drawn alive at once, its link comes with the next overlay. */
  peerUp(id: string, nick: string | undefined, addr: string | undefined): GraphDiff {
    const diff = emptyDiff();
    if (id === this.#selfId) return diff;
    const node = this.nodes.get(id);
    if (node === undefined) {
      this.nodes.set(id, { id, state: "alive", nick, addr });
      diff.addedNodes.push(id);
    } else if (node.state !== "alive") {
      node.state = "alive";
      diff.changedNodes.push(id);
    }
    return diff;
  }

  /**
   * A member went down (a `peer-down` line): drawn `left` at once when its
   * cause is `left` (it said goodbye), else `dead`; its link gone.
   */
  peerDown(id: string, cause?: string): GraphDiff {
    const diff = emptyDiff();
    const node = this.nodes.get(id);
    const state = cause === "left" ? "left" : "dead";
    if (node !== undefined && node.state !== state && node.state !== "self") {
      node.state = state;
      diff.changedNodes.push(id);
    }
    if (this.links.delete(id)) diff.removedLinks.push(id);
    return diff;
  }

  /** A member's nick changed. */
  rename(id: string, nick: string): GraphDiff {
    const diff = emptyDiff();
    const node = this.nodes.get(id);
    if (node !== undefined && node.nick !== nick) {
      node.nick = nick;
      diff.changedNodes.push(id);
    }
    return diff;
  }
}

function emptyDiff(): GraphDiff {
  return {
    addedNodes: [],
    removedNodes: [],
    changedNodes: [],
    addedLinks: [],
    removedLinks: [],
    changedLinks: [],
  };
}
