// A webhook receiver on loopback for notification tests: a real HTTP server that records every request (headers and
// the raw body, as a receiver must verify it) and answers with whatever status the test scripts next.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedRequest[];
  /** Statuses to answer, in turn, by path (then 204); a 3xx carries a Location of `redirectTo`. */
  script(path: string, statuses: number[], redirectTo?: string): void;
  /** Resolves once at least `count` requests arrived at `path` (or the timeout passes, which rejects). */
  waitFor(path: string, count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedRequest[] = [];
  const scripts = new Map<string, { statuses: number[]; redirectTo?: string | undefined }>();
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      const script = scripts.get(path);
      const status = script?.statuses.shift() ?? 204;
      if (status >= 300 && status < 400 && script?.redirectTo) response.setHeader("location", script.redirectTo);
      response.statusCode = status;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const at = (path: string) => received.filter((r) => r.path === path);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    script(path, statuses, redirectTo) {
      scripts.set(path, { statuses: [...statuses], redirectTo });
    },
    async waitFor(path, count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (at(path).length < count) {
        if (Date.now() > deadline)
          throw new Error(`expected ${count} requests at ${path} within ${timeoutMs} ms, got ${at(path).length}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return at(path);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
