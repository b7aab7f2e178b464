// One HTTP/1.1 exchange (request, then the whole response) straight over node:net or node:tls, for the CLI's
// one-shot requests. node:http costs a short command about as much as everything else it does: loading it
// (agent, client, server, incoming/outgoing, the parser binding) and building a ClientRequest take about twice
// what connecting a node:net socket takes, and node:https loads node:http as well as node:tls
// (docs/performance.md, "CLI start-up"). What a CLI needs of HTTP/1.1 is small: a request with a length, and a
// response framed by Content-Length, chunked coding or the end of the connection. Like node:http's default agent,
// an idle connection is kept (unreferenced, so it never holds the process open) for the next request to the same
// origin, and a connection the server closes while idle is forgotten.
//
// Long-lived streams (server-sent events) stay on node:http (cli/client/http.ts): start-up is not what limits them.

import type { Socket } from "node:net";

export interface Exchange {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** The socket's idle time after which the exchange fails with onTimeout's error. */
  timeoutMs: number;
  onTimeout: () => Error;
}

export interface Response1 {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** An error in what the server sent, named like node:http's parser errors (HPE_…) so messages read alike. */
export class HttpProtocolError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = "HttpProtocolError";
    this.code = code;
  }
}

/** The server closed the connection before a whole response: node:http's words for it. */
const hangUp = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });

/** Response headers larger than this are refused (node:http's default limit is 16 KiB). */
const MAX_HEADER_BYTES = 64 * 1024;

type Framing =
  | { kind: "none" }
  | { kind: "length"; remaining: number }
  // Where in chunked coding the reader is: a chunk's size line, its data (remaining bytes), the line end after the
  // data, or the trailer fields after the last chunk.
  | { kind: "chunked"; at: "size" | "data" | "data-end" | "trailers"; remaining: number }
  | { kind: "close" };

/**
 * Reads one response from the bytes of a connection, as they arrive. `push` returns the response once it is whole
 * (the rest of the input, if any, is the server talking out of turn); `end` is called when the connection ends.
 */
export class ResponseReader {
  private buffer: Buffer = Buffer.alloc(0);
  private head: { status: number; headers: Record<string, string | string[]>; keepAlive: boolean } | undefined;
  private framing: Framing = { kind: "none" };
  private readonly body: Buffer[] = [];
  /** Whether the connection may carry another request once the response is whole: bytes after it mean it may not. */
  reusable = false;

  private readonly method: string;

  constructor(method: string) {
    this.method = method;
  }

