/**
 * Fuzz target `bootstrap-registry`: a `BootstrapRegistry` with small limits
 * driven through a long random run of events — clients connecting with
 * random hellos (peers, bootstraps, itself), every message type (register,
 * get-peers and dead reports about the sender or others most of all),
 * reachability checks that connect to whoever answers or fail, disconnects
 * and timeouts at random times. After every step: nothing was thrown, the
 * effects are well-formed (see `EffectChecker`), at most `registryMax` peers
 * are registered (each once) and at most `checksInFlightMax` checks are being
 * dialed.
 *
 * @module
 */

import { BootstrapRegistry } from "../../../lib/bootstrap/bootstrap_registry.ts";
import { type Random, seededRandom } from "../../../lib/random/random.ts";
import type { Message } from "../../../lib/wire/message.ts";
import { decodeMessage } from "../../../lib/wire/message_decode.ts";
import {
  createWorld,
  generateIncarnation,
  nextTickMs,
  viaWireMessage,
  worldHello,
} from "../harness/actor_world.ts";
import { ActorCheckError, checkedStep, EffectChecker } from "../harness/effect_checker.ts";
import type { FuzzTarget } from "../harness/fuzz_campaign.ts";
import { chance, choose, intIn, weighted } from "../harness/fuzz_random.ts";
import { generateEncodedMessage } from "../mutators/message_generator.ts";

/** Runs one random scenario against a fresh `BootstrapRegistry`; throws on the first failed check. */
export function runBootstrapScenario(random: Random): void {
  const world = createWorld(random, intIn(random, 3, 9));
  const self = world.ids[0]!;
  const options = {
    id: self,
    addr: world.addrOf.get(self)!,
    random: seededRandom(random.int(0x1_0000_0000)),
    sampleSize: intIn(random, 1, 3),
    registrationTtlMs: intIn(random, 10, 3_000),
    registryMax: intIn(random, 1, 5),
    checksInFlightMax: intIn(random, 1, 3),
    idleTimeoutMs: intIn(random, 10, 3_000),
  };
  const registry = new BootstrapRegistry(options);
  const checker = new EffectChecker({ selfId: self });
  const remotes = new Map<number, string>();
  let nowMs = intIn(random, 0, 1_000_000);
  let step = 0;

  const apply = (what: string, action: () => void) => {
    checkedStep(
      "BootstrapRegistry",
      step,
      what,
      action,
      () => checker.check(registry.takeEffects()),
    );
    const fail = (detail: string): never => {
      throw new ActorCheckError(
        `BootstrapRegistry bound broken after step ${step} (${what}): ${detail}`,
      );
    };
    const peers = registry.peers();
    if (peers.length > options.registryMax) {
      fail(`${peers.length} registered > registryMax ${options.registryMax}`);
    }
    if (new Set(peers.map((p) => p.id)).size !== peers.length) fail("a peer is registered twice");
    const checks = checker.conns("dialing").length;
    if (checks > options.checksInFlightMax) {
      fail(`${checks} checks > checksInFlightMax ${options.checksInFlightMax}`);
    }
    if (Number.isNaN(registry.nextDeadlineMs())) fail("nextDeadlineMs() is NaN");
  };

  const message = (conn: number): Message => {
    const sender = remotes.get(conn) ?? self;
    return viaWireMessage(
      weighted<() => Message>(random, [
        [() => ({ type: "register" }), 5],
        [() => ({ type: "get-peers" }), 2],
        [() => ({
          type: "member",
          member: {
            id: chance(random, 0.5) ? sender : choose(random, world.ids),
            addr: choose(random, world.addrs),
            incarnation: generateIncarnation(random),
            status: chance(random, 0.8) ? "dead" : choose(random, ["alive", "suspect"] as const),
          },
        }), 3],
        [() => ({ type: "ping", nonce: random.int(0x1_0000_0000) }), 1],
        [() => ({ type: "bye", reason: "done" }), 0.5],
        [() => {
          const decoded = decodeMessage(
            generateEncodedMessage(random, { ids: world.ids, addrs: world.addrs, edgeRate: 0.02 })
              .bytes,
          );
          return decoded.type === "hello" ? { type: "register" } : decoded;
        }, 3],
      ])(),
    );
  };

  apply("start", () => {});
  const steps = intIn(random, 50, 300);
  for (step = 1; step <= steps; step++) {
    const open = checker.conns("open");
    const dialing = checker.conns("dialing");
    const kind = weighted(
      random,
      [
        ["accept", 3],
        ["connect", dialing.length > 0 ? 2 : 0],
        ["dial-fail", dialing.length > 0 ? 1 : 0],
        ["message", open.length > 0 ? 10 : 0],
        ["disconnect", open.length > 0 ? 1 : 0],
        ["tick", 3],
      ] as const,
    );
    switch (kind) {
      case "accept": {
        // The Noise handshake proves ids: no client can claim the registry's own.
        const hello = worldHello(random, world, { id: choose(random, world.ids.slice(1)) });
        apply(`accept ${hello.id.slice(0, 8)}`, () => {
          const conn = registry.handleAccepted(hello, nowMs);
          checker.accepted(conn);
          remotes.set(conn, hello.id);
        });
        break;
      }
      case "connect": {
        const conn = choose(random, dialing);
        const addr = checker.dialAddr(conn);
        const at = world.ids.filter((id) => world.addrOf.get(id) === addr);
        const others = world.ids.slice(1);
        const hello = worldHello(random, world, {
          id: at.length > 0 && chance(random, 0.7) ? choose(random, at) : choose(random, others),
        });
        apply(`check ${conn} answered by ${hello.id.slice(0, 8)}`, () => {
          checker.connected(conn);
          remotes.set(conn, hello.id);
          registry.handleConnected(conn, hello, nowMs);
        });
        break;
      }
      case "dial-fail": {
        const conn = choose(random, dialing);
        apply(`check ${conn} failed`, () => {
          checker.dialFailed(conn);
          registry.handleDialFailed(
            conn,
            choose(random, ["connection refused", "connect timed out"]),
            nowMs,
          );
        });
        break;
      }
      case "message": {
        const conn = choose(random, open);
        const m = message(conn);
        apply(`${m.type} on ${conn}`, () => registry.handleMessage(conn, m, nowMs));
        break;
      }
      case "disconnect": {
        const conn = choose(random, open);
        apply(`disconnect ${conn}`, () => {
          checker.disconnected(conn);
          registry.handleDisconnected(conn, "closed by remote", nowMs);
        });
        break;
      }
      case "tick":
        nowMs = nextTickMs(random, nowMs, registry.nextDeadlineMs());
        apply(`timeout at ${nowMs}`, () => registry.handleTimeout(nowMs));
        break;
    }
  }
}

/** The target. */
export const BOOTSTRAP_REGISTRY_TARGET: FuzzTarget = {
  name: "bootstrap-registry",
  description:
    "long random event runs (client hellos, every message type, checks, disconnects, timeouts) " +
    "into a BootstrapRegistry with small limits: no exception, well-formed effects, bounds hold",
  prepare: () => (random) => runBootstrapScenario(random),
};
