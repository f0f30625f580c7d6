/**
 * Test helper: several "hosts" on one machine, made with Linux network
 * namespaces. A dedicated "switch" namespace holds a bridge; each host is a
 * namespace of its own with loopback up and one `eth0`, a veth pair whose
 * other end is a port of that bridge, with its own address in a private /24
 * (`10.77.R.0/24`, `R` random so that concurrent runs are easy to tell
 * apart). Nothing is created in the machine's own namespace, so the host's
 * network is never touched; deleting the namespaces deletes every link.
 *
 * Commands run inside a host with `ip netns exec NAME …`, which execs the
 * command (no extra process in between): the child's pid is the command's.
 *
 * Needs Linux, iproute2 (`ip` on PATH), root (or CAP_SYS_ADMIN and
 * CAP_NET_ADMIN) and `--allow-run`; {@linkcode netnsAvailable} says why not
 * otherwise. Namespaces are named `p2pchat-<random>-…`: if a run is killed
 * before it cleans up, `ip netns list | grep p2pchat-` shows what it left.
 *
 * @module
 */

import { ChildProcess, MAIN_PERMISSIONS, type SpawnOptions, withEphemeral } from "./process.ts";

/** The program that runs every namespace command. */
const IP = "ip";

/** Prefix of every namespace this helper creates. */
export const NAMESPACE_PREFIX = "p2pchat-";

/** Hosts per network: one bridge, one /24; addresses start at `.10`. */
const HOSTS_MAX = 200;

/** Where an unreachable "decoy" address comes from: TEST-NET-1 (RFC 5737), never routed. */
const DECOY_NET = "192.0.2";

/** One host: a network namespace with an address on the shared bridge. */
export interface NetnsHost {
  /** Short name for messages: `A`, `B`, … */
  readonly name: string;
  /** The network namespace (for `ip netns exec`). */
  readonly namespace: string;
  /** Its IPv4 address on the bridge, reachable from every other host. */
  readonly address: string;
  /** Its address on the decoy interface when it has one (reachable from nowhere else). */
  readonly decoyAddress: string | undefined;
}

/** Options of {@linkcode createNetwork}. */
export interface NetworkOptions {
  /**
   * Indexes of hosts that also get a "decoy" interface, not connected to the
   * bridge and created before `eth0` (so it is listed first), with an
   * address no other host can reach: a multi-homed host. Default none.
   */
  decoys?: readonly number[];
}

/** The result of a command run with {@linkcode NetnsNetwork.exec}. */
export interface ExecResult {
  /** Exit code. */
  readonly code: number;
  /** All of stdout. */
  readonly stdout: string;
  /** All of stderr. */
  readonly stderr: string;
}

/** Hosts on a bridge, and everything made for them; {@linkcode NetnsNetwork.cleanup} removes it. */
export class NetnsNetwork {
  /** The hosts, in creation order. */
  readonly hosts: readonly NetnsHost[];
  /** The hosts' subnet, `10.77.R.0/24`. */
  readonly subnet: string;
  /** The namespace holding the bridge. */
  readonly switchNamespace: string;
  readonly #namespaces: string[];
  #cleaning: Promise<void> | undefined;

  /**
   * Use {@linkcode createNetwork}. `hosts` and `namespaces` are the creator's
   * arrays, filled as it goes, so that a half-made network is cleaned up too.
   */
  constructor(
    init: { hosts: NetnsHost[]; subnet: string; switchNamespace: string; namespaces: string[] },
  ) {
    this.hosts = init.hosts;
    this.subnet = init.subnet;
    this.switchNamespace = init.switchNamespace;
    this.#namespaces = init.namespaces;
  }