  push(chunk: Buffer): Response1 | undefined {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (!this.head) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) {
        if (this.buffer.length > MAX_HEADER_BYTES)
          throw new HttpProtocolError("HPE_HEADER_OVERFLOW", "Header overflow");
        return undefined;
      }
      const lines = this.buffer.subarray(0, end).toString("latin1").split("\r\n");
      this.buffer = this.buffer.subarray(end + 4);
      const head = parseHead(lines);
      // 1xx answers (100 Continue, 103 Early Hints) come before the real one.
      if (head.status >= 100 && head.status < 200) continue;
      this.head = head;
      this.framing = framingOf(this.method, head.status, head.headers);
    }
    return this.readBody();
  }

  /** The connection ended: the response, if the end is what frames its body; otherwise an error. */
  end(): Response1 {
    if (this.head && this.framing.kind === "close") {
      this.body.push(this.buffer);
      this.buffer = Buffer.alloc(0);
      return this.done(false);
    }
    throw hangUp();
  }

  private readBody(): Response1 | undefined {
    const framing = this.framing;
    switch (framing.kind) {
      case "none":
        return this.done(this.head!.keepAlive);
      case "close":
        this.body.push(this.buffer);
        this.buffer = Buffer.alloc(0);
        return undefined;
      case "length": {
        const take = Math.min(framing.remaining, this.buffer.length);
        this.body.push(this.buffer.subarray(0, take));
        this.buffer = this.buffer.subarray(take);
        framing.remaining -= take;
        return framing.remaining === 0 ? this.done(this.head!.keepAlive) : undefined;
      }
      case "chunked":
        return this.readChunks(framing);
    }
  }

  private readChunks(framing: Extract<Framing, { kind: "chunked" }>): Response1 | undefined {
    for (;;) {
      if (framing.at === "data") {
        const take = Math.min(framing.remaining, this.buffer.length);
        this.body.push(this.buffer.subarray(0, take));
        this.buffer = this.buffer.subarray(take);
        framing.remaining -= take;
        if (framing.remaining > 0) return undefined;
        framing.at = "data-end";
        continue;
      }
      if (framing.at === "data-end") {
        if (this.buffer.length < 2) return undefined;
        if (this.buffer[0] !== 13 || this.buffer[1] !== 10)
          throw new HttpProtocolError("HPE_STRICT", "Expected CRLF after chunk");
        this.buffer = this.buffer.subarray(2);
        framing.at = "size";
        continue;
      }
      const lineEnd = this.buffer.indexOf("\r\n");
      if (lineEnd < 0) {
        if (this.buffer.length > MAX_HEADER_BYTES)
          throw new HttpProtocolError("HPE_HEADER_OVERFLOW", "Chunk size or trailer line too long");
        return undefined;
      }
      const line = this.buffer.subarray(0, lineEnd).toString("latin1");
      this.buffer = this.buffer.subarray(lineEnd + 2);
      if (framing.at === "trailers") {
        // Trailer fields are skipped (the CLI reads none) up to the empty line that ends the message.
        if (line === "") return this.done(this.head!.keepAlive);
        continue;
      }
      const size = line.split(";")[0]!.trim();
      if (!/^[0-9a-fA-F]{1,12}$/.test(size))
        throw new HttpProtocolError("HPE_INVALID_CHUNK_SIZE", "Invalid character in chunk size");
      framing.remaining = Number.parseInt(size, 16);
      framing.at = framing.remaining === 0 ? "trailers" : "data";
    }
  }

  private done(keepAlive: boolean): Response1 {
    this.reusable = keepAlive && this.buffer.length === 0;
    return { status: this.head!.status, headers: this.head!.headers, body: Buffer.concat(this.body) };
  }
}

function parseHead(lines: string[]): {
  status: number;
  headers: Record<string, string | string[]>;
  keepAlive: boolean;
} {
  const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? "");
  if (!statusLine) throw new HttpProtocolError("HPE_INVALID_CONSTANT", "Expected HTTP/");
  const headers: Record<string, string | string[]> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new HttpProtocolError("HPE_INVALID_HEADER_TOKEN", "Invalid header token");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers[name];
    // As node:http gives them: set-cookie as a list, other repeated fields joined with ", ".
    if (name === "set-cookie") headers[name] = [...((seen as string[] | undefined) ?? []), value];
    else headers[name] = seen === undefined ? value : `${seen}, ${value}`;
  }
  const connection = String(headers.connection ?? "").toLowerCase();
  const keepAlive = statusLine[1] === "1" ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  return { status: Number(statusLine[2]), headers, keepAlive };
}

/** How the body is delimited (RFC 9112 §6.3). */
function framingOf(method: string, status: number, headers: Record<string, string | string[]>): Framing {
  if (method === "HEAD" || status === 204 || status === 304) return { kind: "none" };
  const coding = headers["transfer-encoding"];
  if (coding !== undefined) {
    const codings = String(coding).toLowerCase().split(",");
    // Any other last coding means the body runs to the end of the connection.
    return codings[codings.length - 1]!.trim() === "chunked"
      ? { kind: "chunked", at: "size", remaining: 0 }
      : { kind: "close" };
  }
  const length = headers["content-length"];
  if (length !== undefined) {
    const values = new Set(
      String(length)
        .split(",")
        .map((v) => v.trim()),
    );
    const [only] = values;
    if (values.size !== 1 || !/^\d{1,15}$/.test(only!))
      throw new HttpProtocolError("HPE_INVALID_CONTENT_LENGTH", "Invalid Content-Length");
    const remaining = Number(only);
    return remaining === 0 ? { kind: "none" } : { kind: "length", remaining };
  }
  return { kind: "close" };
}

