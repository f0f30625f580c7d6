import assert from "node:assert/strict";
import type { Actor } from "../../lib/actor/actor.ts";
import type { ConnId, Effect } from "../../lib/actor/effect.ts";
import type { Offence } from "../../lib/actor/offence.ts";
import { ActorRuntime } from "../../lib/runtime/actor_runtime.ts";
import type { RuntimeEvent } from "../../lib/runtime/peer_event.ts";
import type { ActorRuntimeOptions } from "../../lib/runtime/actor_runtime.ts";
import { FramedConnection } from "../../lib/runtime/framed_connection.ts";
import type { Channel, Handshake } from "../../lib/secure/channel.ts";
import { plainHandshake } from "../../lib/secure/plain_channel.ts";
import { encodeFrame } from "../../lib/wire/frame_codec.ts";
import type { Hello, MemberInfo, Message } from "../../lib/wire/message.ts";
import { PROTOCOL_VERSION } from "../../lib/wire/message.ts";
import { encodeMessage } from "../../lib/wire/message_encode.ts";
import {
  addrOf,
  closedPort,
  closeQuietly,
  connectLoopback,
  delay,
  listenLoopback,
  readToEnd,
  waitFor,
  writeAll,
} from "../_helpers/net.ts";

// ---------------------------------------------------------------------------
// A fake actor: records every event, emits the effects a test asks for.

type Recorded =
  | { kind: "accepted"; conn: ConnId; remote: Hello; sourceHost: string | undefined }
  | { kind: "offence"; conn: ConnId; offence: Offence }
  | { kind: "connected"; conn: ConnId; remote: Hello }
  | { kind: "dial-failed"; conn: ConnId; reason: string }
  | { kind: "message"; conn: ConnId; message: Message }
  | { kind: "disconnected"; conn: ConnId; reason: string }
  | { kind: "timeout"; nowMs: number };

class FakeActor implements Actor {
  readonly events: Recorded[] = [];
  readonly #hello: Hello;
  #effects: Effect[] = [];
  #nextConn = 1000;
  /** What `nextDeadlineMs` answers; `handleTimeout` resets it to `Infinity`. */
  deadlineMs = Infinity;

  constructor(hello: Hello) {
    this.#hello = hello;
  }

  /** Queues effects for the runtime to apply; call inside `runtime.run`. */
  emit(...effects: Effect[]): void {
    this.#effects.push(...effects);
  }

  of<K extends Recorded["kind"]>(kind: K): Extract<Recorded, { kind: K }>[] {
    return this.events.filter((e): e is Extract<Recorded, { kind: K }> => e.kind === kind);
  }

  messagesOn(conn: ConnId): Message[] {
    return this.of("message").filter((e) => e.conn === conn).map((e) => e.message);
  }

  disconnectsOf(conn: ConnId): Extract<Recorded, { kind: "disconnected" }>[] {
    return this.of("disconnected").filter((e) => e.conn === conn);
  }

  localHello(): Hello {
    return this.#hello;
  }
  handleAccepted(remote: Hello, _nowMs: number, sourceHost?: string): ConnId {
    const conn = this.#nextConn++;
    this.events.push({ kind: "accepted", conn, remote, sourceHost });
    return conn;
  }
  handleOffence(conn: ConnId, offence: Offence, _nowMs: number): void {
    this.events.push({ kind: "offence", conn, offence });
  }
  handleConnected(conn: ConnId, remote: Hello, _nowMs: number): void {
    this.events.push({ kind: "connected", conn, remote });
  }
  handleDialFailed(conn: ConnId, reason: string, _nowMs: number): void {
    this.events.push({ kind: "dial-failed", conn, reason });
  }
  handleMessage(conn: ConnId, message: Message, _nowMs: number): void {
    this.events.push({ kind: "message", conn, message });
  }
  handleDisconnected(conn: ConnId, reason: string, _nowMs: number): void {
    this.events.push({ kind: "disconnected", conn, reason });
  }
  handleTimeout(nowMs: number): void {
    this.deadlineMs = Infinity;
    this.events.push({ kind: "timeout", nowMs });
  }
  nextDeadlineMs(): number {
    return this.deadlineMs;
  }
  takeEffects(): Effect[] {
    const effects = this.#effects;
    this.#effects = [];
    return effects;
  }
}

