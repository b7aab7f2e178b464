// The console's only way to data: the public API on this origin, with the session's bearer credential — the same
// routes, authorisation and tenant isolation as the CLI. Errors are the API's problem+json, kept as ApiProblem so
// pages can tell "not found" from "not allowed" from "the API is down".
import { clearSession, readSession } from "./session.ts";

export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  /** The server setting a 503 names when a feature is not configured (e.g. `--metrics-url`). */
  readonly setting: string | undefined;

  constructor(status: number, code: string, message: string, requestId?: string, setting?: string) {
    super(message);
    this.name = "ApiProblem";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.setting = setting;
  }
}

/** Called on any 401: the session is gone (expired, revoked); the app sends the user to sign in. */
let onUnauthorized: (() => void) | undefined;
export function whenUnauthorized(handler: () => void): void {
  onUnauthorized = handler;
}

export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const session = readSession();
  const headers = new Headers(init.headers);
  if (session) headers.set("authorization", `Bearer ${session.token}`);
  if (init.body !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiProblem(0, "Unreachable", "The loco API did not answer. Check that it is running, then retry.");
  }
  if (response.ok) return response;
  const problem = await problemOf(response);
  // Refused for want of a credential: it was revoked, or it expired (an OIDC session past its expiry is dropped by
  // readSession, so this request went without one). Either way the user signs in again and comes back.
  if (response.status === 401) {
    clearSession();
    onUnauthorized?.();
  }
  throw problem;
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await apiFetch(path, init);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** Every page of a list operation (the console shows whole lists; the server caps each page). */
export async function apiAll<T>(path: string, cap = 2000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null | undefined;
  do {
    const separator = path.includes("?") ? "&" : "?";
    const page = await api<{ items: T[]; nextCursor?: string | null }>(
      `${path}${separator}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < cap);
  return items;
}

async function problemOf(response: Response): Promise<ApiProblem> {
  const requestId = response.headers.get("x-request-id") ?? undefined;
  try {
    const body = (await response.json()) as { code?: string; detail?: string; title?: string; setting?: unknown };
    return new ApiProblem(
      response.status,
      body.code ?? "Unknown",
      body.detail ?? body.title ?? `The API answered ${response.status}.`,
      requestId,
      typeof body.setting === "string" ? body.setting : undefined,
    );
  } catch {
    return new ApiProblem(response.status, "Unknown", `The API answered ${response.status}.`, requestId);
  }
}

/** Path segment, encoded. */
export const seg = (value: string) => encodeURIComponent(value);
