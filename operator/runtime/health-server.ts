import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

export interface HealthServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Ready when caches are synced (a standby replica is ready too: it serves as soon as it leads). */
  ready: () => boolean;
}

/** `/healthz` (the process answers), `/readyz` (caches synced) and `/metrics` (Prometheus text format). */
export async function startHealthServer(
  options: HealthServerOptions,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz" || path === "/livez") {
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    } else if (path === "/readyz") {
      const ready = options.ready();
      res.writeHead(ready ? 200 : 503, { "Content-Type": "text/plain" }).end(ready ? "ok" : "caches not synced");
    } else if (path === "/metrics") {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { "Content-Type": options.registry.contentType }).end(text),
        (error: unknown) => res.writeHead(500).end(String(error)),
      );
    } else {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, resolve);
  });
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : options.port;
  return {
    server,
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