  /** Every namespace this network created (switch first), live or already deleted. */
  get namespaces(): readonly string[] {
    return [...this.#namespaces];
  }

  /** Runs `argv` inside `host` to completion. */
  async exec(host: NetnsHost, argv: readonly string[]): Promise<ExecResult> {
    return await run(["netns", "exec", host.namespace, ...argv]);
  }

  /**
   * The pids of the processes running inside `host`, or inside any of this
   * network's namespaces when `host` is omitted (read by `ip netns pids`, so
   * no /proc access from Deno, which needs `--allow-all`).
   */
  async pids(host?: NetnsHost): Promise<number[]> {
    const namespaces = host === undefined ? this.#namespaces : [host.namespace];
    const found: number[] = [];
    for (const namespace of namespaces) found.push(...(await pidsIn(namespace)));
    return found.sort((x, y) => x - y);
  }

  /**
   * Deletes every namespace (and with them every veth pair and the bridge).
   * A process still running inside one is killed first (it can only be one
   * started there by the test), since a namespace lives on while a process
   * holds it. Idempotent; throws after trying everything if a namespace
   * could not be deleted.
   */
  cleanup(): Promise<void> {
    this.#cleaning ??= this.#cleanup();
    return this.#cleaning;
  }

  async #cleanup(): Promise<void> {
    const failures: string[] = [];
    // Hosts first, then the switch: each host's veth pair goes with its namespace.
    for (const namespace of [...this.#namespaces].reverse()) {
      for (const pid of await pidsIn(namespace)) {
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }
      const { code, stderr } = await run(["netns", "delete", namespace]);
      if (code !== 0 && (await namespaceExists(namespace))) {
        failures.push(`${namespace}: ${stderr.trim()}`);
      }
    }
    if (failures.length > 0) {
      throw new Error(`Cannot delete network namespaces: ${failures.join("; ")}`);
    }
  }
}

/**
 * Creates `hostCount` hosts on one bridge. On failure, deletes whatever it
 * had created and throws with the failing `ip` command and its stderr.
 */
export async function createNetwork(
  hostCount: number,
  options: NetworkOptions = {},
): Promise<NetnsNetwork> {
  if (!Number.isInteger(hostCount) || hostCount < 1 || hostCount > HOSTS_MAX) {
    throw new RangeError(`Cannot create network: ${hostCount} hosts, expected 1 to ${HOSTS_MAX}`);
  }
  const tag = randomTag();
  const octet = crypto.getRandomValues(new Uint8Array(1))[0]!;
  const subnet = `10.77.${octet}.0/24`;
  const switchNamespace = `${NAMESPACE_PREFIX}${tag}-sw`;
  const namespaces: string[] = [];
  const hosts: NetnsHost[] = [];
  const network = new NetnsNetwork({ hosts, subnet, switchNamespace, namespaces });
  try {
    await ipOrThrow(["netns", "add", switchNamespace]);
    namespaces.push(switchNamespace);
    await ipOrThrow(["-n", switchNamespace, "link", "set", "lo", "up"]);
    await ipOrThrow(["-n", switchNamespace, "link", "add", "br0", "type", "bridge"]);
    await ipOrThrow(["-n", switchNamespace, "link", "set", "br0", "up"]);
    for (let i = 0; i < hostCount; i++) {
      const name = hostName(i);
      const namespace = `${NAMESPACE_PREFIX}${tag}-${name.toLowerCase()}`;
      const address = `10.77.${octet}.${10 + i}`;
      await ipOrThrow(["netns", "add", namespace]);
      namespaces.push(namespace);
      const inHost = (...args: string[]) => ipOrThrow(["-n", namespace, ...args]);
      await inHost("link", "set", "lo", "up");
      let decoyAddress: string | undefined;
      if (options.decoys?.includes(i)) {
        // A veth pair with both ends inside the host: an interface nobody else reaches.
        decoyAddress = `${DECOY_NET}.${10 + i}`;
        await inHost("link", "add", "decoy0", "type", "veth", "peer", "name", "decoy1");
        await inHost("addr", "add", `${decoyAddress}/32`, "dev", "decoy0");
        await inHost("link", "set", "decoy0", "up");
        await inHost("link", "set", "decoy1", "up");
      }
      const port = `port${i}`;
      await inHost(
        "link",
        "add",
        "eth0",
        "type",
        "veth",
        "peer",
        "name",
        port,
        "netns",
        switchNamespace,
      );
      await ipOrThrow(["-n", switchNamespace, "link", "set", port, "master", "br0"]);
      await ipOrThrow(["-n", switchNamespace, "link", "set", port, "up"]);
      await inHost("addr", "add", `${address}/24`, "dev", "eth0");
      await inHost("link", "set", "eth0", "up");
      hosts.push({ name, namespace, address, decoyAddress });
    }
  } catch (error) {
    await network.cleanup().catch(() => {});
    throw error;
  }
  return network;
}

/**
 * Runs `body` with a fresh network of `hostCount` hosts and always deletes
 * the network afterwards, also when `body` throws.
 */
export async function withNetwork(
  hostCount: number,
  body: (network: NetnsNetwork) => Promise<void>,
  options: NetworkOptions = {},
): Promise<void> {
  const network = await createNetwork(hostCount, options);
  try {
    await body(network);
  } finally {
    await network.cleanup();
  }
}

/**
 * Whether hosts can be made here: `undefined` when they can, else why not
 * (not Linux, no `--allow-run`, no iproute2, not permitted). Tries for real:
 * creates a namespace with a bridge and a veth pair, runs a command inside
 * it, and deletes it.
 */
export async function netnsAvailable(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return `network namespaces need Linux, not ${Deno.build.os}`;
  let version: ExecResult;
  try {
    version = await run(["-V"]);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return "iproute2 is not installed (no `ip` on PATH)";
    }
    return `cannot run \`ip\`: ${(error as Error).message} (tests need --allow-run)`;
  }
  if (version.code !== 0) return `\`ip -V\` failed: ${firstLine(version.stderr)}`;
  const namespace = `${NAMESPACE_PREFIX}${randomTag()}-probe`;
  const added = await run(["netns", "add", namespace]);
  if (added.code !== 0) {
    // It may have got as far as the name: remove it, quietly.
    await run(["netns", "delete", namespace]);
    return `cannot create a network namespace (${
      firstLine(added.stderr)
    }); run as root, or with CAP_SYS_ADMIN and CAP_NET_ADMIN`;
  }
  let reason: string | undefined;
  const steps = [
    ["-n", namespace, "link", "add", "br0", "type", "bridge"],
    ["-n", namespace, "link", "add", "v0", "type", "veth", "peer", "name", "v1"],
    ["-n", namespace, "link", "set", "v1", "master", "br0"],
    ["netns", "exec", namespace, Deno.execPath(), "--version"],
  ];
  for (const step of steps) {
    const { code, stderr } = await run(step);
    if (code !== 0) {
      reason = `\`ip ${step.join(" ")}\` failed: ${firstLine(stderr)}`;
      break;
    }
  }
  const deleted = await run(["netns", "delete", namespace]);
  if (deleted.code !== 0 && (await namespaceExists(namespace))) {
    const left = `cannot delete the probe namespace ${namespace}: ${firstLine(deleted.stderr)}`;
    reason = reason === undefined ? left : `${reason}; ${left}`;
  }
  return reason;
}

