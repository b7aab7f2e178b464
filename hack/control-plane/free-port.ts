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

/** Asks the kernel for an unused loopback port. */
export function freePort(): Promise<number> {
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
