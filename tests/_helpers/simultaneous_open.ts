// deno-lint-ignore-file no-console -- a probe program: its output is what the test reads
/**
 * A probe program for tests/e2e/nat_test.ts: connects from local port PORT
 * to HOST:PORT again and again until a connection opens (or 6 s pass), sends
 * `hello from LABEL`, prints what the other side sent, and exits 0 (1 on
 * failure). Two of them started at once towards each other's public
 * addresses open one TCP connection by simultaneous open: the way a hole is
 * punched through two NATs that keep ports (`node:net` can choose the local
 * port, `Deno.connect` cannot).
 *
 * Usage: deno run --allow-net simultaneous_open.ts HOST PORT LABEL
 *
 * @module
 */

import net from "node:net";

const [host, portText, label] = Deno.args;
const port = Number(portText);
if (host === undefined || !Number.isInteger(port) || label === undefined) {
  console.error("usage: simultaneous_open.ts HOST PORT LABEL");
  Deno.exit(2);
}

const giveUp = setTimeout(() => {
  console.log("failed: no connection within 6 s");
  Deno.exit(1);
}, 6_000);

function attempt(): void {
  const socket = net.connect({ host, port, localPort: port, localAddress: "0.0.0.0" });
  socket.once("connect", () => {
    socket.write(`hello from ${label}\n`);
    socket.once("data", (data) => {
      console.log(
        `connected to ${socket.remoteAddress}:${socket.remotePort}: ${data.toString().trim()}`,
      );
      clearTimeout(giveUp);
      // Let the other side read ours before closing.
      setTimeout(() => {
        socket.destroy();
        Deno.exit(0);
      }, 300);
    });
  });
  socket.once("error", () => {
    socket.destroy();
    setTimeout(attempt, 200);
  });
}

attempt();
