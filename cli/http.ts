// One HTTP request with node:http/node:https rather than fetch: fetch loads undici on first use, which costs
// more than the rest of the CLI's start-up (about 140 ms on the reference machine; bench/cli-startup.ts).
// node:http or node:https is loaded for the first request, not at start-up (commands that make none skip both),
// and through process.getBuiltinModule: an ESM import of node:http builds a facade that reads every export,
// including the lazy ones that load undici anyway.

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

export class HttpTimeoutError extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = "HttpTimeoutError";
  }
}

export function send(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpResponse> {
  const { request } =
    url.protocol === "https:" ? process.getBuiltinModule("node:https") : process.getBuiltinModule("node:http");
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.setTimeout(init.timeoutMs, () => req.destroy(new HttpTimeoutError(init.timeoutMs)));
    req.on("error", reject);
    req.end(init.body);
  });
}
