/// <reference lib="dom" />
/**
 * The network view: the overlay as this peer knows it, drawn in SVG with a
 * force-directed layout (d3-force). One `[data-node]` group per node, one
 * `[data-link]` line per own link; the svg's `data-nodes`/`data-links` are
 * the counts drawn. Clicking a node shows its details in `#node-details`.
 *
 * @module
 */

// @ts-types="npm:@types/d3-force@3.0.10"
import {
  forceCenter,
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  type Simulation,
} from "npm:d3-force@3.0.0";
import {
  type GraphDiff,
  type GraphLink,
  GraphModel,
  type GraphNode,
  isEmptyDiff,
} from "./graph_model.ts";

/** The view box: the layout's coordinates. */
const WIDTH = 600;
const HEIGHT = 420;
const NODE_RADIUS = 9;

/** Formats ms as a short age: `850 ms`, `12 s`, `3 min`. */
function ageText(ms: number | undefined): string {
  if (ms === undefined) return "?";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** Draws a {@linkcode GraphModel} into an svg and keeps it laid out. */
export class NetworkView {
  readonly model: GraphModel = new GraphModel();
  readonly #svg: SVGSVGElement;
  readonly #ns: string;
  readonly #details: HTMLElement;
  readonly #note: HTMLElement | null;
  readonly #linkLayer: SVGGElement;
  readonly #nodeLayer: SVGGElement;
  readonly #nodeElements = new Map<string, SVGGElement>();
  readonly #linkElements = new Map<string, SVGLineElement>();
  readonly #simulation: Simulation<GraphNode, GraphLink>;
  #selected: string | undefined;

  /** A view drawing into `svg`, details into `details`. */
  constructor(svg: SVGSVGElement, details: HTMLElement, note: HTMLElement | null) {
    this.#svg = svg;
    // The SVG namespace, from the page's own svg element.
    this.#ns = svg.namespaceURI ?? "";
    this.#details = details;
    this.#note = note;
    svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
    this.#linkLayer = document.createElementNS(this.#ns, "g") as SVGGElement;
    this.#nodeLayer = document.createElementNS(this.#ns, "g") as SVGGElement;
    svg.replaceChildren(this.#linkLayer, this.#nodeLayer);
    this.#simulation = forceSimulation<GraphNode, GraphLink>([])
      .force(
        "link",
        forceLink<GraphNode, GraphLink>([]).id((n) => n.id).distance(90),
      )
      .force("charge", forceManyBody().strength(-160))
      .force("center", forceCenter(WIDTH / 2, HEIGHT / 2))
      .force("collide", forceCollide(NODE_RADIUS * 2))
      .on("tick", () => this.#tick());
    this.#count();
  }

  /** Applies what changed to the drawing and restarts the layout when the graph changed. */
  apply(diff: GraphDiff): void {
    const model = this.model;
    for (const id of diff.removedNodes) {
      this.#nodeElements.get(id)?.remove();
      this.#nodeElements.delete(id);
    }
    for (const id of diff.removedLinks) {
      this.#linkElements.get(id)?.remove();
      this.#linkElements.delete(id);
    }
    for (const id of [...diff.addedNodes, ...diff.changedNodes]) {
      const node = model.nodes.get(id);
      if (node !== undefined) this.#drawNode(node);
    }
    for (const id of [...diff.addedLinks, ...diff.changedLinks]) {
      const link = model.links.get(id);
      if (link !== undefined) this.#drawLink(link);
    }
    if (this.#note !== null) {
      this.#note.textContent = model.omitted > 0
        ? `${model.omitted} more members are known but not drawn (the peer lists at most a few hundred).`
        : "";
    }
    this.#count();
    if (this.#selected !== undefined) this.#showDetails(this.#selected);
    if (
      diff.addedNodes.length + diff.removedNodes.length + diff.addedLinks.length +
          diff.removedLinks.length > 0
    ) {
      const self = model.nodes.get(model.selfId);
      if (self !== undefined) {
        self.fx = WIDTH / 2;
        self.fy = HEIGHT / 2;
      }
      // A new node starts on a ring around the middle, at an angle of its
      // own (from its id): the layout settles fast and the same way each time.
      for (const id of diff.addedNodes) {
        const node = model.nodes.get(id);
        if (node === undefined || node.x !== undefined || id === model.selfId) continue;
        const angle = (parseInt(id.slice(0, 8), 16) / 0xffffffff) * 2 * Math.PI;
        const radius = node.state === "dead" || node.state === "left" ? 180 : 110;
        node.x = WIDTH / 2 + radius * Math.cos(angle);
        node.y = HEIGHT / 2 + radius * Math.sin(angle);
      }
      this.#simulation.nodes([...model.nodes.values()]);
      this.#simulation.force<ReturnType<typeof forceLink<GraphNode, GraphLink>>>("link")!
        .links([...model.links.values()]);
      this.#simulation.alpha(0.6).restart();
    } else if (!isEmptyDiff(diff)) {
      this.#tick();
    }
  }

  #count(): void {
    this.#svg.dataset.nodes = String(this.#nodeElements.size);
    this.#svg.dataset.links = String(this.#linkElements.size);
  }

  #drawNode(node: GraphNode): void {
    let group = this.#nodeElements.get(node.id);
    if (group === undefined) {
      group = document.createElementNS(this.#ns, "g") as SVGGElement;
      group.dataset.node = node.id;
      const circle = document.createElementNS(this.#ns, "circle");
      circle.setAttribute("r", String(node.state === "self" ? NODE_RADIUS + 3 : NODE_RADIUS));
      const label = document.createElementNS(this.#ns, "text");
      label.setAttribute("dy", String(NODE_RADIUS + 12));
      label.setAttribute("text-anchor", "middle");
      const title = document.createElementNS(this.#ns, "title");
      group.append(circle, label, title);
      group.addEventListener("click", () => this.select(node.id));
      this.#nodeLayer.append(group);
      this.#nodeElements.set(node.id, group);
    }
    group.dataset.state = node.state;
    group.setAttribute("class", `node ${node.state}`);
    const name = node.nick ?? node.id.slice(0, 6);
    group.querySelector("text")!.textContent = name;
    group.querySelector("title")!.textContent = `${name} (${node.state})`;
  }

  #drawLink(link: GraphLink): void {
    let line = this.#linkElements.get(link.id);
    if (line === undefined) {
      line = document.createElementNS(this.#ns, "line") as SVGLineElement;
      line.dataset.link = link.id;
      this.#linkLayer.append(line);
      this.#linkElements.set(link.id, line);
    }
    line.dataset.kind = link.kind;
    line.dataset.path = link.path ?? "direct";
    line.setAttribute("class", `link ${link.kind} ${link.path ?? "direct"}`);
  }

  #tick(): void {
    for (const [id, group] of this.#nodeElements) {
      const node = this.model.nodes.get(id);
      if (node?.x === undefined || node.y === undefined) continue;
      group.setAttribute("transform", `translate(${node.x.toFixed(1)},${node.y.toFixed(1)})`);
    }
    for (const [id, line] of this.#linkElements) {
      const link = this.model.links.get(id);
      const source = typeof link?.source === "object" ? link.source : undefined;
      const target = typeof link?.target === "object" ? link.target : undefined;
      if (source?.x === undefined || target?.x === undefined) continue;
      line.setAttribute("x1", source.x.toFixed(1));
      line.setAttribute("y1", source.y!.toFixed(1));
      line.setAttribute("x2", target.x.toFixed(1));
      line.setAttribute("y2", target.y!.toFixed(1));
    }
  }

  /** Shows node `id`'s details (and keeps them fresh while it stays selected). */
  select(id: string): void {
    this.#selected = id;
    for (const [nodeId, group] of this.#nodeElements) {
      group.classList.toggle("selected", nodeId === id);
    }
    this.#showDetails(id);
  }

  #showDetails(id: string): void {
    const node = this.model.nodes.get(id);
    const link = this.model.links.get(id);
    const lines = [`id: ${id}`];
    if (node === undefined) {
      lines.push("no longer in this peer's member table");
    } else {
      lines.push(`nick: ${node.nick ?? "(unknown)"}`);
      lines.push(`address: ${node.addr ?? "(unknown)"}`);
      lines.push(`state: ${node.state}`);
      if (node.incarnation !== undefined) lines.push(`incarnation: ${node.incarnation}`);
      if (node.seq !== undefined) {
        lines.push(`clock entry (its messages delivered here): ${node.seq}`);
      }
    }
    if (link !== undefined) {
      lines.push(
        `link: ${link.kind}${
          link.path === undefined || link.path === "direct" ? "" : `, ${link.path}`
        }, ${link.outbound ? "dialled by this peer" : "dialled by it"}, up for ${
          ageText(link.ageMs)
        }, last heard ${ageText(link.quietMs)} ago`,
      );
      if (link.lazyAuthors !== undefined) {
        lines.push(`authors only announced (lazy) on it: ${link.lazyAuthors}`);
      }
      lines.push("round-trip time: not measured by the peer");
    } else if (node?.state !== "self") {
      lines.push("link: none (known through others)");
    }
    this.#details.replaceChildren(
      ...lines.map((text) => {
        const item = document.createElement("div");
        item.textContent = text;
        return item;
      }),
    );
  }
}
