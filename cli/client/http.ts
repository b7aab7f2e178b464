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

/**
 * A request whose 2xx body is read as it arrives (server-sent events); a non-2xx answer is read whole and
 * returned as `error` instead, so the caller can turn its problem+json into an error.
 */
export function openStream(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<{
  status: number;
  headers: HttpResponse["headers"];
  chunks?: AsyncIterable<Buffer>;
  error?: HttpResponse;
  close(): void;
}> {
  const { request } =
    url.protocol === "https:" ? process.getBuiltinModule("node:https") : process.getBuiltinModule("node:http");
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method, headers: init.headers }, (res) => {
      req.setTimeout(0);
      const status = res.statusCode ?? 0;
      const close = () => req.destroy();
      if (status >= 200 && status < 300) {
        resolve({ status, headers: res.headers, chunks: res, close });
        return;
      }
      const parts: Buffer[] = [];
      res.on("data", (chunk: Buffer) => parts.push(chunk));
      res.on("end", () =>
        resolve({
          status,
          headers: res.headers,
          error: { status, headers: res.headers, text: Buffer.concat(parts).toString("utf8") },
          close,
        }),
      );
      res.on("error", reject);
    });
    req.setTimeout(init.timeoutMs, () => req.destroy(new HttpTimeoutError(init.timeoutMs)));
    req.on("error", reject);
    req.end(init.body);
  });
}

export interface ServerSentEvent {
  event: string;
  data: string;
}

/** Server-sent events from a byte stream: `event:` and `data:` fields, comments (`:`) skipped. */
export async function* serverSentEvents(chunks: AsyncIterable<Buffer | string>): AsyncGenerator<ServerSentEvent> {
  let buffer = "";
  for await (const chunk of chunks) {
    buffer += chunk.toString();
    let end = buffer.search(/\r?\n\r?\n/);
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
      let event = "message";
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length) yield { event, data: data.join("\n") };
      end = buffer.search(/\r?\n\r?\n/);
    }
  }
}