function hello(n: number, role: Hello["role"] = "peer"): Hello {
  return {
    type: "hello",
    version: PROTOCOL_VERSION,
    id: n.toString(16).padStart(2, "0").repeat(32),
    addr: `127.0.0.1:${9000 + n}`,
    nick: `node${n}`,
    role,
    incarnation: 0,
  };
}

/** A runtime serving a fake actor on a loopback listener. */
interface Node {
  readonly actor: FakeActor;
  readonly runtime: ActorRuntime;
  readonly addr: string;
  readonly port: number;
  /** Every event the runtime passed to `onEvent` (logs included). */
  readonly events: RuntimeEvent[];
  logs(): string[];
  /** Applies `effects` through `runtime.run`. */
  emit(...effects: Effect[]): void;
}

function startNode(
  n: number,
  options: Omit<ActorRuntimeOptions, "handshake" | "onEvent"> & { handshake?: Handshake } = {},
): Node {
  const actor = new FakeActor(hello(n));
  const events: RuntimeEvent[] = [];
  const runtime = new ActorRuntime(actor, {
    handshake: plainHandshake(),
    ...options,
    onEvent: (event) => events.push(event),
  });
  const listener = listenLoopback();
  runtime.serve(listener);
  return {
    actor,
    runtime,
    addr: addrOf(listener),
    port: listener.addr.port,
    events,
    logs: () => events.flatMap((e) => (e.type === "log" ? [`${e.level}: ${e.text}`] : [])),
    emit: (...effects) => runtime.run(() => actor.emit(...effects)),
  };
}

/** A raw TCP client that speaks the plain handshake itself. */
interface Client {
  readonly conn: Deno.TcpConn;
  readonly framed: FramedConnection;
  readonly channel: Channel;
  send(...messages: Message[]): Promise<void>;
  close(): void;
}

async function connectClient(node: Node, n: number): Promise<Client> {
  const conn = await connectLoopback(node.port);
  conn.setNoDelay(true);
  const framed = new FramedConnection(conn);
  const channel = await plainHandshake()(framed, { initiator: true, local: hello(n) });
  return {
    conn,
    framed,
    channel,
    async send(...messages) {
      const sealed = await channel.seal(messages.map((m) => encodeMessage(m)));
      framed.write(sealed);
      await framed.flushed();
    },
    close: () => framed.close(),
  };
}

/** The connection id the actor gave to the inbound connection of the node numbered `n`. */
async function acceptedConn(node: Node, n: number): Promise<ConnId> {
  const id = hello(n).id;
  await waitFor(
    `node ${n} to be accepted`,
    () => node.actor.of("accepted").some((e) => e.remote.id === id),
  );
  return node.actor.of("accepted").find((e) => e.remote.id === id)!.conn;
}

const ping = (nonce: number): Message => ({ type: "ping", nonce });

function prefix(length: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, length);
  return bytes;
}

/** A `peers` message of `count` members, about 60 bytes each on the wire. */
function bigPeers(count: number): Message {
  const peers: MemberInfo[] = Array.from({ length: count }, (_, i) => ({
    id: (i % 256).toString(16).padStart(2, "0").repeat(31) + "ab",
    addr: `10.0.${i >> 8}.${i & 0xff}:7000`,
    incarnation: i,
    status: "alive",
  }));
  return { type: "peers", peers };
}

// ---------------------------------------------------------------------------
// Inbound

Deno.test("ActorRuntime passes an inbound handshake, then every message in order", async () => {
  const node = startNode(1);
  const client = await connectClient(node, 2);
  try {
    assert.equal(client.channel.remote.id, hello(1).id, "the client sees the actor's hello");
    // Some coalesced, some one by one.
    await client.send(...Array.from({ length: 50 }, (_, i) => ping(i)));
    for (let i = 50; i < 100; i++) await client.send(ping(i));
    const conn = await acceptedConn(node, 2);
    await waitFor("100 messages", () => node.actor.messagesOn(conn).length === 100);
    assert.deepEqual(node.actor.messagesOn(conn), Array.from({ length: 100 }, (_, i) => ping(i)));
    assert.equal(node.actor.events[0]!.kind, "accepted", "the accept comes before any message");
    assert.deepEqual(node.actor.of("accepted")[0]!.remote, hello(2));
  } finally {
    client.close();
    await node.runtime.stop();
  }
});

