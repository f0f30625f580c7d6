/// <reference lib="dom" />
/**
 * The page's network and message views, beside the chat of app.js: tabs
 * (`button[data-view]` show `#view-<name>`), the live overlay graph and the
 * message provenance. app.js owns the feed; it hands every object to the
 * listeners registered with `p2pchat.onFeed` (app.js runs first: both
 * scripts are deferred, in document order).
 *
 * @module
 */

import { NetworkView } from "./network_view.ts";
import { MessageView } from "./message_view.ts";
import type { OverlayObject } from "./graph_model.ts";

/** What app.js exposes. */
interface ChatPage {
  onFeed(listener: (event: Record<string, unknown>) => void): void;
}

const page = (globalThis as unknown as { p2pchat?: ChatPage }).p2pchat;
const nicks = new Map<string, string>();
let selfId = "";
const nameOf = (id: string) => nicks.get(id) ?? id.slice(0, 8);

function showView(name: string): void {
  for (const section of document.querySelectorAll<HTMLElement>("[data-view-section]")) {
    section.hidden = section.id !== `view-${name}`;
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-view]")) {
    button.setAttribute("aria-selected", String(button.dataset.view === name));
  }
}

for (const button of document.querySelectorAll<HTMLButtonElement>("button[data-view]")) {
  button.addEventListener("click", () => showView(button.dataset.view ?? "chat"));
}

const network = new NetworkView(
  document.getElementById("network-graph") as unknown as SVGSVGElement,
  document.getElementById("node-details")!,
  document.getElementById("network-note"),
);
const messageView = new MessageView(nameOf, () => selfId);

// A click on a chat message opens its story in the message view.
document.getElementById("messages")?.addEventListener("click", (event) => {
  const item = (event.target as Element | null)?.closest<HTMLElement>("[data-msg]");
  const key = item?.dataset.msg;
  if (key === undefined) return;
  const colon = key.lastIndexOf(":");
  messageView.select({ author: key.slice(0, colon), seq: Number(key.slice(colon + 1)) });
  showView("message");
});

type Feed = Record<string, unknown>;

function learnNicks(list: unknown): void {
  if (!Array.isArray(list)) return;
  for (const p of list as { id?: string; nick?: string }[]) {
    if (typeof p.id === "string" && typeof p.nick === "string") nicks.set(p.id, p.nick);
  }
}

function handle(event: Feed): void {
  switch (event.type) {
    case "snapshot": {
      const self = event.self as { id: string; nick: string };
      selfId = self.id;
      nicks.set(self.id, self.nick);
      learnNicks(event.peers);
      const overlay = event.overlay as OverlayObject | undefined;
      if (overlay !== undefined) {
        learnNicks(overlay.members);
        network.apply(network.model.applyOverlay(overlay));
      }
      for (const p of (event.provenance ?? []) as Feed[]) {
        messageView.onProvenance(p as never);
      }
      for (const m of (event.messages ?? []) as Feed[]) messageView.onMessage(m as never);
      if (overlay !== undefined) messageView.onOverlay(overlay as never);
      break;
    }
    case "overlay":
      learnNicks((event as unknown as OverlayObject).members);
      network.apply(network.model.applyOverlay(event as unknown as OverlayObject));
      messageView.onOverlay(event as never);
      break;
    case "provenance":
      messageView.onProvenance(event as never);
      break;
    case "message":
      messageView.onMessage(event as never);
      break;
    case "peer-up":
      if (typeof event.nick === "string") nicks.set(String(event.id), event.nick);
      network.apply(
        network.model.peerUp(String(event.id), event.nick as string, event.addr as string),
      );
      break;
    case "peer-down":
      network.apply(network.model.peerDown(String(event.id), event.cause as string | undefined));
      break;
    case "nick":
      nicks.set(String(event.id), String(event.new));
      network.apply(network.model.rename(String(event.id), String(event.new)));
      break;
  }
}

page?.onFeed(handle);

// `#network` or `#message` after the page's URL opens that tab.
const asked = location.hash.slice(1);
if (asked === "network" || asked === "message") showView(asked);
