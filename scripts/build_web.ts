// deno-lint-ignore-file no-console -- a command-line script talks to its user.
/**
 * Bundles the web page's TypeScript sources into the assets the program ships.
 *
 * Every `lib/web/ui/<name>.main.ts` becomes `lib/web/assets/<name>.js`: one
 * minified browser script with its pinned npm dependencies inlined, so the page
 * loads nothing from the internet and users never run a build step (the bundles
 * are committed; `deno compile --include lib/web/assets` embeds them).
 *
 *     deno task web:build           rebuild the committed bundles
 *     deno task web:build --check   exit 1 if a committed bundle is stale
 *
 * @module
 */

const UI_DIR = new URL("../lib/web/ui/", import.meta.url);
const ASSETS_DIR = new URL("../lib/web/assets/", import.meta.url);
const ENTRY_SUFFIX = ".main.ts";

/** The entries to bundle: each `*.main.ts` under lib/web/ui, sorted for a stable order. */
export async function bundleEntries(): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(UI_DIR)) {
    if (entry.isFile && entry.name.endsWith(ENTRY_SUFFIX)) names.push(entry.name);
  }
  return names.sort();
}

/** Bundles one entry into `outFile` with `deno bundle`; throws with its stderr on failure. */
export async function bundle(entryName: string, outFile: string): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform",
      "browser",
      "--minify",
      "--output",
      outFile,
      new URL(entryName, UI_DIR).pathname,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`deno bundle ${entryName} failed:\n${new TextDecoder().decode(stderr)}`);
  }
}

/** The asset file name a `<name>.main.ts` entry is bundled to. */
export function assetNameOf(entryName: string): string {
  return entryName.slice(0, -ENTRY_SUFFIX.length) + ".js";
}

async function main(args: string[]): Promise<number> {
  const checkOnly = args.includes("--check");
  const unknown = args.filter((arg) => arg !== "--check");
  if (unknown.length > 0) {
    console.error(`build_web: unknown argument ${unknown[0]} (usage: build_web.ts [--check])`);
    return 2;
  }
  const scratch = await Deno.makeTempDir({ prefix: "p2pchat-web-build-" });
  try {
    let stale = 0;
    for (const entryName of await bundleEntries()) {
      const built = `${scratch}/${assetNameOf(entryName)}`;
      await bundle(entryName, built);
      const target = new URL(assetNameOf(entryName), ASSETS_DIR);
      const fresh = await Deno.readFile(built);
      const committed = await Deno.readFile(target).catch(() => new Uint8Array());
      const same = fresh.length === committed.length && fresh.every((b, i) => b === committed[i]);
      if (same) continue;
      if (checkOnly) {
        console.error(`stale: lib/web/assets/${assetNameOf(entryName)} (run deno task web:build)`);
        stale++;
      } else {
        await Deno.writeFile(target, fresh);
        console.log(`built lib/web/assets/${assetNameOf(entryName)} (${fresh.length} bytes)`);
      }
    }
    return stale === 0 ? 0 : 1;
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
