/**
 * The folder layout is the architecture: these tests hold lib/ to it. What a
 * user of the program or library runs lives in lib/ and never imports test
 * tooling; imports form no cycle; no sub-machine of the peer actor imports
 * the composer that assembles them.
 *
 * @module
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);
const IMPORT = /(?:^|\n)\s*(?:import|export)\b(?:[^"';]*?from)?\s*["'](\.{1,2}\/[^"']+)["']/g;

async function* tsFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* tsFiles(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

/** lib/'s import graph: repo-relative path → the repo-relative paths it imports. */
async function libGraph(): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  for await (const file of tsFiles(new URL("lib/", ROOT))) {
    const source = await Deno.readTextFile(file);
    const targets = [...source.matchAll(IMPORT)].map((m) =>
      new URL(m[1]!, file).pathname.slice(ROOT.pathname.length)
    );
    graph.set(file.pathname.slice(ROOT.pathname.length), targets);
  }
  return graph;
}

const graph = await libGraph();

Deno.test("the import graph reader sees lib/'s files and their imports", () => {
  assert.ok(graph.size > 50, `only ${graph.size} files`);
  assert.ok(graph.get("lib/sim/sim_network.ts")?.includes("lib/random/random.ts"));
});

Deno.test("lib/ imports nothing from testing/, tests/, scripts/ or bench/", () => {
  const bad = [...graph].flatMap(([file, targets]) =>
    targets.filter((t) => !t.startsWith("lib/")).map((t) => `${file} → ${t}`)
  );
  assert.deepEqual(bad, []);
});

Deno.test("lib/ imports form no cycle", () => {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].join(" → "));
      return;
    }
    state.set(file, "open");
    for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
    state.set(file, "done");
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

Deno.test("no sub-machine of the peer actor imports its composer", () => {
  const bad = [...graph].filter(([file, targets]) =>
    file.startsWith("lib/peer/") && !file.endsWith("/mod.ts") &&
    targets.includes("lib/peer/peer_node.ts")
  ).map(([file]) => file);
  assert.deepEqual(bad, []);
});

Deno.test("every folder of lib/ has a mod.ts that documents and exports its concept", async () => {
  const missing: string[] = [];
  const visit = async (dir: URL, path: string) => {
    let hasMod = false;
    let hasTs = false;
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory) await visit(new URL(`${entry.name}/`, dir), `${path}/${entry.name}`);
      else if (entry.name === "mod.ts") hasMod = true;
      else if (entry.name.endsWith(".ts")) hasTs = true;
    }
    if (hasTs && !hasMod) missing.push(path);
    if (hasMod) {
      const text = await Deno.readTextFile(new URL("mod.ts", dir));
      if (!/@module/.test(text) || !/^export /m.test(text)) {
        missing.push(`${path}/mod.ts (no doc or exports)`);
      }
    }
  };
  for await (const entry of Deno.readDir(new URL("lib/", ROOT))) {
    if (entry.isDirectory) await visit(new URL(`lib/${entry.name}/`, ROOT), `lib/${entry.name}`);
  }
  assert.deepEqual(missing, []);
});

Deno.test("a _private.ts file is imported only from its own folder", () => {
  const folderOf = (path: string) => path.slice(0, path.lastIndexOf("/"));
  const bad = [...graph].flatMap(([file, targets]) =>
    targets.filter((t) => t.split("/").pop()!.startsWith("_") && folderOf(t) !== folderOf(file))
      .map((t) => `${file} → ${t}`)
  );
  assert.deepEqual(bad, []);
});
