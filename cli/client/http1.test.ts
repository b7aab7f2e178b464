import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { type AddressInfo, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Exchange, exchange, ResponseReader, requestHead } from "./http1.ts";

// Real servers on loopback: node:http for what a well-behaved server sends, and a raw TCP server for framings
// node:http's server does not produce (a body ended by the connection, 1xx answers, a connection cut short).
const seen: { method: string; url: string; headers: IncomingMessage["headers"]; body: string }[] = [];
let connections = 0;
const http: Server = createHttpServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk: string) => {
    body += chunk;
  });
  req.on("end", () => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    if (req.url === "/chunked") {
      res.writeHead(200, { "content-type": "text/plain", "x-request-id": "abc" });
      res.write("hello, ");
      setTimeout(() => res.end("wörld"), 20);
    } else if (req.url === "/empty") {
      res.writeHead(204).end();
    } else if (req.url === "/silent") {
      // Never answers: the request times out.
    } else {
      res.writeHead(201, { "set-cookie": ["a=1", "b=2"] }).end(JSON.stringify({ got: body }));
    }
  });
});
http.on("connection", () => {
  connections++;
});

/** Answers every connection with `raw` (bytes as they go on the wire), then does what `after` says. */
const rawAnswers = new Map<string, { raw: string; after: "end" | "destroy" }>([
  ["/close-delimited", { raw: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end", after: "end" }],
  [
    "/continue",
    {
      raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
      after: "end",
    },
  ],
  ["/cut", { raw: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nonly", after: "destroy" }],
  ["/garbage", { raw: "SSH-2.0-OpenSSH\r\n\r\n", after: "end" }],
]);
const raw: NetServer = createNetServer((socket: Socket) => {
  socket.once("data", (chunk: Buffer) => {
    const path = chunk.toString("latin1").split(" ")[1]!;
    const answer = rawAnswers.get(path)!;
    socket.write(answer.raw, "latin1", () => (answer.after === "end" ? socket.end() : socket.destroy()));
  });
});

const base = (server: Server | NetServer) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const init = (overrides: Partial<Exchange> = {}): Exchange => ({
  method: "GET",
  headers: { accept: "application/json" },
  timeoutMs: 2_000,
  onTimeout: () => new Error("timed out"),
  ...overrides,
});

beforeAll(async () => {
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
});
afterAll(() => {
  http.closeAllConnections();
  http.close();
  raw.close();
});

describe("exchange: one request and its whole answer over a plain socket", () => {
  it("sends the method, path, query, headers and a UTF-8 body with its length in bytes", async () => {
    const response = await exchange(
      new URL(`${base(http)}/apps?profile=dev`),
      init({ method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"wörld"}' }),
    );
    expect(response.status).toBe(201);
    expect(JSON.parse(response.body.toString("utf8"))).toEqual({ got: '{"name":"wörld"}' });
    expect(response.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: "POST", url: "/apps?profile=dev", body: '{"name":"wörld"}' });
    expect(request.headers).toMatchObject({
      host: new URL(base(http)).host,
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength('{"name":"wörld"}')),
    });
  });

  it("reads a chunked answer that arrives in parts", async () => {
    const response = await exchange(new URL(`${base(http)}/chunked`), init());
    expect(response.status).toBe(200);
    expect(response.headers["x-request-id"]).toBe("abc");
    expect(response.body.toString("utf8")).toBe("hello, wörld");
  });

  it("reads no body where there is none (204)", async () => {
    const response = await exchange(new URL(`${base(http)}/empty`), init({ method: "DELETE" }));
    expect(response.status).toBe(204);
    expect(response.body.length).toBe(0);
  });

  it("reuses an idle connection for the next request, and opens a new one after the server closed it", async () => {
    const url = new URL(`${base(http)}/again`);
    await exchange(url, init());
    const before = connections;
    await exchange(url, init());
    expect(connections).toBe(before);
    http.closeIdleConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await exchange(url, init());
    expect(response.status).toBe(201);
    expect(connections).toBe(before + 1);
  });

  it("reads a body that ends with the connection, and skips a 100 Continue before the answer", async () => {
    const ended = await exchange(new URL(`${base(raw)}/close-delimited`), init());
    expect([ended.status, ended.body.toString()]).toEqual([200, "to the end"]);
    const continued = await exchange(new URL(`${base(raw)}/continue`), init());
    expect([continued.status, continued.body.toString()]).toEqual([200, "ok"]);
  });

  it("fails as node:http does when the answer is cut short, not HTTP, refused or late", async () => {
    await expect(exchange(new URL(`${base(raw)}/cut`), init())).rejects.toMatchObject({
      code: "ECONNRESET",
      message: "socket hang up",
    });
    await expect(exchange(new URL(`${base(raw)}/garbage`), init())).rejects.toMatchObject({
      code: "HPE_INVALID_CONSTANT",
    });
    // A port nothing listens on: the address the start-up benchmark uses.
    await expect(exchange(new URL("http://127.0.0.1:9/"), init())).rejects.toMatchObject({
      code: "ECONNREFUSED",
      message: "connect ECONNREFUSED 127.0.0.1:9",
    });
    await expect(exchange(new URL(`${base(http)}/silent`), init({ timeoutMs: 100 }))).rejects.toThrow("timed out");
  });

  it("refuses header values that would break the request's lines", async () => {
    await expect(
      exchange(new URL(`${base(http)}/`), init({ headers: { authorization: "Bearer x\r\nx-admin: yes" } })),
    ).rejects.toThrow('Invalid character in header content ["authorization"]');
  });
});

describe("requestHead", () => {
  it("sends Content-Length for a body, and for a POST without one, but not for a GET without one", () => {
    const url = new URL("https://[::1]:8443/v1/apps?x=1");
    expect(requestHead(url, { method: "GET", headers: { accept: "*/*" } })).toBe(
      "GET /v1/apps?x=1 HTTP/1.1\r\nHost: [::1]:8443\r\naccept: */*\r\nConnection: keep-alive\r\n\r\n",
    );
    expect(requestHead(url, { method: "POST", headers: {} })).toContain("\r\nContent-Length: 0\r\n");
    expect(requestHead(url, { method: "PUT", headers: {}, body: "é" })).toContain("\r\nContent-Length: 2\r\n");
  });
});

describe("ResponseReader", () => {
  const feed = (reader: ResponseReader, text: string, step: number) => {
    const bytes = Buffer.from(text, "latin1");
    for (let i = 0; i < bytes.length; i += step) {
      const response = reader.push(bytes.subarray(i, i + step));
      if (response) return response;
    }
    return undefined;
  };

  it("reads chunked coding with extensions and trailers, one byte at a time", () => {
    const wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n";
    const reader = new ResponseReader("GET");
    const response = feed(reader, wire, 1);
    expect(response?.body.toString("latin1")).toBe("Wikipedia in \r\n\r\nchunks.");
    expect(reader.reusable).toBe(true);
  });

  it("does not keep a connection the server closes, or one with bytes after the answer", () => {
    const closing = new ResponseReader("GET");
    feed(closing, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", 7);
    expect(closing.reusable).toBe(false);
    const extra = new ResponseReader("GET");
    expect(extra.push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxHTTP/1.1"))?.body.toString()).toBe("x");
    expect(extra.reusable).toBe(false);
  });

  it("reads no body for HEAD, and refuses conflicting lengths", () => {
    const head = new ResponseReader("HEAD");
    expect(head.push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"))?.body.length).toBe(0);
    const conflicting = new ResponseReader("GET");
    expect(() => conflicting.push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"))).toThrow(
      "Invalid Content-Length",
    );
  });
});
