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
 * A host can instead sit behind a home router (see {@linkcode NatKind}): a
 * namespace of its own, a router, holds the host's public address on the
 * bridge and a private /24 (`192.168.K.0/24`) with the host on it; nftables
 * masquerades what leaves. Others see the router's address and cannot dial
 * the host's.
 *
 * Needs Linux, iproute2 (`ip` on PATH), root (or CAP_SYS_ADMIN and
 * CAP_NET_ADMIN) and `--allow-run`; {@linkcode netnsAvailable} says why not
 * otherwise, and {@linkcode natAvailable} for routers (nftables, `nft`). Namespaces are named `p2pchat-<random>-…`: if a run is killed
 * before it cleans up, `ip netns list | grep p2pchat-` shows what it left.
 *
 * @module
 */

import {
  ChildProcess,
  MAIN_PERMISSIONS,
  REPO_ROOT,
  type SpawnOptions,
  withEphemeral,
} from "./process.ts";

/** The program that runs every namespace command. */
const IP = "ip";

/** Prefix of every namespace this helper creates. */
export const NAMESPACE_PREFIX = "p2pchat-";

/** Hosts per network: one bridge, one /24; addresses start at `.10`. */
const HOSTS_MAX = 200;

/** Where an unreachable "decoy" address comes from: TEST-NET-1 (RFC 5737), never routed. */
const DECOY_NET = "192.0.2";

/**
 * The program that sets up routers' NAT and firewalls: by its path when it
 * is in an sbin directory (not on every PATH, e.g. CI's), else by name.
 */
const NFT = ["/usr/sbin/nft", "/sbin/nft"].find((path) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}) ?? "nft";

/** Most hosts behind a router in one network (routers take the bridge's addresses from `.210`). */
const ROUTERS_MAX = 40;

/**
 * How a host is kept from being dialled:
 * - `"nat"`: behind a router that masquerades keeping the source port when
 *   it can, so one socket maps to one public port whatever it talks to
 *   (endpoint-independent mapping, as most home routers); inbound only on a
 *   connection the host opened (address-and-port-dependent filtering);
 * - `"symmetric-nat"`: the same, but each connection gets a random public
 *   port (nftables `fully-random`), as carrier-grade and some enterprise NATs;
 * - `"firewall"`: on the bridge with its own address, but dropping every
 *   connection opened from outside.
 */
export type NatKind = "nat" | "symmetric-nat" | "firewall";

/** One host: a network namespace with an address on the shared bridge. */
export interface NetnsHost {
  /** Short name for messages: `A`, `B`, … */
  readonly name: string;
  /** The network namespace (for `ip netns exec`). */
  readonly namespace: string;
  /**
   * Its own IPv4 address: on the bridge, reachable from every other host;
   * behind a router, private (`192.168.K.2`), reachable from nowhere else.
   */
  readonly address: string;
  /** Its address on the decoy interface when it has one (reachable from nowhere else). */
  readonly decoyAddress: string | undefined;
  /** How it is kept from being dialled, if it is. */
  readonly nat: NatKind | undefined;
  /** The address others see it connect from: the router's for a host behind one, else `address`. */
  readonly publicAddress: string;
}

