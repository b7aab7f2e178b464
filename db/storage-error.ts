// The storage layer's one error type. Database errors are mapped from SQLSTATE here, once; callers switch on
// `code` and never see driver errors. Stores run their queries through withStorageErrors (db/with-storage-errors.ts).

export type StorageErrorCode = "NotFound" | "Exists" | "Conflict" | "Invalid" | "Unavailable" | "Internal";

export class StorageError extends Error {
  override name = "StorageError";
  readonly code: StorageErrorCode;
  /** The SQLSTATE, constraint or table behind it, for logs (never for clients). */
  readonly detail: string | undefined;

  constructor(code: StorageErrorCode, message: string, detail?: string, cause?: unknown) {
    super(message, { cause });
    this.code = code;
    this.detail = detail;
  }
}

/** SQLSTATEs with a meaning of their own; checked before the classes below. */
const BY_SQLSTATE: ReadonlyMap<string, StorageErrorCode> = new Map([
  ["23505", "Exists"], // unique_violation
  ["40001", "Conflict"], // serialization_failure
  ["40P01", "Conflict"], // deadlock_detected
  ["55P03", "Conflict"], // lock_not_available
  ["57P01", "Unavailable"], // admin_shutdown
  ["57P03", "Unavailable"], // cannot_connect_now
  ["53300", "Unavailable"], // too_many_connections
]);

/** SQLSTATE classes (their first two characters). */
const BY_CLASS: ReadonlyMap<string, StorageErrorCode> = new Map([
  ["23", "Invalid"], // integrity constraint violation
  ["22", "Invalid"], // data exception
  ["08", "Unavailable"], // connection exception
]);

/** What Node reports (as `code`) when the server cannot be reached at all. */
const NETWORK_CODES: ReadonlySet<string> = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"]);

/**
 * What node-postgres says, with no code at all, when the server went away under a connection (killed, restarted,
 * failed over) or could not be reached in time: the query did not run, or its outcome is unknown, and a retry on a
 * fresh connection is the remedy — the database is unavailable, not broken.
 */
const CONNECTION_LOST: readonly RegExp[] = [
  /^Connection terminated( unexpectedly| due to connection timeout)?$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
  /^timeout exceeded when trying to connect$/,
];

/** The storage error code for a SQLSTATE (or a Node network error code); Internal for anything else. */
export function storageErrorCodeOf(sqlstate: string): StorageErrorCode {
  if (NETWORK_CODES.has(sqlstate)) return "Unavailable";
  return BY_SQLSTATE.get(sqlstate) ?? BY_CLASS.get(sqlstate.slice(0, 2)) ?? "Internal";
}

interface DatabaseErrorShape {
  code?: string;
  constraint?: string;
  table?: string;
  message?: string;
}

/** Maps an error thrown by pg or PGlite to a StorageError (StorageErrors pass through unchanged). */
export function toStorageError(error: unknown): StorageError {
  if (error instanceof StorageError) return error;
  const e = (typeof error === "object" && error !== null ? error : {}) as DatabaseErrorShape;
  const sqlstate = typeof e.code === "string" ? e.code : "";
  const detail = [sqlstate, e.constraint ?? e.table].filter(Boolean).join(" ");
  const message = e.message ?? String(error);
  const lost = sqlstate === "" && CONNECTION_LOST.some((pattern) => pattern.test(message));
  const code = lost ? "Unavailable" : storageErrorCodeOf(sqlstate);
  switch (code) {
    case "Exists":
      return new StorageError(code, "It already exists.", detail, error);
    case "Conflict":
      return new StorageError(code, "It was changed concurrently; try again.", detail, error);
    case "Invalid":
      return new StorageError(code, `The data was refused: ${message}`, detail, error);
    case "Unavailable":
      return NETWORK_CODES.has(sqlstate) || lost
        ? new StorageError(code, "The database is unreachable; try again shortly.", detail || message, error)
        : new StorageError(code, "The database is unavailable; try again shortly.", detail, error);
    default:
      return new StorageError("Internal", "The database failed unexpectedly.", detail || message, error);
  }
}