Deno.test("ActorRuntime sends the actor's messages to an inbound connection in order", async () => {
  const node = startNode(1);
  const client = await connectClient(node, 2);
  try {
    const conn = await acceptedConn(node, 2);
    node.emit(
      ...Array.from({ length: 30 }, (_, i): Effect => ({ type: "send", conn, message: ping(i) })),
    );
    node.emit({ type: "send", conn, message: { type: "pong", nonce: 99 } });
    const got: Uint8Array[] = [];
    while (got.length < 31) got.push(...(await client.framed.readFrames()));
    const opened = await Promise.all(got.map((f) => client.channel.open(f)));
    assert.deepEqual(
      opened.flat().map((p) => [...p]),
      [...Array.from({ length: 30 }, (_, i) => ping(i)), { type: "pong", nonce: 99 } as Message]
        .map((m) => [...encodeMessage(m)]),
    );
  } finally {
    client.close();
    await node.runtime.stop();
  }
});

Deno.test("ActorRuntime closes an inbound connection that never says hello", async () => {
  const node = startNode(1, { handshakeTimeoutMs: 100 });
  const conn = await connectLoopback(node.port);
  try {
    const { end } = await readToEnd(conn);
    assert.ok(end === "eof" || end === "error");
    await waitFor("the log line", () => node.logs().some((l) => /timed out after 100 ms/.test(l)));
    assert.equal(node.actor.events.length, 0, "the actor never hears of it");
    assert.equal(node.runtime.connectionCount, 0);
  } finally {
    conn.close();
    await node.runtime.stop();
  }
});

// ---------------------------------------------------------------------------
// Outbound

Deno.test("ActorRuntime dial effect leads to handleConnected, and sends both ways", async () => {
  const a = startNode(1);
  const b = startNode(2);
  try {
    a.emit({ type: "dial", conn: 7, addr: b.addr });
    await waitFor("handleConnected", () => a.actor.of("connected").length === 1);
    const connected = a.actor.of("connected")[0]!;
    assert.equal(connected.conn, 7);
    // The acceptor's hello also says where it sees the dialer's connection come from.
    const { seen, ...remote } = connected.remote;
    assert.deepEqual(remote, hello(2));
    assert.match(seen ?? "", /^127\.0\.0\.1:[1-9][0-9]*$/);
    const bConn = await acceptedConn(b, 1);

    a.emit({ type: "send", conn: 7, message: ping(42) });
    await waitFor("a's ping at b", () => b.actor.messagesOn(bConn).length === 1);
    assert.deepEqual(b.actor.messagesOn(bConn), [ping(42)]);

    b.emit({ type: "send", conn: bConn, message: { type: "pong", nonce: 42 } });
    await waitFor("b's pong at a", () => a.actor.messagesOn(7).length === 1);
    assert.deepEqual(a.actor.messagesOn(7), [{ type: "pong", nonce: 42 }]);
    assert.equal(a.actor.of("dial-failed").length, 0);
  } finally {
    await a.runtime.stop();
    await b.runtime.stop();
  }
});

Deno.test("ActorRuntime reports a refused dial with handleDialFailed", async () => {
  const a = startNode(1);
  try {
    a.emit({ type: "dial", conn: 3, addr: `127.0.0.1:${closedPort()}` });
    await waitFor("handleDialFailed", () => a.actor.of("dial-failed").length === 1);
    assert.deepEqual(a.actor.of("dial-failed"), [
      { kind: "dial-failed", conn: 3, reason: "connection refused" },
    ]);
    assert.equal(a.runtime.connectionCount, 0);
  } finally {
    await a.runtime.stop();
  }
});

Deno.test("ActorRuntime reports a dial to a silent server as failed after its timeout", async () => {
  const a = startNode(1, { dialTimeoutMs: 150 });
  const silent = listenLoopback();
  const accepted = silent.accept();
  try {
    a.emit({ type: "dial", conn: 4, addr: addrOf(silent) });
    await waitFor("handleDialFailed", () => a.actor.of("dial-failed").length === 1);
    const failed = a.actor.of("dial-failed")[0]!;
    assert.equal(failed.conn, 4);
    assert.match(failed.reason, /timed out after 150 ms/);
    // The runtime hung up on the silent server.
    const conn = await accepted;
    const { end } = await readToEnd(conn);
    conn.close();
    assert.ok(end === "eof" || end === "error");
    assert.equal(a.actor.of("connected").length, 0);
    assert.equal(a.runtime.connectionCount, 0);
  } finally {
    silent.close();
    await accepted.then(closeQuietly, () => {});
    await a.runtime.stop();
  }
});

