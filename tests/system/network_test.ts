/**
 * The whole system over real sockets: a bootstrap and six peers in this
 * process on 127.0.0.1, plus one peer in a child process that is killed with
 * SIGKILL. Nothing here asserts on timing: every condition is polled with a
 * generous deadline.
 */

import assert from "node:assert/strict";
import {
  type BootstrapService,
  type PeerService,
  startBootstrap,
  startPeer,
} from "../../lib/runtime/mod.ts";
import type { PeerEvent } from "../../lib/runtime/mod.ts";
import type { Handshake } from "../../lib/secure/channel.ts";
import { plainHandshake } from "../../lib/secure/plain_channel.ts";
import type { AnyMessage, Hello } from "../../lib/wire/message.ts";
import { decodeMessage } from "../../lib/wire/message_decode.ts";
import { type ChildProcess, spawnMain } from "../_helpers/process.ts";
import { waitFor } from "../_helpers/net.ts";

const PEERS = 6;
const SAMPLE_SIZE = 2;
const WAIT_MS = 60_000;

/** A plain handshake that also shows every message received to `observe`. */
function observingHandshake(observe: (remote: Hello, message: AnyMessage) => void): Handshake {
  const plain = plainHandshake();
  return async (transport, options) => {
    const channel = await plain(transport, options);
    const seen = (payloads: readonly Uint8Array[]) => {
      for (const payload of payloads) observe(channel.remote, decodeMessage(payload));
      return payloads;
    };
    return {
      remote: channel.remote,
      encrypted: channel.encrypted,
      seal: (payloads) => channel.seal(payloads),
      open: (frame) => {
        const opened = channel.open(frame);
        return opened instanceof Promise ? opened.then(seen) : seen(opened);
      },
    };
  };
}

/** What one in-process peer went through. */
interface PeerRecord {
  readonly index: number;
  service: PeerService | undefined;
  stopped: boolean;
  /** Ids (from the text) of the chat messages delivered, in delivery order. */
  readonly delivered: string[];
  readonly peerDowns: { id: string; reason: string }[];
  /** Sizes of the peer lists the bootstrap answered with. */
  readonly bootstrapAnswers: number[];
}

/** One line of the conversation: `id` answers `re` and is sent by peer `by`. */
interface Line {
  readonly id: string;
  readonly re: string | undefined;
  readonly by: number;
}

/**
 * A conversation with concurrent branches: peer 0 asks; every other peer
 * answers it; peer 0 answers each answer; the next peer answers that. Each
 * answer is sent only once its sender has delivered what it answers.
 */
function conversation(): Line[] {
  const lines: Line[] = [{ id: "q", re: undefined, by: 0 }];
  for (let i = 1; i < PEERS; i++) {
    lines.push({ id: `a${i}`, re: "q", by: i });
    lines.push({ id: `b${i}`, re: `a${i}`, by: 0 });
    lines.push({ id: `c${i}`, re: `b${i}`, by: i % (PEERS - 1) + 1 });
  }
  return lines;
}

function describePeers(records: readonly PeerRecord[]): string {
  return JSON.stringify(records.map((r) => ({
    index: r.index,
    peers: r.service?.peers().map((p) => `${p.id.slice(0, 6)}${p.connected ? "+" : "-"}`),
    delivered: r.delivered.length,
  })));
}

