// A route, declared once: its schemas validate the request (zod, the same schemas the CRDs come from) and
// describe it in /openapi.json; its wrapper authenticates, enforces one preflight per handler and audits mutations.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { fieldProblems, formatPath } from "../crds/field-problems.ts";
import type { Principal } from "./auth/principal.ts";
import type { Access } from "./authz/preflight.ts";
import { ApiError } from "./errors.ts";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ResponseSpec {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentTypes?: string[];
}

export interface HandlerResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}

export interface RouteContext<P, Q, B> {
  request: FastifyRequest;
  reply: FastifyReply;
  requestId: string;
  params: P;
  query: Q;
  body: B;
  /** Present on authenticated routes. */
  principal: Principal;
  /** The one preflight: authorises (tenant, resource, action) or throws 404/403. Required once per handler. */
  authorize(check: Parameters<AuthorizeFn>[1]): Promise<Access>;
  /** Names the object a mutation acted on, for the audit log (defaults to the request path). */
  auditTarget(target: string, details?: Record<string, unknown>): void;
  /**
   * The App or Pipeline the path names exists in the tenant (it was read, or written): only then may the request's
   * metrics carry its name (api/telemetry.ts). Call it after the check, never on the path's word alone.
   */
  objectFound(): void;
}

export type AuthorizeFn = (
  principal: Principal,
  check:
    | {
        tenant: string;
        resource: import("./authz/permissions.ts").TenantResource;
        action: import("./authz/permissions.ts").Action;
      }
    | { platform: "read" | "admin" },
) => Promise<Access>;

export interface RouteDefinition<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: Method;
  /** Fastify syntax: /v1/tenants/:tenant. */
  url: string;
  operationId: string;
  summary: string;
  tag: string;
  /** "public" routes skip authentication (health, OpenAPI, auth config). */
  auth: "public" | "required";
  params?: P;
  query?: Q;
  body?: B;
  responses: Record<number, ResponseSpec>;
  /** Mutations name their audit action ("apps.apply"); every attempt is then recorded, with its outcome. */
  audit?: string;
  /**
   * The answer may stay open for minutes (event streams, log follows): the preflight then also takes one of the
   * caller's and the tenant's concurrent-stream slots (api/stream-slots.ts), or answers 429.
   */
  stream?: true;
  /**
   * The handler writes to the apiserver (a deploy, an App or Pipeline write, a Run): after the preflight it waits for
   * one of the bounded cluster-write slots, or answers 503 with Retry-After having done nothing (api/write-admission.ts).
   */
  clusterWrite?: true;
  handler(context: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<HandlerResult>;
}

/** Keeps the schemas' types flowing into the handler. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
  route: RouteDefinition<P, Q, B>,
): RouteDefinition {
  return route as unknown as RouteDefinition;
}

/** Parses one part of the request, turning zod's issues into field errors named from `root`. */
export function parsePart<S extends z.ZodType>(schema: S | undefined, input: unknown, root: string): z.output<S> {
  if (!schema) return undefined as z.output<S>;
  const parsed = schema.safeParse(input ?? (root === "body" ? undefined : {}), { reportInput: true });
  if (parsed.success) return parsed.data;
  const errors = fieldProblems(parsed.error, { schema }).map((problem) => ({
    field: formatPath(root === "body" ? problem.path : [root, ...problem.path]) || root,
    message: problem.message,
  }));
  const where = root === "body" ? "The request body" : root === "query" ? "The query string" : "The path";
  throw new ApiError(
    "InvalidRequest",
    `${where} is invalid: ${errors.map((e) => `${e.field}: ${e.message}`).join("; ")}. Fix the fields named and retry.`,
    { errors },
  );
}