Deno.test("ActorRuntime reports a dial answered by a bad hello as failed", async () => {
  const a = startNode(1);
  const server = listenLoopback();
  try {
    const serving = (async () => {
      const conn = await server.accept();
      // A hello of protocol version 99.
      await writeAll(conn, encodeFrame(encodeMessage({ ...hello(2), version: 99 })));
      await readToEnd(conn);
      conn.close();
    })();
    a.emit({ type: "dial", conn: 5, addr: addrOf(server) });
    await waitFor("handleDialFailed", () => a.actor.of("dial-failed").length === 1);
    assert.match(
      a.actor.of("dial-failed")[0]!.reason,
      /^Cannot decode hello: version 99 is not supported/,
    );
    await serving;
  } finally {
    server.close();
    await a.runtime.stop();
  }
});

// ---------------------------------------------------------------------------
// Closing

Deno.test("ActorRuntime close effect flushes queued sends, then closes, with no disconnect event", async () => {
  const a = startNode(1);
  const b = startNode(2);
  try {
    a.emit({ type: "dial", conn: 1, addr: b.addr });
    await waitFor("handleConnected", () => a.actor.of("connected").length === 1);
    const bConn = await acceptedConn(b, 1);
    // Many sends and the close in one step: the close must not cut them off.
    a.emit(
      ...Array.from(
        { length: 200 },
        (_, i): Effect => ({ type: "send", conn: 1, message: ping(i) }),
      ),
      { type: "send", conn: 1, message: { type: "bye", reason: "done" } },
      { type: "close", conn: 1, reason: "done" },
    );
    // Sends after the close are dropped.
    a.emit({ type: "send", conn: 1, message: ping(999) });
    await waitFor("b to see the close", () => b.actor.disconnectsOf(bConn).length === 1);
    assert.deepEqual(b.actor.messagesOn(bConn), [
      ...Array.from({ length: 200 }, (_, i) => ping(i)),
      { type: "bye", reason: "done" },
    ]);
    assert.equal(b.actor.disconnectsOf(bConn)[0]!.reason, "closed by remote");
    await a.runtime.stop();
    assert.deepEqual(a.actor.of("disconnected"), [], "a close the actor asked for is not reported");
  } finally {
    await a.runtime.stop();
    await b.runtime.stop();
  }
});

Deno.test({
  name: "ActorRuntime close effect for a dial in flight abandons the dial",
  async fn() {
    const a = startNode(1);
    const b = startNode(2);
    try {
      a.emit({ type: "dial", conn: 1, addr: b.addr }, { type: "close", conn: 1, reason: "no" });
      // b sees the connection end: during its handshake, or after it.
      await waitFor(
        "the abandoned connection to end at b",
        () =>
          b.logs().some((l) => /^info: Handshake with .* failed/.test(l)) ||
          b.actor.of("accepted").some((e) => b.actor.disconnectsOf(e.conn).length === 1),
      );
      assert.deepEqual(a.actor.events, [], "nothing is reported for a closed connection");
      assert.equal(a.runtime.connectionCount, 0);
    } finally {
      await a.runtime.stop();
      await b.runtime.stop();
    }
  },
});

Deno.test("ActorRuntime reports the remote closing with handleDisconnected", async () => {
  const a = startNode(1);
  const b = startNode(2);
  try {
    a.emit({ type: "dial", conn: 1, addr: b.addr });
    await waitFor("handleConnected", () => a.actor.of("connected").length === 1);
    const bConn = await acceptedConn(b, 1);
    b.emit({ type: "send", conn: bConn, message: ping(1) }, {
      type: "close",
      conn: bConn,
      reason: "x",
    });
    await waitFor("a to see the close", () => a.actor.disconnectsOf(1).length === 1);
    assert.deepEqual(a.actor.messagesOn(1), [ping(1)], "what was sent before the close arrives");
    assert.deepEqual(a.actor.disconnectsOf(1), [
      { kind: "disconnected", conn: 1, reason: "closed by remote" },
    ]);
    assert.deepEqual(b.actor.of("disconnected"), []);
    await waitFor(
      "both sides to drop it",
      () => a.runtime.connectionCount === 0 && b.runtime.connectionCount === 0,
    );
  } finally {
    await a.runtime.stop();
    await b.runtime.stop();
  }
});

