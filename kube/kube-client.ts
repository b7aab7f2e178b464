// A thin JSON REST layer over the Kubernetes API. KubeConfig loading and authentication come from kube-access.ts
// (client certificates, tokens, in-cluster config; exec plugins and the rest through @kubernetes/client-node); the
// requests themselves are made here because the runtime needs what client-node's object API does not give: plain
// JSON objects (no typed deserialisation that turns timestamps into Dates), server-side apply to subresources
// (status, scale) with loco's own field manager, streaming watches it can abort on an idle timer, and one place to
// count requests.

import type { IncomingMessage } from "node:http";
import { Agent, request as httpsRequest, type RequestOptions } from "node:https";
import { createInterface } from "node:readline";
import { createSecureContext, TLSSocket } from "node:tls";
import { applyPatchBody } from "./apply-body.ts";
import type { KubeAccess } from "./kube-access.ts";
import type { RestClientMetrics } from "./metrics.ts";
import type { KubeList, KubeObject, ResourceType } from "./types.ts";

export interface KubeStatusDetails {
  name?: string;
  kind?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

/** An error answered by the apiserver (or the network). `status` is 0 when no HTTP answer arrived. */
export class KubeApiError extends Error {
  override name = "KubeApiError";
  readonly status: number;
  readonly reason: string;
  readonly details: KubeStatusDetails | undefined;
  constructor(status: number, reason: string, message: string, details?: KubeStatusDetails) {
    super(message);
    this.status = status;
    this.reason = reason;
    this.details = details;
  }
  get isNotFound(): boolean {
    return this.status === 404;
  }
  get isConflict(): boolean {
    return this.status === 409 && this.reason === "Conflict";
  }
  get isAlreadyExists(): boolean {
    return this.status === 409 && this.reason === "AlreadyExists";
  }
  get isGone(): boolean {
    return this.status === 410;
  }
  get isInvalid(): boolean {
    return this.status === 422;
  }
}

export interface RequestParams {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Overrides the Accept header (e.g. to ask for PartialObjectMetadata). */
  accept?: string;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

const APPLY_PATCH = "application/apply-patch+yaml";
/**
 * Ask the apiserver for metadata only (names, uids, labels, owners; no spec or status). Lists and watches need
 * different types: offered both, a watch answers 200 and ends at once without an event.
 */
export const METADATA_LIST_ACCEPT = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json";
export const METADATA_WATCH_ACCEPT = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json";

export function resourcePath(resource: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  const base = resource.group === "" ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  let path = base;
  if (resource.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${resource.plural}`;
  if (name) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}

function toQueryString(query: RequestParams["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function errorFromResponse(status: number, text: string): KubeApiError {
  try {
    const body = JSON.parse(text) as { reason?: string; message?: string; details?: KubeStatusDetails };
    return new KubeApiError(status, body.reason ?? `HTTP${status}`, body.message ?? text, body.details);
  } catch {
    return new KubeApiError(status, `HTTP${status}`, text.slice(0, 500) || `HTTP ${status}`);
  }
}

/**
 * Says whether this process may still write, or why not. Asked as each write leaves for the apiserver (its
 * socket assigned), not when it was queued: a process frozen with a write in hand (SIGSTOP, a long GC pause)
 * must not send it once another replica has taken over (operator/runtime/leader-election.ts).
 */
export type WriteFence = () => string | undefined;

/**
 * A write that passed the fence and then took `heldMs` to be handed to the socket. Nothing in a process can make the
 * fence's check and the send one step: a process frozen (SIGSTOP, a paused VM) or starved of CPU between the two
 * sends the write when it runs again, possibly after its lease has passed on. The window is the time from the check
 * to the request's last bytes reaching the kernel (a turn of the event loop at most), so it takes a freeze landing
 * inside it; when one did, the write is reported rather than passed over in silence.
 */
export interface HeldUpWrite {
  method: string;
  path: string;
  heldMs: number;
}

/** A write held up this long between its fence and its socket is reported (a process that paused, not a slow one). */
const HELD_UP_WRITE_MS = 1000;

/** Whether a client TLS socket has finished its handshake (what it writes now goes straight out). */
const isSecure = (socket: TLSSocket) => {
  const protocol = socket.getProtocol();
  return protocol !== null && protocol !== "unknown";
};

/** Connections a client keeps to the apiserver for requests (watches have their own): at most this many are sent at once. */
export const DEFAULT_MAX_SOCKETS = 32;

export interface KubeClientOptions {
  metrics?: RestClientMetrics;
  userAgent?: string;
  /** Concurrent connections to the apiserver (HTTP/1.1 keep-alive). */
  maxSockets?: number;
}

export class KubeClient {
  readonly server: URL;
  private readonly agent: Agent;
  /**
   * Watches hold their connection for minutes: on the requests' agent, an operator's two dozen informers would keep
   * most of its maxSockets, leaving a handful for reconciles. They get their own agent, without a socket limit.
   */
  private readonly watchAgent: Agent;
  private readonly metrics: RestClientMetrics | undefined;
  private readonly userAgent: string;

  private readonly kubeConfig: KubeAccess;
  private fence: WriteFence | undefined;
  private onHeldUp: ((write: HeldUpWrite) => void) | undefined;

  private constructor(kubeConfig: KubeAccess, baseOptions: RequestOptions, options: KubeClientOptions) {
    this.kubeConfig = kubeConfig;
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error("The kubeconfig has no current cluster; set a current context or pass --kubeconfig.");
    this.server = new URL(cluster.server);
    // One TLS context for every connection of both agents: given only ca, cert and key, Node parses them into a new
    // context for each new socket, and the agent joins their PEM text into the pool's name on every request (about
    // 2.5 s of 134 s of an operator's CPU, profiled while 1,000 Apps converged on a machine loaded to 15–19).
    const tls = {
      secureContext: createSecureContext({ ca: baseOptions.ca, cert: baseOptions.cert, key: baseOptions.key }),
      rejectUnauthorized: baseOptions.rejectUnauthorized ?? true,
      ...(baseOptions.servername ? { servername: baseOptions.servername } : {}),
    };
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? DEFAULT_MAX_SOCKETS, ...tls });
    this.watchAgent = new Agent({ keepAlive: true, ...tls });
    this.metrics = options.metrics;
    this.userAgent = options.userAgent ?? "loco";
  }

  static async create(kubeConfig: KubeAccess, options: KubeClientOptions = {}): Promise<KubeClient> {
    const base: RequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(base);
    return new KubeClient(kubeConfig, base, options);
  }

  /**
   * From now on every write (any method but GET and HEAD) is sent only while `fence` allows it. `onHeldUp` hears of
   * a write that passed the fence and was then held up before it left the process (see HeldUpWrite).
   */
  fenceWrites(fence: WriteFence, onHeldUp?: (write: HeldUpWrite) => void): void {
    this.fence = fence;
    this.onHeldUp = onHeldUp;
  }

  /** Credentials can rotate (tokens from exec plugins or projected files): refresh headers per request. */
  private async headers(extra: Record<string, string>, accept = "application/json"): Promise<Record<string, string>> {
    const opts: RequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    return {
      ...(opts.headers as Record<string, string>),
      "User-Agent": this.userAgent,
      Accept: accept,
      ...extra,
    };
  }

  private async send(
    method: string,
    path: string,
    params: RequestParams,
    agent: Agent = this.agent,
  ): Promise<IncomingMessage> {
    const body =
      params.body === undefined
        ? undefined
        : params.contentType === APPLY_PATCH
          ? applyPatchBody(params.body)
          : JSON.stringify(params.body);
    const headers = await this.headers(
      body === undefined
        ? {}
        : {
            "Content-Type": params.contentType ?? "application/json",
            "Content-Length": String(Buffer.byteLength(body)),
          },
      params.accept,
    );
    const started = performance.now();
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpsRequest(
        {
          protocol: this.server.protocol,
          hostname: this.server.hostname,
          port: this.server.port,
          path: `${this.server.pathname.replace(/\/$/, "")}${path}${toQueryString(params.query)}`,
          method,
          agent,
          headers,
          signal: params.signal,
          timeout: params.timeoutMs,
        },
        (res) => {
          this.metrics?.observe(
            method,
            String(res.statusCode ?? 0),
            this.server.host,
            (performance.now() - started) / 1000,
          );
          resolve(res);
        },
      );
      req.on("timeout", () => req.destroy(new KubeApiError(0, "Timeout", `${method} ${path} timed out`)));
      req.on("error", (error) => {
        this.metrics?.observe(method, "<error>", this.server.host, (performance.now() - started) / 1000);
        reject(
          error instanceof KubeApiError
            ? error
            : new KubeApiError(0, "NetworkError", `${method} ${path}: ${error.message}`),
        );
      });
      const fence = method === "GET" || method === "HEAD" ? undefined : this.fence;
      const fenced = () => {
        const reason = fence?.();
        if (reason) req.destroy(new KubeApiError(0, "Fenced", `${method} ${path} was not sent: ${reason}`));
        return reason !== undefined;
      };
      const send = () => {
        if (fenced()) return;
        const passed = performance.now();
        // Timed until Node hands the request's last bytes to the kernel ("finish"), not until end() returns: a new
        // TLS connection may hold them for a turn of the event loop (seen once under a loaded CI: a freeze landed
        // there and four writes left after the thaw, none reported).
        if (fence) {
          req.once("finish", () => {
            const heldMs = performance.now() - passed;
            if (heldMs >= HELD_UP_WRITE_MS) this.onHeldUp?.({ method, path, heldMs: Math.round(heldMs) });
          });
        }
        if (body !== undefined) req.write(body);
        req.end();
      };
      if (!fence) {
        send();
        return;
      }
      // A fenced write is asked at the last moment, when its connection is ready and Node writes it at once: it may
      // have waited for a socket or a TLS handshake, or the process may have been frozen, since it was made. Nothing
      // (headers included) is written before, so a refused write never leaves the process.
      if (fenced()) return;
      req.once("socket", (socket) => {
        const ready = req.reusedSocket || (socket instanceof TLSSocket ? isSecure(socket) : !socket.connecting);
        if (ready) send();
        else socket.once(socket instanceof TLSSocket ? "secureConnect" : "connect", send);
      });
    });
  }

  async request<T>(method: string, path: string, params: RequestParams = {}): Promise<T> {
    this.metrics?.inFlight?.(1);
    let text: string;
    let res: IncomingMessage;
    try {
      res = await this.send(method, path, { timeoutMs: 30_000, ...params });
      text = await readBody(res);
    } finally {
      this.metrics?.inFlight?.(-1);
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromResponse(status, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A non-JSON endpoint such as /readyz: the status and the body as text; never throws for an HTTP status. */
  async text(path: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
    const res = await this.send("GET", path, { timeoutMs, accept: "text/plain,*/*" });
    return { status: res.statusCode ?? 0, body: await readBody(res) };
  }

  /** POST: creates the object, or fails with AlreadyExists — never touches an existing one. */
  create<T extends KubeObject>(resource: ResourceType, object: KubeObject, fieldManager: string): Promise<T> {
    return this.request<T>("POST", resourcePath(resource, object.metadata.namespace), {
      body: object,
      query: { fieldManager, fieldValidation: "Strict" },
    });
  }

  get<T extends KubeObject>(resource: ResourceType, namespace: string | undefined, name: string): Promise<T> {
    return this.request<T>("GET", resourcePath(resource, namespace, name));
  }

  /** GET that answers undefined for 404 instead of throwing. */
  async find<T extends KubeObject>(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(resource, namespace, name);
    } catch (error) {
      if (error instanceof KubeApiError && error.isNotFound) return undefined;
      throw error;
    }
  }

  list<T extends KubeObject>(
    resource: ResourceType,
    namespace?: string,
    query: RequestParams["query"] = {},
    signal?: AbortSignal,
    accept?: string,
  ): Promise<KubeList<T>> {
    return this.request<KubeList<T>>("GET", resourcePath(resource, namespace), {
      query,
      signal,
      timeoutMs: 120_000,
      ...(accept ? { accept } : {}),
    });
  }

  /** Server-side apply (force) with the given field manager; `subresource` applies e.g. to `status`. */
  apply<T extends KubeObject>(
    resource: ResourceType,
    object: KubeObject,
    fieldManager: string,
    subresource?: string,
  ): Promise<T> {
    const { name, namespace } = object.metadata;
    if (!name) throw new Error(`Cannot apply a ${object.kind} without metadata.name`);
    return this.request<T>("PATCH", resourcePath(resource, namespace, name, subresource), {
      body: object,
      contentType: APPLY_PATCH,
      query: { fieldManager, force: true, fieldValidation: "Strict" },
    });
  }

  async delete(
    resource: ResourceType,
    namespace: string | undefined,
    name: string,
    preconditions?: { uid?: string; resourceVersion?: string },
  ): Promise<void> {
    try {
      await this.request("DELETE", resourcePath(resource, namespace, name), {
        body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: "Background", preconditions },
      });
    } catch (error) {
      if (error instanceof KubeApiError && error.isNotFound) return;
      throw error;
    }
  }

  /**
   * Streams watch events until the server closes the watch, the signal aborts, or the connection breaks.
   * A non-2xx answer throws; an in-stream `ERROR` event (e.g. 410 Gone) is yielded for the caller to handle.
   */
  async *watch<T extends KubeObject>(
    resource: ResourceType,
    namespace: string | undefined,
    query: RequestParams["query"],
    signal: AbortSignal,
    accept?: string,
  ): AsyncGenerator<WatchEvent<T>> {
    const res = await this.send(
      "GET",
      resourcePath(resource, namespace),
      { query: { ...query, watch: true }, signal, ...(accept ? { accept } : {}) },
      this.watchAgent,
    );
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) throw errorFromResponse(status, await readBody(res));
    const lines = createInterface({ input: res, crlfDelay: Number.POSITIVE_INFINITY });
    this.metrics?.watchesOpen?.(1);
    try {
      for await (const line of lines) {
        if (line.trim() === "") continue;
        yield JSON.parse(line) as WatchEvent<T>;
      }
    } finally {
      this.metrics?.watchesOpen?.(-1);
      lines.close();
      res.destroy();
    }
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
  }
}