Deno.test("network of a bootstrap and 6 peers: gossip, causal chat, leave and crash", async () => {
  const lines = conversation();
  const repliesTo = new Map<string, Line[]>();
  for (const line of lines) {
    if (line.re !== undefined) repliesTo.set(line.re, [...(repliesTo.get(line.re) ?? []), line]);
  }
  const records: PeerRecord[] = Array.from({ length: PEERS }, (_, index) => ({
    index,
    service: undefined,
    stopped: false,
    delivered: [],
    peerDowns: [],
    bootstrapAnswers: [],
  }));
  const bootstrapDowns: { id: string; reason: string }[] = [];
  let bootstrap: BootstrapService | undefined;
  let victim: ChildProcess | undefined;
  try {
    // Plaintext throughout, so that the test can watch what the bootstrap answers.
    bootstrap = await startBootstrap({
      insecure: true,
      listen: "127.0.0.1:0",
      sampleSize: SAMPLE_SIZE,
      onEvent: (event) => {
        if (event.type === "peer-down") bootstrapDowns.push(event);
      },
    });
    const bootstrapAddr = bootstrap.addr;

    // ---- Start the peers, one after the other, all through the one bootstrap.
    for (const record of records) {
      const onEvent = (event: PeerEvent) => {
        if (event.type === "peer-down") record.peerDowns.push(event);
        if (event.type !== "deliver") return;
        const { id } = JSON.parse(event.message.text) as { id: string };
        record.delivered.push(id);
        // Answer what this peer answers, now that it has delivered the question.
        for (const reply of repliesTo.get(id) ?? []) {
          if (reply.by === record.index) {
            record.service!.send(JSON.stringify({ id: reply.id, re: reply.re }));
          }
        }
      };
      record.service = await startPeer({
        insecure: true,
        listen: "127.0.0.1:0",
        nick: `peer${record.index}`,
        bootstraps: [bootstrapAddr],
        onEvent,
        handshake: observingHandshake((remote, message) => {
          if (remote.role === "bootstrap" && message.type === "peers") {
            record.bootstrapAnswers.push(message.peers.length);
          }
        }),
      });
    }
    const services = records.map((r) => r.service!);
    const ids = services.map((s) => s.id);

    // ---- Membership: the bootstrap hands out at most 2, gossip does the rest.
    await waitFor("every peer to list the other 5", () =>
      services.every((s) => {
        const listed = new Set(s.peers().map((p) => p.id));
        return listed.size === PEERS - 1 && ids.every((id) => id === s.id || listed.has(id));
      }), { timeoutMs: WAIT_MS, detail: () => describePeers(records) });
    for (const record of records) {
      assert.ok(record.bootstrapAnswers.length >= 1, `peer ${record.index} got an answer`);
      for (const size of record.bootstrapAnswers) {
        assert.ok(size <= SAMPLE_SIZE, `peer ${record.index} got ${size} peers from the bootstrap`);
      }
    }
    assert.deepEqual(new Set(bootstrap.peers().map((p) => p.id)), new Set(ids));

    // Chat floods over neighbour links: wait until they have settled into a full mesh
    // (there is no anti-entropy yet to repair a message lost while links churn).
    await waitFor(
      "a full mesh of neighbour links",
      () => services.every((s) => s.peers().filter((p) => p.connected).length === PEERS - 1),
      { timeoutMs: WAIT_MS, detail: () => describePeers(records) },
    );

    // ---- Causal chat: each answer follows what it answers, everywhere, exactly once.
    services[0]!.send(JSON.stringify({ id: "q" }));
    await waitFor(
      "every peer to deliver the whole conversation",
      () => records.every((r) => r.delivered.length >= lines.length),
      {
        timeoutMs: WAIT_MS,
        detail: () => JSON.stringify(records.map((r) => r.delivered)),
      },
    );
    const checkConversation = () => {
      for (const record of records) {
        const at = new Map(record.delivered.map((id, i) => [id, i]));
        assert.equal(at.size, record.delivered.length, `peer ${record.index}: a duplicate`);
        assert.deepEqual(
          [...at.keys()].sort(),
          lines.map((l) => l.id).sort(),
          `peer ${record.index} delivered each message once, its own included`,
        );
        for (const line of lines) {
          if (line.re === undefined) continue;
          assert.ok(
            at.get(line.re)! < at.get(line.id)!,
            `peer ${record.index} delivered ${line.re} before ${line.id}: ${record.delivered}`,
          );
        }
      }
    };
    checkConversation();
    for (const service of services) {
      const clock = service.clock();
      for (let i = 0; i < PEERS; i++) {
        const sent = lines.filter((l) => l.by === i).length;
        assert.equal(clock.get(ids[i]!) ?? 0, sent, `every peer delivered all of peer ${i}`);
      }
    }

    // ---- A graceful leave: the others report it down and drop it.
    const leaver = records[PEERS - 1]!;
    const leaverId = leaver.service!.id;
    leaver.stopped = true;
    await leaver.service!.stop();
    const stayers = records.filter((r) => !r.stopped);
    await waitFor(
      "the others to report the leaver down and drop it",
      () =>
        stayers.every((r) =>
          r.peerDowns.some((d) => d.id === leaverId) &&
          !r.service!.peers().some((p) => p.id === leaverId)
        ),
      { timeoutMs: WAIT_MS, detail: () => describePeers(stayers) },
    );

    // ---- A crash: a peer in a child process, killed with SIGKILL (no goodbye).
    victim = spawnMain([
      "peer",
      "--json",
      "--insecure",
      "--bootstrap",
      bootstrapAddr,
      "--nick",
      "victim",
    ]);
    const ready = await victim.waitFor((line) => line.type === "ready", WAIT_MS, "ready");
    const victimId = ready.id as string;
    await waitFor(
      "every peer and the bootstrap to know the victim",
      () =>
        stayers.every((r) => r.service!.peers().some((p) => p.id === victimId)) &&
        bootstrap!.peers().some((p) => p.id === victimId),
      {
        timeoutMs: WAIT_MS,
        detail: () => `${describePeers(stayers)}\n${victim!.context()}`,
      },
    );
    victim.kill("SIGKILL");
    const status = await victim.status;
    assert.equal(status.signal, "SIGKILL");
    await waitFor(
      "the others to detect the crash and drop the victim",
      () =>
        stayers.every((r) =>
          r.peerDowns.some((d) => d.id === victimId) &&
          !r.service!.peers().some((p) => p.id === victimId)
        ),
      { timeoutMs: WAIT_MS, detail: () => describePeers(stayers) },
    );
    // Someone reported it; the bootstrap checked for itself and dropped it.
    await waitFor(
      "the bootstrap to drop the victim",
      () => !bootstrap!.peers().some((p) => p.id === victimId),
      { timeoutMs: WAIT_MS },
    );
    const verdict = bootstrapDowns.find((d) => d.id === victimId);
    assert.ok(verdict !== undefined);
    assert.match(verdict.reason, /^unreachable: /, "dropped after its own check, not a lapse");

    // Nothing was delivered twice in the meantime.
    checkConversation();
  } finally {
    await victim?.close();
    for (const record of records) {
      if (record.service !== undefined && !record.stopped) {
        record.stopped = true;
        await record.service.stop();
      }
    }
    await bootstrap?.stop();
  }
});