/**
 * Spawns `main.ts <args>` inside `host` (as `ip netns exec NS deno run …`,
 * with the permissions of `spawnMain` and `--ephemeral` for peers). `ip`
 * execs deno, so the child's pid is deno's and killing it ends `main.ts`.
 */
export function spawnMainIn(
  host: NetnsHost,
  args: readonly string[],
  options: SpawnOptions = {},
): ChildProcess {
  args = withEphemeral(args);
  return new ChildProcess(
    [
      "netns",
      "exec",
      host.namespace,
      Deno.execPath(),
      "run",
      ...MAIN_PERMISSIONS,
      "main.ts",
      ...args,
    ],
    {
      name: `host ${host.name} (${host.address}): main.ts ${args.join(" ")}`,
      ...options,
      program: IP,
    },
  );
}

/** The names of the namespaces that exist now. */
export async function listNamespaces(): Promise<string[]> {
  const { code, stdout, stderr } = await run(["netns", "list"]);
  if (code !== 0) throw new Error(`Cannot list network namespaces: ${firstLine(stderr)}`);
  // Lines look like "name" or "name (id: 3)".
  return stdout.split("\n").map((line) => line.split(" ")[0]!).filter((name) => name !== "");
}

async function namespaceExists(namespace: string): Promise<boolean> {
  return (await listNamespaces()).includes(namespace);
}

async function pidsIn(namespace: string): Promise<number[]> {
  const { code, stdout } = await run(["netns", "pids", namespace]);
  if (code !== 0) return [];
  return stdout.split("\n").filter((line) => /^\d+$/.test(line.trim())).map(Number);
}

async function run(args: readonly string[]): Promise<ExecResult> {
  const output = await new Deno.Command(IP, {
    args: [...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

async function ipOrThrow(args: readonly string[]): Promise<void> {
  const { code, stderr } = await run(args);
  if (code !== 0) {
    throw new Error(
      `Cannot set up network namespaces: \`ip ${args.join(" ")}\` failed: ${firstLine(stderr)}`,
    );
  }
}

function hostName(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : `H${index}`;
}

function randomTag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] || "no message";
}