Deno.test("ActorRuntime reports a raw client hanging up with handleDisconnected", async () => {
  const node = startNode(1);
  const client = await connectClient(node, 2);
  try {
    const conn = await acceptedConn(node, 2);
    client.close();
    await waitFor("handleDisconnected", () => node.actor.disconnectsOf(conn).length === 1);
    assert.match(node.actor.disconnectsOf(conn)[0]!.reason, /closed by remote|connection reset/);
  } finally {
    client.close();
    await node.runtime.stop();
  }
});

Deno.test("ActorRuntime tells the actor the source host of an accepted connection, and reports a flood before the disconnect", async () => {
  const node = startNode(1, { messagesPerSecondMax: 3 });
  const client = await connectClient(node, 2);
  try {
    const conn = await acceptedConn(node, 2);
    assert.equal(node.actor.of("accepted")[0]!.sourceHost, "127.0.0.1");
    await client.send(ping(1), ping(2), ping(3), ping(4), ping(5));
    await waitFor("handleDisconnected", () => node.actor.disconnectsOf(conn).length === 1);
    const order = node.actor.events.filter((e) => e.kind === "offence" || e.kind === "disconnected")
      .map((e) => e.kind === "offence" ? e.offence : e.kind);
    assert.deepEqual(order, ["flood", "disconnected"]);
  } finally {
    client.close();
    await node.runtime.stop();
  }
});

Deno.test("ActorRuntime reports a malformed message as a protocol error", async () => {
  const node = startNode(1);
  const client = await connectClient(node, 2);
  try {
    const conn = await acceptedConn(node, 2);
    const sealed = await client.channel.seal([new Uint8Array([0xc1])]);
    client.framed.write(sealed);
    await client.framed.flushed();
    await waitFor("handleDisconnected", () => node.actor.disconnectsOf(conn).length === 1);
    assert.deepEqual(node.actor.of("offence"), [{
      kind: "offence",
      conn,
      offence: "protocol-error",
    }]);
  } finally {
    client.close();
    await node.runtime.stop();
  }
});

/**
 * A plain channel whose `seal` is asynchronous (as an encrypting one is: WebCrypto
 * answers later) and waits for `gate` before answering.
 */
function gatedSealHandshake(): { handshake: Handshake; open(): void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const plain = plainHandshake();
  return {
    handshake: async (transport, options) => {
      const channel = await plain(transport, options);
      return {
        remote: channel.remote,
        encrypted: false,
        seal: async (payloads) => {
          await gate;
          return channel.seal(payloads);
        },
        open: channel.open,
      };
    },
    open: release,
  };
}

Deno.test({
  name: "ActorRuntime close effect flushes sends still being sealed by an async channel",
  async fn() {
    const gated = gatedSealHandshake();
    const a = startNode(1, { handshake: gated.handshake });
    const b = startNode(2);
    try {
      a.emit({ type: "dial", conn: 1, addr: b.addr });
      // The handshake itself does not seal, so it completes with the gate shut.
      await waitFor("handleConnected", () => a.actor.of("connected").length === 1);
      const bConn = await acceptedConn(b, 1);
      a.emit({ type: "send", conn: 1, message: ping(1) }, {
        type: "send",
        conn: 1,
        message: ping(2),
      });
      await delay(10); // the flush is now waiting in seal
      a.emit({ type: "close", conn: 1, reason: "done" });
      await delay(10);
      gated.open();
      await waitFor("b to see the close", () => b.actor.disconnectsOf(bConn).length === 1);
      assert.deepEqual(b.actor.messagesOn(bConn), [ping(1), ping(2)]);
    } finally {
      gated.open();
      await a.runtime.stop();
      await b.runtime.stop();
    }
  },
});

/** A plain channel whose `seal` answers after a WebCrypto digest, as an encrypting one would. */
const cryptoPacedHandshake: Handshake = async (transport, options) => {
  const channel = await plainHandshake()(transport, options);
  return {
    remote: channel.remote,
    encrypted: false,
    seal: async (payloads) => {
      await crypto.subtle.digest("SHA-256", new Uint8Array(payloads.length));
      return channel.seal(payloads);
    },
    open: channel.open,
  };
};

Deno.test({
  name: "ActorRuntime close effect flushes the sends of the same step through an async channel",
  async fn() {
    const a = startNode(1, { handshake: cryptoPacedHandshake });
    const b = startNode(2);
    try {
      a.emit({ type: "dial", conn: 1, addr: b.addr });
      await waitFor("handleConnected", () => a.actor.of("connected").length === 1);
      const bConn = await acceptedConn(b, 1);
      a.emit(
        { type: "send", conn: 1, message: ping(1) },
        { type: "send", conn: 1, message: { type: "bye", reason: "done" } },
        { type: "close", conn: 1, reason: "done" },
      );
      await waitFor("b to see the close", () => b.actor.disconnectsOf(bConn).length === 1);
      assert.deepEqual(b.actor.messagesOn(bConn), [ping(1), { type: "bye", reason: "done" }]);
    } finally {
      await a.runtime.stop();
      await b.runtime.stop();
    }
  },
});

