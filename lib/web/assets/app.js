// The p2pchat page: a WebSocket to /feed carries a snapshot, then the same
// objects as `peer --json` prints; the page sends the same commands as its
// stdin lines. Remote text is only ever set through textContent.
"use strict";

const $ = (id) => document.getElementById(id);
const messages = $("messages");
const memberList = $("member-list");
const toSelect = $("to");
/** Peer id → { nick, online }: members seen this session; one that left stays, shown away. */
const members = new Map();
let self = { id: "", nick: "" };
let unreadMarker = null;
let socket = null;

function timeOf(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** Fewest hex digits that tell namesakes apart (as the terminal shows them: bob#3a09). */
const NAME_SUFFIX_DIGITS_MIN = 4;

// A nick alone, unless another member (or you) goes by it too: then with the
// shortest id prefix that tells them apart, so nobody passes for someone else.
function nameOf(id, nick) {
  const name = nick ?? members.get(id)?.nick ?? String(id).slice(0, 8);
  const namesakes = [...members].filter(([other, m]) => other !== id && m.nick === name)
    .map(([other]) => other);
  if (self.id !== id && self.nick === name) namesakes.push(self.id);
  if (namesakes.length === 0) return name;
  let digits = NAME_SUFFIX_DIGITS_MIN;
  while (namesakes.some((other) => other.startsWith(String(id).slice(0, digits)))) digits++;
  return `${name}#${String(id).slice(0, digits)}`;
}

function append(item) {
  const atBottom = messages.parentElement.scrollHeight - messages.parentElement.scrollTop -
      messages.parentElement.clientHeight < 40;
  if (document.hidden && unreadMarker === null) {
    unreadMarker = document.createElement("li");
    unreadMarker.className = "unread-marker";
    unreadMarker.textContent = "new";
    messages.append(unreadMarker);
  }
  messages.append(item);
  if (atBottom) item.scrollIntoView({ block: "end" });
}

function line(className, time, nick, text) {
  const item = document.createElement("li");
  item.className = className;
  const t = document.createElement("span");
  t.className = "time";
  t.textContent = timeOf(time);
  const n = document.createElement("span");
  n.className = "nick";
  n.textContent = nick;
  const body = document.createElement("span");
  body.textContent = text;
  item.append(t, n, body);
  return item;
}

function notice(text) {
  const item = document.createElement("li");
  item.className = "notice";
  item.textContent = text;
  append(item);
}

/** A marker line (`history`, `end-of-history`) between messages. */
function marker(kind, text) {
  const item = document.createElement("li");
  item.className = "history-marker";
  item.dataset.marker = kind;
  item.textContent = text;
  append(item);
}

function showMessage(m) {
  const item = line(
    "message",
    m.ts ?? m.at,
    nameOf(m.author, m.nick),
    m.deleted ? "(deleted)" : m.text,
  );
  item.dataset.key = `${m.author}/${m.seq}`;
  item.dataset.msg = `${m.author}:${m.seq}`;
  if (m.author === self.id) {
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = ownStates.get(m.seq) ?? "";
    item.append(state);
  }
  append(item);
  return item;
}

/** Own message seq → its last delivery state (`queued`, `sent`, `seen`). */
const ownStates = new Map();

function showState(seq, state) {
  ownStates.set(seq, state);
  const item = messages.querySelector(`li[data-key="${self.id}/${seq}"] .state`);
  if (item !== null) item.textContent = state;
}

function renderMembers() {
  memberList.replaceChildren();
  const chosen = toSelect.value;
  toSelect.replaceChildren(new Option("Everyone", ""));
  const me = document.createElement("li");
  me.className = "self";
  me.textContent = `${nameOf(self.id, self.nick)} (you)`;
  memberList.append(me);
  const sorted = [...members].sort(([, a], [, b]) => Number(b.online) - Number(a.online));
  for (const [id, { nick, online }] of sorted) {
    if (id === self.id) continue;
    const item = document.createElement("li");
    item.className = online ? "online" : "away";
    item.textContent = online ? nameOf(id, nick) : `${nameOf(id, nick)} (away)`;
    memberList.append(item);
    toSelect.append(new Option(`→ ${nameOf(id, nick)}`, id));
  }
  toSelect.value = [...toSelect.options].some((o) => o.value === chosen) ? chosen : "";
}

function handle(event) {
  switch (event.type) {
    case "snapshot":
      self = event.self;
      $("me").textContent = nameOf(self.id, self.nick);
      members.clear();
      for (const p of event.peers ?? []) members.set(p.id, { nick: p.nick, online: true });
      messages.replaceChildren();
      // Stored messages of earlier sessions first, under a marker, as the terminal shows them.
      if ((event.history ?? []).length > 0) {
        marker("history", "history");
        for (const m of event.history) showMessage(m).classList.add("history");
        marker("end-of-history", "end of history");
      }
      for (const m of event.messages ?? []) showMessage(m);
      renderMembers();
      break;
    case "message":
      showMessage(event);
      break;
    case "message-state":
      showState(event.seq, event.state);
      break;
    case "direct":
      append(
        line("direct", event.ts ?? event.at, `${nameOf(event.from, event.nick)} → you`, event.text),
      );
      break;
    case "sent":
      if (event.command === "direct") {
        append(
          line("direct", Date.now(), `you → ${nameOf(event.to)}`, pendingDirect.shift() ?? ""),
        );
      }
      break;
    case "peer-up":
      members.set(event.id, { nick: event.nick ?? members.get(event.id)?.nick, online: true });
      renderMembers();
      break;
    case "peer-down":
      members.set(event.id, { nick: event.nick ?? members.get(event.id)?.nick, online: false });
      renderMembers();
      break;
    case "nick":
      if (event.id === self.id) {
        self.nick = event.new;
        $("me").textContent = nameOf(self.id, self.nick);
      } else members.set(event.id, { online: false, ...members.get(event.id), nick: event.new });
      renderMembers();
      notice(`${nameOf(event.id, event.old)} is now ${event.new}`);
      break;
    case "peers":
      for (const p of event.peers) {
        members.set(p.id, { nick: p.nick ?? members.get(p.id)?.nick, online: true });
      }
      renderMembers();
      break;
    case "error":
      notice(`error: ${event.error}`);
      break;
  }
}

const pendingDirect = [];

/** The other views (views.js) see every feed object after the chat has. */
const feedListeners = [];
globalThis.p2pchat = { onFeed: (listener) => feedListeners.push(listener) };

function connect() {
  socket = new WebSocket(
    `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/feed`,
  );
  socket.onopen = () => ($("status").textContent = "live");
  socket.onmessage = (e) => {
    const event = JSON.parse(e.data);
    handle(event);
    for (const listener of feedListeners) listener(event);
  };
  socket.onclose = () => {
    $("status").textContent = "disconnected, retrying…";
    setTimeout(connect, 2000);
  };
}

$("compose").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = $("text").value;
  if (text.trim() === "" || socket?.readyState !== WebSocket.OPEN) return;
  if (text.startsWith("/nick ")) {
    socket.send(JSON.stringify({ type: "nick", nick: text.slice(6).trim() }));
  } else if (toSelect.value !== "") {
    pendingDirect.push(text);
    socket.send(JSON.stringify({ type: "direct", to: toSelect.value, text }));
  } else {
    socket.send(JSON.stringify({ type: "send", text }));
  }
  $("text").value = "";
  unreadMarker?.remove();
  unreadMarker = null;
});

// The token came in the URL; the cookie now carries it, so take it out of
// the address bar (and of the history) where it could be shoulder-surfed.
if (location.search.includes("token=")) {
  // The hash (#network, #message: the tab to open) stays.
  history.replaceState(null, "", `/${location.hash ?? ""}`);
}
connect();
