// A typed client of loco-api (docs/api.md, /openapi.json): one method per operation the CLI uses, request ids
// sent with every request, problem+json answers turned into ApiRequestError. No zod and no fetch at run time, so
// the CLI starts fast (cli/client/http.ts); the shapes are the API's response schemas' types (api/contract.ts).

import type * as Api from "../../api/contract.ts";
// The API's answers, from its route declarations (api/contract.ts). Where the API passes an object's spec or
// status through as an open record, the CLI reads it as the CRD declares it (crds/), still open to fields an
// older or newer operator writes.
import type {
  AuthConfig,
  Condition,
  DeployDiff,
  Deployment,
  DeploymentAccepted,
  DeploymentOutcome,
  DeployOverride,
  EnvView,
  Member,
  MintedToken,
  Page,
  PlatformInfo,
  ProfileView,
  Role,
  TenantDetail,
  TokenView,
  WhoAmI,
} from "../../api/contract.ts";
import type { AppStatus } from "../../crds/app.ts";
import type { DebugLog } from "../debug-log.ts";
import {
  type HttpResponse,
  HttpTimeoutError,
  openStream,
  type ServerSentEvent,
  send,
  serverSentEvents,
} from "./http.ts";
import { retryDelayMs } from "./retry-unavailable.ts";
import { RUN_OPERATIONS } from "./run-client.ts";

export type {
  AuthConfig,
  Condition,
  DeployDiff,
  Deployment,
  DeploymentAccepted,
  DeploymentOutcome,
  DeployOverride,
  EnvView,
  Member,
  MintedToken,
  Page,
  PlatformInfo,
  ProfileView,
  Role,
  TenantDetail,
  TokenView,
  WhoAmI,
};
export type Tenant = Api.Tenant;
export type ReadyStatus = Api.AppView["ready"];
export type AppView = Omit<Api.AppView, "status"> & { status: Partial<AppStatus> & Api.AppView["status"] };
/** The data of a `status` or `end` event of a deployment's stream; an older server sends no conditions, pods or replicas. */
export type DeploymentProgress = Omit<Api.DeploymentProgress, "conditions" | "pods" | "replicas"> &
  Partial<Pick<Api.DeploymentProgress, "conditions" | "pods" | "replicas">>;
export type LogRecord = Api.LogRecord;

/** An RFC 9457 problem as loco-api sends it. */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  requestId?: string;
  errors?: { field: string; message: string }[];
  retryAfterSeconds?: number;
  /** With a 503: the API did not start the request (nothing changed), so asking again is safe. */
  notStarted?: boolean;
}

export type ApiFailure = "problem" | "unreachable" | "timeout" | "invalid-response";

export class ApiRequestError extends Error {
  readonly failure: ApiFailure;
  readonly method: string;
  readonly url: string;
  readonly status: number | undefined;
  readonly problem: Problem | undefined;
  readonly requestId: string;

  constructor(fields: {
    failure: ApiFailure;
    method: string;
    url: string;
    requestId: string;
    status?: number;
    problem?: Problem;
    message: string;
    cause?: unknown;
  }) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "ApiRequestError";
    this.failure = fields.failure;
    this.method = fields.method;
    this.url = fields.url;
    this.status = fields.status;
    this.problem = fields.problem;
    this.requestId = fields.problem?.requestId ?? fields.requestId;
  }
}

/** A bearer credential that can be renewed (an OIDC login with a refresh token: cli/client/session.ts). */
export interface TokenSource {
  /** The token to send, renewed first when it is known to have expired. */
  get(): Promise<string>;
  /** Called once after a 401: a fresh token to retry with, or undefined when it cannot be renewed. */
  renew(): Promise<string | undefined>;
}

export interface ApiClientOptions {
  server: string;
  token?: string;
  /** Instead of token: asked before each request, and once more after a 401. */
  tokenSource?: TokenSource;
  timeoutMs?: number;
  log?: DebugLog;
  userAgent?: string;
}

const segment = encodeURIComponent;

export class ApiClient {
  readonly server: string;
  private readonly options: ApiClientOptions;

  constructor(options: ApiClientOptions) {
    this.server = options.server.replace(/\/+$/, "");
    this.options = options;
  }