/** The request's bytes: its line, Host, the caller's headers, and the body's length. */
export function requestHead(url: URL, init: Pick<Exchange, "method" | "headers" | "body">): string {
  const lines = [`${init.method} ${url.pathname || "/"}${url.search} HTTP/1.1`, `Host: ${url.host}`];
  const names = new Set<string>();
  for (const [name, value] of Object.entries(init.headers)) {
    // As node:http refuses them: a name must be a token, a value must not break the line or leave latin1.
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new TypeError(`Header name must be a valid HTTP token ["${name}"]`);
    if (/[^\t\x20-\x7e\x80-\xff]/.test(value)) throw new TypeError(`Invalid character in header content ["${name}"]`);
    names.add(name.toLowerCase());
    lines.push(`${name}: ${value}`);
  }
  if (!names.has("connection")) lines.push("Connection: keep-alive");
  if (init.body !== undefined || !["GET", "HEAD", "DELETE", "OPTIONS"].includes(init.method))
    lines.push(`Content-Length: ${Buffer.byteLength(init.body ?? "")}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/** Idle connections by origin (one each: the CLI makes its requests one after another), with their listener. */
const idle = new Map<string, { socket: Socket; forget: () => void }>();

function connect(url: URL): Socket {
  const kept = idle.get(url.origin);
  if (kept) {
    idle.delete(url.origin);
    for (const event of ["data", "end", "close", "error"]) kept.socket.removeListener(event, kept.forget);
    kept.socket.ref();
    return kept.socket;
  }
  const https = url.protocol === "https:";
  // URL keeps an IPv6 address in brackets; sockets want it without.
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || (https ? 443 : 80));
  const net = process.getBuiltinModule("node:net");
  if (!https) return net.connect({ host, port });
  // Server Name Indication for names, not for addresses (as node:https does).
  return process.getBuiltinModule("node:tls").connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }) });
}

/** Keeps a connection for the next request to its origin, without holding the process open. */
function keep(origin: string, socket: Socket): void {
  if (idle.has(origin)) {
    socket.destroy();
    return;
  }
  socket.setTimeout(0);
  socket.unref();
  // Anything the server sends or does while the connection is idle ends it: the next request opens a new one.
  const forget = () => {
    if (idle.get(origin)?.socket === socket) idle.delete(origin);
    socket.destroy();
  };
  for (const event of ["data", "end", "close", "error"]) socket.on(event, forget);
  idle.set(origin, { socket, forget });
}

/** Sends one request and reads its whole response. */
export function exchange(url: URL, init: Exchange): Promise<Response1> {
  return new Promise((resolve, reject) => {
    // Inside the promise: a header that cannot be sent is a rejection, as node:http's request is.
    const head = requestHead(url, init);
    const socket = connect(url);
    const reader = new ResponseReader(init.method);
    let settled = false;
    const finish = (error: Error | undefined, response?: Response1) => {
      if (settled) return;
      settled = true;
      socket.removeListener("data", onData);
      socket.removeListener("end", onEnd);
      socket.removeListener("close", onClose);
      socket.removeListener("timeout", onTimeout);
      socket.removeListener("error", onError);
      if (error) {
        socket.destroy();
        reject(error);
        return;
      }
      // A connection is kept only when the request went out whole too (a server may answer before reading it all).
      if (reader.reusable && socket.writableLength === 0) keep(url.origin, socket);
      else socket.destroy();
      resolve(response!);
    };
    const onData = (chunk: Buffer) => {
      try {
        const response = reader.push(chunk);
        if (response) finish(undefined, response);
      } catch (error) {
        finish(error as Error);
      }
    };
    const onEnd = () => {
      try {
        finish(undefined, reader.end());
      } catch (error) {
        finish(error as Error);
      }
    };
    const onClose = () => onEnd();
    const onTimeout = () => finish(init.onTimeout());
    const onError = (error: Error) => finish(error);
    socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("close", onClose);
    socket.on("timeout", onTimeout);
    socket.on("error", onError);
    socket.setTimeout(init.timeoutMs);
    // One write, so that a small request leaves in one packet: the head in latin1 (as node:http writes it), the body
    // in UTF-8.
    socket.write(
      init.body === undefined
        ? Buffer.from(head, "latin1")
        : Buffer.concat([Buffer.from(head, "latin1"), Buffer.from(init.body, "utf8")]),
    );
  });
}