Deno.test({
  name: "ActorRuntime.stop() flushes sends still being sealed by an async channel",
  async fn() {
    const gated = gatedSealHandshake();
    const a = startNode(1, { handshake: gated.handshake });
    const b = startNode(2);
    try {
      a.emit({ type: "dial", conn: 1, addr: b.addr });
      await waitFor("handleConnected", () => a.actor.of("connected").length === 1);
      const bConn = await acceptedConn(b, 1);
      a.emit({ type: "send", conn: 1, message: ping(1) });
      await delay(10); // the flush is now waiting in seal
      const stopping = a.runtime.stop();
      await delay(10);
      gated.open();
      await stopping;
      await waitFor("b to see the close", () => b.actor.disconnectsOf(bConn).length === 1);
      assert.deepEqual(b.actor.messagesOn(bConn), [ping(1)]);
    } finally {
      gated.open();
      await a.runtime.stop();
      await b.runtime.stop();
    }
  },
});

Deno.test("ActorRuntime closes a connection whose reader is too slow, and says so", async () => {
  const node = startNode(1, { writeQueueBytesMax: 256 * 1024 });
  const client = await connectClient(node, 2);
  try {
    const conn = await acceptedConn(node, 2);
    const message = bigPeers(250); // about 15 KB
    // The client never reads: socket buffers fill, then the write queue.
    for (let i = 0; i < 20_000 && node.actor.disconnectsOf(conn).length === 0; i++) {
      node.emit(...Array.from({ length: 4 }, (): Effect => ({ type: "send", conn, message })));
      await delay(0);
    }
    assert.deepEqual(node.actor.disconnectsOf(conn), [
      { kind: "disconnected", conn, reason: "peer too slow: write queue full" },
    ]);
    assert.ok(node.logs().some((l) => /^warn: .*peer too slow: write queue full$/.test(l)));
    assert.equal(node.runtime.connectionCount, 0);
  } finally {
    client.close();
    await node.runtime.stop();
  }
});

// ---------------------------------------------------------------------------
// Hostile input

interface HostileCase {
  readonly name: string;
  /** Whether the attack comes after a proper handshake. */
  readonly handshake: boolean;
  /** Bytes the attacker writes; then it half-closes when `thenEof`. */
  readonly bytes: Uint8Array;
  readonly thenEof?: boolean;
  /** The log line that must name the reason. */
  readonly log: RegExp;
}

const HOSTILE: readonly HostileCase[] = [
  {
    name: "garbage bytes instead of a hello",
    handshake: false,
    bytes: new TextEncoder().encode("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n"),
    log:
      /^info: Handshake with 127\.0\.0\.1:\d+ failed: Cannot decode frame: length 1195725856 exceeds 65535$/,
  },
  {
    name: "a hello of another protocol version",
    handshake: false,
    bytes: encodeFrame(encodeMessage({ ...hello(9), version: 99 })),
    log: /^info: Handshake with .* failed: Cannot decode hello: version 99 is not supported/,
  },
  {
    name: "garbage bytes after the handshake",
    handshake: true,
    bytes: new TextEncoder().encode("\u0001\u0002garbage that is no frame at all"),
    log:
      /^warn: Closing connection to 127\.0\.0\.1:\d+: Cannot decode frame: length \d+ exceeds 65535$/,
  },
  {
    name: "a 4 GiB length prefix",
    handshake: true,
    bytes: prefix(0xffff_ffff),
    log: /^warn: Closing connection to .*: Cannot decode frame: length 4294967295 exceeds 65535$/,
  },
  {
    name: "a valid frame holding malformed msgpack",
    handshake: true,
    // An array claiming 2 elements with only 1.
    bytes: encodeFrame(new Uint8Array([0x92, 0x06])),
    log: /^warn: Closing connection to .*: Cannot decode message: array at byte 0 has 2 elements/,
  },
  {
    name: "a valid frame holding a msgpack map",
    handshake: true,
    bytes: encodeFrame(new Uint8Array([0x81, 0x01, 0x02])),
    log: /^warn: Closing connection to .*: Cannot decode message: .*map/,
  },
  {
    name: "a second hello after the handshake",
    handshake: true,
    bytes: encodeFrame(encodeMessage(hello(9))),
    log: /^warn: Closing connection to .*: Unexpected hello: the handshake is over$/,
  },
  {
    name: "a frame cut off mid-way, then end of stream",
    handshake: true,
    bytes: new Uint8Array([...prefix(100), ...new Uint8Array(40)]),
    thenEof: true,
    log:
      /^warn: Closing connection to .*: Cannot decode frame: truncated frame at end of stream, 40 of 100 bytes$/,
  },
];