  private bearer(): Promise<string | undefined> {
    return this.options.tokenSource ? this.options.tokenSource.get() : Promise.resolve(this.options.token);
  }

  /** Runs an attempt with the current token; after a 401, once more with a renewed one if the source has one. */
  private async withRenewal<T>(attempt: (token: string | undefined) => Promise<T>): Promise<T> {
    try {
      return await attempt(await this.bearer());
    } catch (error) {
      if (!(error instanceof ApiRequestError) || error.status !== 401 || !this.options.tokenSource) throw error;
      const renewed = await this.options.tokenSource.renew();
      if (!renewed) throw error;
      this.options.log?.write("Retrying with a renewed token", { method: error.method, url: error.url });
      return attempt(renewed);
    }
  }

  /** One call; a 503 the API says to retry after a while (cli/client/retry-unavailable.ts) is asked again. */
  async request<T>(
    method: string,
    path: string,
    init: { query?: Record<string, string | number | undefined>; body?: unknown } = {},
  ): Promise<T> {
    let waited = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withRenewal((token) => this.requestWith<T>(token, method, path, init));
      } catch (error) {
        const delay = error instanceof ApiRequestError ? retryDelayMs(error, attempt, waited) : undefined;
        if (delay === undefined) throw error;
        this.options.log?.write("Retrying after the server's Retry-After", {
          method,
          url: (error as ApiRequestError).url,
          status: (error as ApiRequestError).status,
          ms: delay,
        });
        await new Promise((resolve) => setTimeout(resolve, delay));
        waited += delay;
      }
    }
  }

  private async requestWith<T>(
    token: string | undefined,
    method: string,
    path: string,
    init: { query?: Record<string, string | number | undefined>; body?: unknown },
  ): Promise<T> {
    const url = new URL(this.server + path);
    for (const [key, value] of Object.entries(init.query ?? {}))
      if (value !== undefined) url.searchParams.set(key, String(value));
    // getBuiltinModule: an ESM import of node:crypto would evaluate every export at start-up (cli/client/http.ts).
    const requestId = newRequestId();
    const headers: Record<string, string> = {
      accept: "application/json",
      "x-request-id": requestId,
      "user-agent": this.options.userAgent ?? "loco-cli",
    };
    if (token) headers.authorization = `Bearer ${token}`;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    // Date.now, not performance.now: the global `performance` loads perf_hooks, 2 ms of every command's start-up.
    const started = Date.now();
    const log = this.options.log;
    let response: HttpResponse;
    try {
      response = await send(url, {
        method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        timeoutMs: this.options.timeoutMs ?? 30_000,
      });
    } catch (error) {
      const timedOut = error instanceof HttpTimeoutError;
      log?.write("Request failed", {
        method,
        url: url.href,
        requestId,
        error,
        ms: Date.now() - started,
      });
      throw new ApiRequestError({
        failure: timedOut ? "timeout" : "unreachable",
        method,
        url: url.href,
        requestId,
        message: timedOut
          ? `${method} ${url.href} timed out`
          : `${method} ${url.href} failed: ${describeNetworkError(error)}`,
        cause: error,
      });
    }
    const { text } = response;
    const answered = response.headers["x-request-id"];
    const answeredId = typeof answered === "string" ? answered : requestId;
    log?.write("Received response", {
      method,
      url: url.href,
      status: response.status,
      requestId: answeredId,
      ms: Date.now() - started,
    });
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch (error) {
      throw new ApiRequestError({
        failure: "invalid-response",
        method,
        url: url.href,
        requestId: answeredId,
        status: response.status,
        message: `${method} ${url.href} answered ${response.status} with a body that is not JSON`,
        cause: error,
      });
    }
    if (response.status < 200 || response.status > 299) {
      const problem: Problem = {
        status: response.status,
        ...(typeof body === "object" && body !== null ? (body as Partial<Problem>) : {}),
      };
      problem.requestId ??= answeredId;
      log?.write("Received problem", { code: problem.code, detail: problem.detail, requestId: problem.requestId });
      throw new ApiRequestError({
        failure: "problem",
        method,
        url: url.href,
        requestId: answeredId,
        status: response.status,
        problem,
        message: problem.detail ?? `${method} ${url.href} answered ${response.status}`,
      });
    }
    return body as T;
  }

  /**
   * Server-sent events from a path (as the API returned it, query included); the iterator ends with the stream.
   * `stop()` closes the connection.
   */
  async events(path: string): Promise<{ events: AsyncIterable<ServerSentEvent>; stop(): void }> {
    const { events, stop } = await this.stream(path, "text/event-stream");
    return { events: serverSentEvents(events), stop };
  }

  /** A streamed 2xx body, chunk by chunk; a non-2xx answer becomes an ApiRequestError like request()'s. */
  private stream(
    path: string,
    accept: string,
    body?: unknown,
  ): Promise<{ events: AsyncIterable<Buffer>; stop(): void }> {
    return this.withRenewal((token) => this.streamWith(token, path, accept, body));
  }

  /** GET, or POST with a JSON body (a stream that starts something, such as exec). */
  private async streamWith(
    token: string | undefined,
    path: string,
    accept: string,
    body?: unknown,
  ): Promise<{ events: AsyncIterable<Buffer>; stop(): void }> {
    const url = new URL(this.server + path);
    const requestId = newRequestId();
    const method = body === undefined ? "GET" : "POST";
    const headers: Record<string, string> = {
      accept,
      "x-request-id": requestId,
      "user-agent": this.options.userAgent ?? "loco-cli",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    };
    if (token) headers.authorization = `Bearer ${token}`;
    this.options.log?.write("Opening event stream", { url: url.href, requestId });
    let opened: Awaited<ReturnType<typeof openStream>>;
    try {
      opened = await openStream(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        timeoutMs: this.options.timeoutMs ?? 30_000,
      });
    } catch (error) {
      throw new ApiRequestError({
        failure: error instanceof HttpTimeoutError ? "timeout" : "unreachable",
        method,
        url: url.href,
        requestId,
        message: `GET ${url.href} failed: ${describeNetworkError(error)}`,
        cause: error,
      });
    }
    if (opened.error) {
      let body: Partial<Problem> = {};
      try {
        body = JSON.parse(opened.error.text) as Partial<Problem>;
      } catch {}
      const problem: Problem = { ...body, status: opened.status, requestId: body.requestId ?? requestId };
      throw new ApiRequestError({
        failure: "problem",
        method,
        url: url.href,
        requestId,
        status: opened.status,
        problem,
        message: problem.detail ?? `${method} ${url.href} answered ${opened.status}`,
      });
    }
    return { events: opened.chunks!, stop: opened.close };
  }

  /**
   * A WebSocket session at a path (query included) speaking `protocol`, as `loco exec -it` opens one. Any answer
   * but the upgrade becomes an ApiRequestError like request()'s, its problem+json read. `ws` is loaded here only,
   * so that no other command pays for it at start-up.
   */
  webSocket(path: string, protocol: string): Promise<import("ws").WebSocket> {
    return this.withRenewal((token) => this.webSocketWith(token, path, protocol));
  }

  private async webSocketWith(
    token: string | undefined,
    path: string,
    protocol: string,
  ): Promise<import("ws").WebSocket> {
    const url = new URL(this.server + path);
    const href = url.href;
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const requestId = newRequestId();
    const headers: Record<string, string> = {
      "x-request-id": requestId,
      "user-agent": this.options.userAgent ?? "loco-cli",
    };
    if (token) headers.authorization = `Bearer ${token}`;
    this.options.log?.write("Opening a WebSocket", { url: href, requestId });
    const { WebSocket } = await import("ws");
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, [protocol], {
        headers,
        handshakeTimeout: this.options.timeoutMs ?? 30_000,
        perMessageDeflate: false,
      });
      socket.once("open", () => resolve(socket));
      socket.once("unexpected-response", (_request, response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          let body: Partial<Problem> = {};
          try {
            body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Partial<Problem>;
          } catch {}
          const status = response.statusCode ?? 0;
          const problem: Problem = { ...body, status, requestId: body.requestId ?? requestId };
          this.options.log?.write("Received problem", { code: problem.code, detail: problem.detail, requestId });
          reject(
            new ApiRequestError({
              failure: "problem",
              method: "GET",
              url: href,
              requestId,
              status,
              problem,
              message: problem.detail ?? `GET ${href} answered ${status} instead of opening a session`,
            }),
          );
          socket.terminate();
        });
      });
      socket.once("error", (error) =>
        reject(
          new ApiRequestError({
            failure: /timeout/i.test(error.message) ? "timeout" : "unreachable",
            method: "GET",
            url: href,
            requestId,
            message: `GET ${href} failed: ${describeNetworkError(error)}`,
            cause: error,
          }),
        ),
      );
    });
  }

  /** An ndjson stream from a path (query included), one parsed document per line; `stop()` closes it. */
  async ndjson<T>(path: string, body?: unknown): Promise<{ records: AsyncIterable<T>; stop(): void }> {
    const { events, stop } = await this.stream(path, "application/x-ndjson", body);
    async function* records(): AsyncGenerator<T> {
      let buffer = "";
      for await (const chunk of events) {
        buffer += chunk.toString();
        let newline = buffer.indexOf("\n");
        while (newline !== -1) {
          const text = buffer.slice(0, newline).trim();
          buffer = buffer.slice(newline + 1);
          if (text) yield JSON.parse(text) as T;
          newline = buffer.indexOf("\n");
        }
      }
      if (buffer.trim()) yield JSON.parse(buffer) as T;
    }
    return { records: records(), stop };
  }

  /** An App's log records (ndjson), as they arrive; `stop()` closes the stream. */
  async logs(
    tenant: string,
    app: string,
    profile: string,
    options: { follow?: boolean; tail?: number; since?: string; after?: string },
  ): Promise<{ records: AsyncIterable<LogRecord>; stop(): void }> {
    const query = new URLSearchParams({ profile, follow: String(options.follow ?? false), format: "ndjson" });
    if (options.tail !== undefined) query.set("tail", String(options.tail));
    if (options.since) query.set("since", options.since);
    if (options.after) query.set("after", options.after);
    return this.ndjson<LogRecord>(`/v1/tenants/${segment(tenant)}/apps/${segment(app)}/logs?${query}`);
  }

  /** Follows nextCursor until the last page. */
  async all<T>(fetchPage: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await fetchPage(cursor);
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  authConfig = () => this.request<AuthConfig>("GET", "/v1/auth/config");
  whoAmI = () => this.request<WhoAmI>("GET", "/v1/whoami");
  platform = () => this.request<PlatformInfo>("GET", "/v1/platform");
  listTenants = (cursor?: string) => this.request<Page<Tenant>>("GET", "/v1/tenants", { query: { cursor } });
  listApps = (tenant: string, options: { profile?: string; cursor?: string } = {}) =>
    this.request<Page<AppView>>("GET", `/v1/tenants/${segment(tenant)}/apps`, {
      query: { profile: options.profile, cursor: options.cursor },
    });
  getApp = (tenant: string, app: string, profile: string) =>
    this.request<AppView>("GET", `/v1/tenants/${segment(tenant)}/apps/${segment(app)}`, { query: { profile } });
  deployApp = (
    tenant: string,
    app: string,
    profile: string,
    spec: Record<string, unknown>,
    options: { forceConflicts?: boolean } = {},
  ) =>
    this.request<DeploymentAccepted>("POST", `/v1/tenants/${segment(tenant)}/apps/${segment(app)}/deployments`, {
      query: { profile },
      body: { spec, ...(options.forceConflicts ? { forceConflicts: true } : {}) },
    });
  diffDeployment = (
    tenant: string,
    app: string,
    profile: string,
    spec: Record<string, unknown>,
    options: { forceConflicts?: boolean } = {},
  ) =>
    this.request<DeployDiff>("POST", `/v1/tenants/${segment(tenant)}/apps/${segment(app)}/diff`, {
      query: { profile },
      body: { spec, ...(options.forceConflicts ? { forceConflicts: true } : {}) },
    });
  deleteApp = (tenant: string, app: string, profile: string) =>
    this.request<unknown>("DELETE", `/v1/tenants/${segment(tenant)}/apps/${segment(app)}`, { query: { profile } });
  rollbackApp = (tenant: string, app: string, profile: string, deploymentId: string) =>
    this.request<DeploymentAccepted>("POST", `/v1/tenants/${segment(tenant)}/apps/${segment(app)}/rollback`, {
      query: { profile },
      body: { deploymentId },
    });
  listDeployments = (tenant: string, app: string, profile: string, cursor?: string) =>
    this.request<Page<Deployment>>("GET", `/v1/tenants/${segment(tenant)}/apps/${segment(app)}/deployments`, {
      query: { profile, cursor },
    });
  scaleApp = (
    tenant: string,
    app: string,
    profile: string,
    body: { replicas?: number; cpu?: string; memory?: string },
  ) =>
    this.request<AppView>("POST", `/v1/tenants/${segment(tenant)}/apps/${segment(app)}/scale`, {
      query: { profile },
      body,
    });
  getEnv = (tenant: string, app: string, profile: string) =>
    this.request<EnvView>("GET", `/v1/tenants/${segment(tenant)}/apps/${segment(app)}/env`, { query: { profile } });
  setEnv = (
    tenant: string,
    app: string,
    profile: string,
    body: { set?: Record<string, string>; unset?: string[]; secret?: boolean },
  ) =>
    this.request<EnvView>("PATCH", `/v1/tenants/${segment(tenant)}/apps/${segment(app)}/env`, {
      query: { profile },
      body,
    });
  listProfiles = (cursor?: string) => this.request<Page<ProfileView>>("GET", "/v1/profiles", { query: { cursor } });
  listTokens = (tenant: string, cursor?: string) =>
    this.request<Page<TokenView>>("GET", `/v1/tenants/${segment(tenant)}/tokens`, { query: { cursor } });
  createToken = (tenant: string, body: { name: string; role: Role; expiresInDays?: number }) =>
    this.request<MintedToken>("POST", `/v1/tenants/${segment(tenant)}/tokens`, { body });
  revokeToken = (tenant: string, id: string) =>
    this.request<unknown>("DELETE", `/v1/tenants/${segment(tenant)}/tokens/${segment(id)}`);
  revokeBootstrapToken = () => this.request<unknown>("DELETE", "/v1/bootstrap-token");
  // Administration: tenants (platform admins create them), their members, one Profile.
  createTenant = (body: { name: string; displayName?: string; owner?: string }) =>
    this.request<TenantDetail>("POST", "/v1/tenants", { body });
  getTenant = (tenant: string) => this.request<TenantDetail>("GET", `/v1/tenants/${segment(tenant)}`);
  deleteTenant = (tenant: string, force: boolean) =>
    this.request<{ name: string; deleted: true; namespaces: string[] }>("DELETE", `/v1/tenants/${segment(tenant)}`, {
      query: { force: force ? "true" : undefined },
    });
  listMembers = (tenant: string, cursor?: string) =>
    this.request<Page<Member>>("GET", `/v1/tenants/${segment(tenant)}/members`, { query: { cursor } });
  putMember = (tenant: string, subject: string, role: Role) =>
    this.request<Member>("PUT", `/v1/tenants/${segment(tenant)}/members/${segment(subject)}`, { body: { role } });
  removeMember = (tenant: string, subject: string) =>
    this.request<unknown>("DELETE", `/v1/tenants/${segment(tenant)}/members/${segment(subject)}`);
  getProfile = (profile: string) => this.request<ProfileView>("GET", `/v1/profiles/${segment(profile)}`);
  applyProfile = (profile: string, spec: Record<string, unknown>) =>
    this.request<ProfileView>("PUT", `/v1/profiles/${segment(profile)}`, { body: { spec } });
}