/** Options of {@linkcode createNetwork}. */
export interface NetworkOptions {
  /**
   * Indexes of hosts that also get a "decoy" interface, not connected to the
   * bridge and created before `eth0` (so it is listed first), with an
   * address no other host can reach: a multi-homed host. Default none.
   */
  decoys?: readonly number[];
  /** Host index → how that host is kept from being dialled (a router or a firewall). Default none. */
  nat?: Readonly<Record<number, NatKind>>;
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
  const natted = Object.values(options.nat ?? {}).filter((k) => k !== "firewall").length;
  if (natted > ROUTERS_MAX) {
    throw new RangeError(
      `Cannot create network: ${natted} hosts behind routers, at most ${ROUTERS_MAX}`,
    );
  }
  let routers = 0;
  /** Gives `namespace` an `eth0` on the bridge (its other end `port` in the switch) with `address`. */
  const attachToBridge = async (namespace: string, port: string, address: string) => {
    await addEth0(namespace, port, switchNamespace);
    await ipOrThrow(["-n", switchNamespace, "link", "set", port, "master", "br0"]);
    await ipOrThrow(["-n", switchNamespace, "link", "set", port, "up"]);
    await ipOrThrow(["-n", namespace, "addr", "add", `${address}/24`, "dev", "eth0"]);
    await ipOrThrow(["-n", namespace, "link", "set", "eth0", "up"]);
  };
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
      const nat = options.nat?.[i];
      if (nat === "nat" || nat === "symmetric-nat") {
        const k = routers++;
        const router = `${NAMESPACE_PREFIX}${tag}-r${name.toLowerCase()}`;
        const publicAddress = `10.77.${octet}.${210 + k}`;
        const privateNet = `192.168.${k + 1}`;
        await ipOrThrow(["netns", "add", router]);
        namespaces.push(router);
        await ipOrThrow(["-n", router, "link", "set", "lo", "up"]);
        await attachToBridge(router, `rport${i}`, publicAddress);
        await addEth0(namespace, "lan0", router);
        await ipOrThrow(["-n", router, "addr", "add", `${privateNet}.1/24`, "dev", "lan0"]);
        await ipOrThrow(["-n", router, "link", "set", "lan0", "up"]);
        await inHost("addr", "add", `${privateNet}.2/24`, "dev", "eth0");
        await inHost("link", "set", "eth0", "up");
        await inHost("route", "add", "default", "via", `${privateNet}.1`);
        await ipOrThrow([
          "netns",
          "exec",
          router,
          "sh",
          "-c",
          "echo 1 > /proc/sys/net/ipv4/ip_forward",
        ]);
        await nftOrThrow(router, routerRules(nat === "symmetric-nat"));
        hosts.push({
          name,
          namespace,
          address: `${privateNet}.2`,
          decoyAddress,
          nat,
          publicAddress,
        });
        continue;
      }
      await attachToBridge(namespace, `port${i}`, address);
      if (nat === "firewall") await nftOrThrow(namespace, FIREWALL_RULES);
      hosts.push({ name, namespace, address, decoyAddress, nat, publicAddress: address });
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

/**
 * A home router's rules: masquerade what leaves by `eth0` (the bridge),
 * forward only what the private side opened and its replies, and drop
 * (not refuse) what anyone else opens, as most home routers do: a refusal
 * would also end the router's own mapping for a simultaneous open.
 */
function routerRules(symmetric: boolean): string {
  return `
table ip p2pchat_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "eth0" masquerade${symmetric ? " fully-random" : ""}
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan0" oifname "eth0" accept
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "eth0" ct state new drop
  }
}
`;
}

/** A host's firewall: nothing opened from outside gets in (loopback aside). */
const FIREWALL_RULES = `
table inet p2pchat_firewall {
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "lo" accept
    ct state established,related accept
    ct state new drop
  }
}
`;

/**
 * Whether routers and firewalls can be made here (see {@linkcode NatKind}):
 * `undefined` when they can, else why not. Needs what {@linkcode netnsAvailable}
 * needs, and nftables; tries a router's rules in a namespace of its own.
 */
export async function natAvailable(): Promise<string | undefined> {
  const base = await netnsAvailable();
  if (base !== undefined) return base;
  const namespace = `${NAMESPACE_PREFIX}${randomTag()}-nftprobe`;
  await ipOrThrow(["netns", "add", namespace]);
  try {
    await nftOrThrow(namespace, routerRules(true));
    return undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return "nftables is not installed (no `nft` on PATH)";
    }
    return (error as Error).message;
  } finally {
    await run(["netns", "delete", namespace]);
  }
}

/** Loads `rules` with `nft -f -` inside `namespace`. */
async function nftOrThrow(namespace: string, rules: string): Promise<void> {
  const child = new Deno.Command(IP, {
    args: ["netns", "exec", namespace, NFT, "-f", "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(rules));
  await writer.close();
  const { code, stderr } = await child.output();
  if (code !== 0) {
    const message = firstLine(new TextDecoder().decode(stderr));
    if (/No such file|not found/i.test(message)) {
      throw new Deno.errors.NotFound(`\`${NFT}\` is not installed: ${message}`);
    }
    throw new Error(`Cannot set up NAT: \`nft -f -\` in ${namespace} failed: ${message}`);
  }
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

/** Gives `namespace` an `eth0`, one end of a veth pair whose other end is `peer` in `peerNamespace`. */
async function addEth0(namespace: string, peer: string, peerNamespace: string): Promise<void> {
  const link = ["link", "add", "eth0", "type", "veth", "peer", "name", peer];
  await ipOrThrow(["-n", namespace, ...link, "netns", peerNamespace]);
}

/**
 * Compiles main.ts's dependencies into the cache before a test starts it in
 * a host: hosts have no route to a package registry.
 */
export async function cacheMainForHosts(): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["cache", "main.ts"],
    cwd: REPO_ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno cache main.ts failed: ${new TextDecoder().decode(stderr)}`);
  }
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