for (const attack of HOSTILE) {
  Deno.test(`ActorRuntime closes only the connection that sends ${attack.name}`, async () => {
    const node = startNode(1);
    const good = await connectClient(node, 2);
    let raw: Deno.TcpConn | undefined;
    let hostile: Client | undefined;
    try {
      const goodConn = await acceptedConn(node, 2);
      let hostileConn: ConnId | undefined;
      if (attack.handshake) {
        hostile = await connectClient(node, 3);
        hostileConn = await acceptedConn(node, 3);
        // A proper message first: the attack comes on a working connection.
        await hostile.send(ping(7));
        await waitFor("the first message", () => node.actor.messagesOn(hostileConn!).length === 1);
        raw = hostile.conn;
      } else {
        raw = await connectLoopback(node.port);
      }
      await writeAll(raw, attack.bytes);
      if (attack.thenEof) await raw.closeWrite();
      // The runtime hangs up on the attacker.
      const { end } = await readToEnd(raw);
      assert.ok(end === "eof" || end === "error");
      await waitFor("the log line", () => node.logs().some((l) => attack.log.test(l)), {
        detail: () => `logs: ${JSON.stringify(node.logs())}`,
      });
      if (hostileConn !== undefined) {
        await waitFor(
          "handleDisconnected",
          () => node.actor.disconnectsOf(hostileConn!).length === 1,
        );
        assert.match(node.actor.disconnectsOf(hostileConn)[0]!.reason, /^Cannot|^Unexpected/);
        assert.deepEqual(node.actor.messagesOn(hostileConn), [ping(7)], "nothing more arrived");
      } else {
        assert.equal(node.actor.of("accepted").length, 1, "the attacker never reached the actor");
      }
      // The other connection is untouched, both ways.
      await good.send(ping(1));
      await waitFor(
        "the good client's message",
        () => node.actor.messagesOn(goodConn).length === 1,
      );
      node.emit({ type: "send", conn: goodConn, message: { type: "pong", nonce: 1 } });
      const [frame] = await good.framed.readFrames();
      assert.deepEqual(frame, encodeMessage({ type: "pong", nonce: 1 }));
      assert.deepEqual(node.actor.disconnectsOf(goodConn), []);
      assert.equal(node.runtime.connectionCount, 1);
    } finally {
      if (hostile !== undefined) hostile.close();
      else if (raw !== undefined) closeQuietly(raw);
      good.close();
      await node.runtime.stop();
    }
  });
}

// ---------------------------------------------------------------------------
// Limits, timers and shutdown

Deno.test("ActorRuntime refuses an inbound connection past connectionsMax", async () => {
  const node = startNode(1, { connectionsMax: 2 });
  const first = await connectClient(node, 2);
  const second = await connectClient(node, 3);
  const extra = await connectLoopback(node.port);
  try {
    const firstConn = await acceptedConn(node, 2);
    await acceptedConn(node, 3);
    const { bytes, end } = await readToEnd(extra);
    assert.ok(end === "eof" || end === "error");
    assert.equal(bytes.length, 0, "no hello for the refused connection");
    await waitFor(
      "the log line",
      () => node.logs().includes("warn: Refused a connection: 2 connections open"),
    );
    assert.equal(node.actor.of("accepted").length, 2);
    await first.send(ping(5));
    await waitFor(
      "a message on a kept connection",
      () => node.actor.messagesOn(firstConn).length === 1,
    );
    // Once one closes, there is room again.
    second.close();
    await waitFor("room", () => node.runtime.connectionCount === 1);
    const third = await connectClient(node, 4);
    third.close();
  } finally {
    extra.close();
    first.close();
    second.close();
    await node.runtime.stop();
  }
});

