import assert from "node:assert/strict";
import { invocationOf, type ProcessFacts } from "../../lib/cli/invocation.ts";

const CHECKOUT = "/home/ann/p2pchat";
const BASE: ProcessFacts = {
  execPath: "/usr/local/bin/deno",
  mainModule: `file://${CHECKOUT}/main.ts`,
  cwd: CHECKOUT,
  denoVersion: "2.9.6",
  path: "/usr/bin:/usr/local/bin",
};

Deno.test("invocationOf() says 'deno task peer' under deno task", () => {
  const facts = { ...BASE, initCwd: CHECKOUT, userAgent: "deno/2.9.6 npm/? deno/2.9.6 linux" };
  assert.equal(invocationOf("peer", facts), "deno task peer");
  assert.equal(invocationOf("bootstrap", facts), "deno task bootstrap");
  // No task runs `room-key`: the hint names the script.
  assert.equal(invocationOf("room-key", facts), "deno run -A main.ts room-key");
});

Deno.test("invocationOf() names deno and the script as run, relative to the working directory", () => {
  assert.equal(invocationOf("peer", BASE), "deno run -A main.ts peer");
  assert.equal(
    invocationOf("peer", { ...BASE, cwd: "/tmp" }),
    `deno run -A ${CHECKOUT}/main.ts peer`,
  );
  // Not on $PATH: the path to deno itself.
  assert.equal(
    invocationOf("peer", { ...BASE, execPath: "/opt/deno-2.9/deno", path: "/usr/bin" }),
    "/opt/deno-2.9/deno run -A main.ts peer",
  );
  // Emptied variables count as unset.
  assert.equal(
    invocationOf("peer", { ...BASE, initCwd: "", userAgent: "deno/2.9.6", npmEvent: "" }),
    "deno run -A main.ts peer",
  );
  // An npm-compat user agent alone (no INIT_CWD) is not a task.
  assert.equal(
    invocationOf("peer", { ...BASE, userAgent: "deno/2.9.6" }),
    "deno run -A main.ts peer",
  );
});

Deno.test("invocationOf() says npx -y deno@VERSION when deno came from npx", () => {
  const npx = {
    ...BASE,
    execPath: "/root/.npm/_npx/7a40be787520bede/node_modules/@deno/linux-x64-glibc/deno",
  };
  assert.equal(invocationOf("peer", npx), "npx -y deno@2.9.6 run -A main.ts peer");
  assert.equal(
    invocationOf("bootstrap", { ...npx, initCwd: CHECKOUT, userAgent: "deno/2.9.6" }),
    "npx -y deno@2.9.6 task bootstrap",
  );
});

Deno.test("invocationOf() says deno when the deno on $PATH is this npx-installed executable", () => {
  const npx = {
    ...BASE,
    execPath: "/root/.npm/_npx/7a40be787520bede/node_modules/@deno/linux-x64-glibc/deno",
    denoOnPath: true,
  };
  assert.equal(invocationOf("peer", npx), "deno run -A main.ts peer");
  assert.equal(
    invocationOf("peer", { ...npx, initCwd: CHECKOUT, userAgent: "deno/2.9.6" }),
    "deno task peer",
  );
  // A compiled binary is never deno, whatever $PATH holds.
  assert.equal(
    invocationOf("peer", { ...BASE, execPath: `${CHECKOUT}/p2pchat`, denoOnPath: true }),
    "./p2pchat peer",
  );
});

Deno.test("invocationOf() tells deno task from deno run by the parent process, under npx too", () => {
  const npx = {
    ...BASE,
    execPath: "/root/.npm/_npx/7a40be787520bede/node_modules/@deno/linux-x64-glibc/deno",
    // npx's environment, the same for `task` and `run`.
    initCwd: CHECKOUT,
    userAgent: "npm/11.19.1 node/v20.20.2 linux x64 workspaces/false",
    npmEvent: "npx",
    // Even with that deno linked from $PATH: the user typed npx.
    denoOnPath: true,
  };
  assert.equal(
    invocationOf("peer", { ...npx, parentArgs: ["deno", "task", "peer", "--nick", "ann"] }),
    "npx -y deno@2.9.6 task peer",
  );
  assert.equal(
    invocationOf("peer", { ...npx, parentArgs: ["sh", "-c", "'deno' run -A main.ts peer"] }),
    "npx -y deno@2.9.6 run -A main.ts peer",
  );
  // A task's permissions hide the parent (no -A): under npx that means a task.
  assert.equal(invocationOf("peer", npx), "npx -y deno@2.9.6 task peer");
  assert.equal(invocationOf("room-key", npx), "npx -y deno@2.9.6 run -A main.ts room-key");
  // Plain deno: the parent decides over the environment's hints.
  assert.equal(
    invocationOf("bootstrap", {
      ...BASE,
      parentArgs: ["/usr/local/bin/deno", "task", "bootstrap"],
    }),
    "deno task bootstrap",
  );
  assert.equal(
    invocationOf("peer", {
      ...BASE,
      initCwd: CHECKOUT,
      userAgent: "deno/2.9.6",
      parentArgs: ["bash"],
    }),
    "deno run -A main.ts peer",
  );
});

Deno.test("invocationOf() names a compiled binary as the user can run it", () => {
  const compiled = {
    ...BASE,
    execPath: `${CHECKOUT}/dist/p2pchat`,
    mainModule: "file:///tmp/deno-compile-p2pchat/main.ts",
  };
  assert.equal(invocationOf("peer", compiled), "./dist/p2pchat peer");
  assert.equal(invocationOf("peer", { ...compiled, cwd: "/" }), `${CHECKOUT}/dist/p2pchat peer`);
  assert.equal(
    invocationOf("peer", { ...compiled, path: `/usr/bin:${CHECKOUT}/dist/` }),
    "p2pchat peer",
  );
  // Even under a task, a compiled binary is run as itself.
  assert.equal(
    invocationOf("peer", { ...compiled, initCwd: CHECKOUT, userAgent: "deno/2.9.6" }),
    "./dist/p2pchat peer",
  );
});

Deno.test("invocationOf() keeps a remote script's URL and quotes words a shell would split", () => {
  assert.equal(
    invocationOf("peer", { ...BASE, mainModule: "https://example.com/p2pchat/main.ts" }),
    "deno run -A https://example.com/p2pchat/main.ts peer",
  );
  assert.equal(
    invocationOf("peer", {
      ...BASE,
      cwd: "/tmp",
      mainModule: "file:///home/ann/my%20chat/main.ts",
    }),
    "deno run -A '/home/ann/my chat/main.ts' peer",
  );
  assert.equal(
    invocationOf("peer", { ...BASE, execPath: "/opt/it's/deno", path: "" }),
    `'/opt/it'\\''s/deno' run -A main.ts peer`,
  );
});