const APP_KEYS = ["name", "tenant", "profile", "namespace", "ready", "reason", "lost", "spec", "status"];
const TOKEN_KEYS = [
  "id",
  "name",
  "role",
  "createdBy",
  "createdAt",
  "expiresAt",
  "lastUsedAt",
  "revokedAt",
  "replacedBy",
];

const TENANT_DETAIL_KEYS = ["name", "displayName", "createdAt", "role", "namespaces"];
const MEMBER_KEYS = ["subject", "role", "createdAt"];

/**
 * The operations this client calls and the response keys its types rely on (for a page, the item's), which
 * cli/api-contract.test.ts checks against the OpenAPI document the API builds from its routes.
 */
export const CLIENT_OPERATIONS: readonly {
  method: string;
  path: string;
  status: number;
  keys: readonly string[];
  page?: true;
}[] = [
  { method: "GET", path: "/v1/auth/config", status: 200, keys: ["issuer", "clientId", "audience"] },
  { method: "GET", path: "/v1/whoami", status: 200, keys: ["subject", "via", "platformAdmin", "groups", "token"] },
  { method: "GET", path: "/v1/tenants", status: 200, keys: ["name", "displayName", "createdAt", "role"], page: true },
  { method: "GET", path: "/v1/tenants/{tenant}/apps", status: 200, keys: APP_KEYS, page: true },
  { method: "GET", path: "/v1/tenants/{tenant}/apps/{app}", status: 200, keys: APP_KEYS },
  {
    method: "POST",
    path: "/v1/tenants/{tenant}/apps/{app}/deployments",
    status: 202,
    keys: ["deploymentId", "unchanged", "events"],
  },
  { method: "GET", path: "/v1/tenants/{tenant}/apps/{app}/deployments/{id}/events", status: 200, keys: [] },
  {
    method: "POST",
    path: "/v1/tenants/{tenant}/apps/{app}/rollback",
    status: 202,
    keys: ["deploymentId", "unchanged", "events"],
  },
  {
    method: "POST",
    path: "/v1/tenants/{tenant}/apps/{app}/promotions",
    status: 202,
    keys: ["deploymentId", "unchanged", "events", "release", "source", "image", "pinned", "secrets", "overridden"],
  },
  {
    method: "GET",
    path: "/v1/tenants/{tenant}/apps/{app}/deployments",
    status: 200,
    keys: ["id", "image", "outcome", "createdAt", "finishedAt"],
    page: true,
  },
  { method: "POST", path: "/v1/tenants/{tenant}/apps/{app}/scale", status: 200, keys: APP_KEYS },
  { method: "GET", path: "/v1/tenants/{tenant}/apps/{app}/env", status: 200, keys: ["env", "secrets"] },
  { method: "PATCH", path: "/v1/tenants/{tenant}/apps/{app}/env", status: 200, keys: ["env", "secrets"] },
  { method: "GET", path: "/v1/tenants/{tenant}/apps/{app}/logs", status: 200, keys: [] },
  { method: "GET", path: "/v1/profiles", status: 200, keys: ["name", "spec", "conditions"], page: true },
  { method: "GET", path: "/v1/tenants/{tenant}/tokens", status: 200, keys: TOKEN_KEYS, page: true },
  { method: "POST", path: "/v1/tenants/{tenant}/tokens", status: 201, keys: ["token", "secret"] },
  { method: "DELETE", path: "/v1/tenants/{tenant}/tokens/{id}", status: 204, keys: [] },
  { method: "DELETE", path: "/v1/bootstrap-token", status: 204, keys: [] },
  { method: "POST", path: "/v1/tenants", status: 201, keys: TENANT_DETAIL_KEYS },
  { method: "GET", path: "/v1/tenants/{tenant}", status: 200, keys: TENANT_DETAIL_KEYS },
  { method: "GET", path: "/v1/tenants/{tenant}/members", status: 200, keys: MEMBER_KEYS, page: true },
  { method: "PUT", path: "/v1/tenants/{tenant}/members/{subject}", status: 200, keys: MEMBER_KEYS },
  { method: "DELETE", path: "/v1/tenants/{tenant}/members/{subject}", status: 204, keys: [] },
  { method: "GET", path: "/v1/profiles/{profile}", status: 200, keys: ["name", "spec", "conditions"] },
  ...RUN_OPERATIONS,
];

function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: string } | undefined)?.code;
  return code
    ? `${code}${cause instanceof Error && cause.message ? ` (${cause.message})` : ""}`
    : error instanceof Error
      ? error.message
      : String(error);
}

/**
 * A UUID-shaped request id for correlating a command with the API's logs and audit trail. It needs to be unique,
 * not unguessable: Math.random is enough, and loading node:crypto would add about 10 ms to every command.
 */
export function newRequestId(): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");
  const variant = (8 + Math.floor(Math.random() * 4)).toString(16);
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}
