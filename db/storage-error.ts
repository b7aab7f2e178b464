// The storage layer's one error type. Database errors are mapped from SQLSTATE here, once; callers switch on
// `code` and never see driver errors.

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
  if (sqlstate === "23505") return new StorageError("Exists", "It already exists.", detail, error);
  if (sqlstate === "40001" || sqlstate === "40P01" || sqlstate === "55P03") {
    return new StorageError("Conflict", "It was changed concurrently; try again.", detail, error);
  }
  if (sqlstate.startsWith("23") || sqlstate.startsWith("22")) {
    return new StorageError("Invalid", `The data was refused: ${message}`, detail, error);
  }
  if (sqlstate.startsWith("08") || sqlstate === "57P01" || sqlstate === "57P03" || sqlstate === "53300") {
    return new StorageError("Unavailable", "The database is unavailable; try again shortly.", detail, error);
  }
  const networkCodes = ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE"];
  if (networkCodes.includes(sqlstate)) {
    return new StorageError("Unavailable", "The database is unreachable; try again shortly.", detail, error);
  }
  return new StorageError("Internal", "The database failed unexpectedly.", detail || message, error);
}
