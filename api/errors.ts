import { StorageError } from "../db/storage-error.ts";
import { KubeApiError } from "../kube/kube-client.ts";

// The API's one error type. Handlers throw ApiError with a code from a closed union; one table maps codes to HTTP
// statuses; anything else becomes Internal at the boundary (server.ts), with the cause in the logs only.

export type ApiErrorCode =
  | "InvalidRequest"
  | "Unauthenticated"
  | "Forbidden"
  | "NotFound"
  | "MethodNotAllowed"
  | "Conflict"
  | "PayloadTooLarge"
  | "UnsupportedMediaType"
  | "RateLimited"
  | "RequestTimeout"
  | "Timeout"
  | "Unavailable"
  | "Internal";

/** The one code → HTTP status table. */
export const httpStatusOf: Record<ApiErrorCode, number> = {
  InvalidRequest: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  MethodNotAllowed: 405,
  Conflict: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  RateLimited: 429,
  RequestTimeout: 408,
  Internal: 500,
  Unavailable: 503,
  Timeout: 504,
};

const titles: Record<ApiErrorCode, string> = {
  InvalidRequest: "The request is invalid",
  Unauthenticated: "Authentication is required",
  Forbidden: "Not allowed",
  NotFound: "Not found",
  MethodNotAllowed: "Method not allowed",
  Conflict: "Conflict",
  PayloadTooLarge: "Request body too large",
  UnsupportedMediaType: "Unsupported media type",
  RateLimited: "Too many requests",
  RequestTimeout: "The request was not received in time",
  Internal: "Internal error",
  Unavailable: "Service unavailable",
  Timeout: "Timed out",
};

export interface FieldError {
  /** Path from the request body's root, as the apiserver would name it (`spec.ports[0].name`). */
  field: string;
  message: string;
}

export class ApiError extends Error {
  override name = "ApiError";
  readonly code: ApiErrorCode;
  readonly errors: FieldError[] | undefined;
  /** Extra, client-safe members of the problem body (e.g. `retryAfterSeconds`). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    code: ApiErrorCode,
    message: string,
    options: { errors?: FieldError[]; extra?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.errors = options.errors;
    this.extra = options.extra;
  }

  /** Read by Fastify and its plugins. */
  get statusCode(): number {
    return httpStatusOf[this.code];
  }
}

/** RFC 9457 problem details, with loco's stable `code` and the request id. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ApiErrorCode;
  requestId: string;
  instance?: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

const kebab = (code: string) => code.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();

export function problemOf(error: ApiError, requestId: string, instance?: string): Problem {
  return {
    ...error.extra,
    type: `https://loco.dev/problems/${kebab(error.code)}`,
    title: titles[error.code],
    status: httpStatusOf[error.code],
    detail: error.message,
    code: error.code,
    requestId,
    ...(instance ? { instance } : {}),
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

/** The single "not found" answer: the same body for a missing object and for one that belongs to another tenant. */
export function notFound(what: string, name: string): ApiError {
  return new ApiError("NotFound", `${what} "${name}" was not found. Check the name, or ask an owner of it for access.`);
}

/**
 * Maps anything thrown inside a request to an ApiError: ApiErrors pass through, Fastify's own errors (body too
 * large, bad JSON, wrong content type, timeouts) keep their meaning, and the rest is Internal.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof StorageError) return fromStorage(error);
  if (error instanceof KubeApiError) return fromKube(error);
  const e = (typeof error === "object" && error !== null ? error : {}) as { code?: string; statusCode?: number };
  switch (e.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new ApiError("PayloadTooLarge", "The request body is larger than this server accepts; send less data.");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return new ApiError(
        "UnsupportedMediaType",
        "The request body's content type is not supported; send JSON with Content-Type: application/json.",
      );
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new ApiError("InvalidRequest", "The request body is not valid JSON; fix its syntax and retry.");
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new ApiError("InvalidRequest", "The Content-Length header does not match the body; resend the request.");
  }
  if (e.statusCode === 408 || e.code === "ETIMEDOUT") {
    return new ApiError("Timeout", "The request took too long and was stopped; retry, or narrow the request.");
  }
  if (typeof e.statusCode === "number" && e.statusCode >= 400 && e.statusCode < 500 && e.code?.startsWith("FST_")) {
    return new ApiError("InvalidRequest", "The request could not be read; check its headers and body.");
  }
  return new ApiError("Internal", "The server failed unexpectedly; retry, and report the request id if it persists.", {
    cause: error,
  });
}

/**
 * How long a client is told to wait (Retry-After) when a dependency is down: a restarting database or apiserver is
 * typically back within seconds, and a short wait keeps clients from hammering it meanwhile.
 */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

function unavailable(what: string, cause: unknown): ApiError {
  return new ApiError(
    "Unavailable",
    `${what}; retry after ${UNAVAILABLE_RETRY_AFTER_SECONDS}s (Retry-After). If it persists, tell the platform's operators.`,
    { cause, extra: { retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS } },
  );
}

function fromStorage(error: StorageError): ApiError {
  switch (error.code) {
    case "NotFound":
      return new ApiError("NotFound", error.message, { cause: error });
    case "Exists":
    case "Conflict":
      return new ApiError("Conflict", `${error.message} Reload it and retry.`, { cause: error });
    case "Invalid":
      return new ApiError(
        "InvalidRequest",
        "The request was refused by the database's constraints; check the values.",
        {
          cause: error,
        },
      );
    case "Unavailable":
      return unavailable("The database is unavailable", error);
    case "Internal":
      return new ApiError(
        "Internal",
        "The server failed unexpectedly; retry, and report the request id if it persists.",
        {
          cause: error,
        },
      );
  }
}

/** The apiserver's answers: what the user can fix keeps its meaning; the API's own failures stay internal. */
function fromKube(error: KubeApiError): ApiError {
  if (error.isInvalid) {
    const causes = error.details?.causes ?? [];
    return new ApiError(
      "InvalidRequest",
      `Kubernetes refused the object: ${error.message}. Fix the fields named and retry.`,
      {
        errors: causes.map((c) => ({ field: c.field ?? "", message: c.message ?? c.reason ?? "invalid" })),
        cause: error,
      },
    );
  }
  if (error.status === 409) {
    return new ApiError("Conflict", "The object was changed or already exists in the cluster; reload it and retry.", {
      cause: error,
    });
  }
  if (error.status === 0 || error.status >= 500 || error.status === 429) {
    return unavailable("The Kubernetes API is unavailable", error);
  }
  return new ApiError("Internal", "The server failed unexpectedly; retry, and report the request id if it persists.", {
    cause: error,
  });
}
