// Loopback ports for the processes the test beds and the local platform start (etcd, kube-apiserver, kwok,
// Postgres, the API). A port is chosen here and bound later by another process, so it must stay free meanwhile.
// The kernel's own choice (bind to port 0) comes from the ephemeral range, which every outgoing connection on the
// machine also draws its local port from: with thousands of connections a second (a test suite, a benchmark), one
// of them took a port between its choice and kwok's bind ("address already in use" in a loaded run). Ports are
// therefore chosen below that range, where only listeners go, at random (two suites choosing at once rarely meet),
// and checked by binding them.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Listens on `port` (0: any) on loopback and resolves the port it got; rejects when it is taken. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("Could not determine a free port"));
      });
    });
  });
}

const LOWEST = 10_000;

/** The first port of the kernel's ephemeral range (Linux's file; 32768, Linux's default, where it cannot be read). */
export function ephemeralRangeStart(
  read: () => string = () => readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8"),
): number {
  try {
    const first = Number(read().trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 0 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

/** Ports to try, at random from below the ephemeral range; empty when that range starts too low to leave room. */
export function candidatePorts(count: number, rangeStart = ephemeralRangeStart(), random = Math.random): number[] {
  const span = rangeStart - LOWEST;
  if (span < 1000) return [];
  return Array.from({ length: count }, () => LOWEST + Math.floor(random() * span));
}

/** An unused loopback port that no outgoing connection will take (see the header); the kernel's choice otherwise. */
export async function freePort(): Promise<number> {
  for (const port of candidatePorts(20)) {
    const got = await listenOnce(port).catch(() => undefined);
    if (got !== undefined) return got;
  }
  return listenOnce(0);
}

/** `preferred` when nothing listens on it (a restart keeps its addresses), otherwise any unused port. */
export async function freePortPreferring(preferred: number | undefined): Promise<number> {
  if (preferred) {
    const kept = await listenOnce(preferred).catch(() => undefined);
    if (kept !== undefined) return kept;
  }
  return freePort();
}