/** A listener whose `accept` keeps failing (as with EMFILE) until it is closed. */
function failingListener(): { listener: Deno.Listener; calls(): number } {
  let calls = 0;
  let closed = false;
  const listener = {
    addr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    accept(): Promise<Deno.Conn> {
      calls++;
      if (closed) return Promise.reject(new Deno.errors.BadResource("Bad resource ID"));
      return new Promise((_, reject) =>
        setTimeout(() => reject(new Error("Too many open files (os error 24)")), 0)
      );
    },
    close() {
      closed = true;
    },
  };
  return { listener: listener as unknown as Deno.Listener, calls: () => calls };
}

Deno.test({
  name: "ActorRuntime backs off when accept keeps failing",
  async fn() {
    const node = startNode(1);
    const failing = failingListener();
    try {
      node.runtime.serve(failing.listener);
      await delay(500);
      // A bound that only a retry without pause can exceed, however slow the machine.
      assert.ok(failing.calls() <= 20, `accept was called ${failing.calls()} times in 500 ms`);
      assert.ok(node.logs().some((l) => /Accept failed: Too many open files/.test(l)));
    } finally {
      await node.runtime.stop();
    }
  },
});

Deno.test("ActorRuntime calls handleTimeout when the actor's deadline comes", async () => {
  const node = startNode(1);
  try {
    node.runtime.run((now) => (node.actor.deadlineMs = now + 20));
    await waitFor("handleTimeout", () => node.actor.of("timeout").length === 1);
    await delay(50);
    assert.equal(node.actor.of("timeout").length, 1, "only once: the deadline is now Infinity");
  } finally {
    await node.runtime.stop();
  }
});

Deno.test("ActorRuntime.stop() flushes, closes every connection and ends every task", async () => {
  const a = startNode(1, { handshakeTimeoutMs: 60_000 });
  const b = startNode(2);
  const client = await connectClient(a, 3);
  const silent = await connectLoopback(a.port); // stuck in its handshake
  try {
    a.emit({ type: "dial", conn: 1, addr: b.addr });
    await waitFor("handleConnected", () => a.actor.of("connected").length === 1);
    const clientConn = await acceptedConn(a, 3);
    const bConn = await acceptedConn(b, 1);
    await waitFor("the silent socket to be pending", () => a.runtime.connectionCount === 3);
    // A timer far away, and sends queued right before stopping.
    a.runtime.run((now) => (a.actor.deadlineMs = now + 60_000));
    a.emit(
      { type: "send", conn: clientConn, message: ping(1) },
      { type: "send", conn: 1, message: ping(2) },
    );
    const clientEnd = (async () => {
      const frames: Uint8Array[] = [];
      for (;;) {
        const batch = await client.framed.readFrames().catch(() => []);
        if (batch.length === 0) return frames;
        frames.push(...batch);
      }
    })();
    await a.runtime.stop();
    assert.equal(a.runtime.connectionCount, 0);
    assert.deepEqual(await clientEnd, [encodeMessage(ping(1))], "the queued send went out first");
    await waitFor("b to see the close", () => b.actor.disconnectsOf(bConn).length === 1);
    assert.deepEqual(b.actor.messagesOn(bConn), [ping(2)]);
    const { end } = await readToEnd(silent);
    assert.ok(end === "eof" || end === "error");
    assert.deepEqual(a.actor.of("disconnected"), [], "stopping is not a disconnect");
    assert.throws(() => a.runtime.run(() => {}), TypeError);
    await a.runtime.stop(); // idempotent
    // The listener is closed.
    await assert.rejects(connectLoopback(a.port), Deno.errors.ConnectionRefused);
  } finally {
    client.close();
    silent.close();
    await a.runtime.stop();
    await b.runtime.stop();
  }
});

Deno.test("ActorRuntime.stop() during a dial ends it without handleDialFailed", async () => {
  const a = startNode(1, { dialTimeoutMs: 60_000 });
  const silent = listenLoopback();
  const accepted = silent.accept();
  try {
    a.emit({ type: "dial", conn: 1, addr: addrOf(silent) });
    const conn = await accepted;
    await waitFor("the dial to be pending", () => a.runtime.connectionCount === 1);
    await a.runtime.stop();
    assert.equal(a.runtime.connectionCount, 0);
    assert.deepEqual(a.actor.events, []);
    const { end } = await readToEnd(conn);
    assert.ok(end === "eof" || end === "error");
    conn.close();
  } finally {
    silent.close();
    await a.runtime.stop();
  }
});
