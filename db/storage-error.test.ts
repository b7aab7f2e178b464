import { describe, expect, it } from "vitest";
import { StorageError, storageErrorCodeOf, toStorageError } from "./storage-error.ts";

describe("storageErrorCodeOf", () => {
  it.each([
    ["23505", "Exists"],
    ["23503", "Invalid"],
    ["23514", "Invalid"],
    ["23502", "Invalid"],
    ["22P02", "Invalid"],
    ["22001", "Invalid"],
    ["40001", "Conflict"],
    ["40P01", "Conflict"],
    ["55P03", "Conflict"],
    ["08006", "Unavailable"],
    ["08001", "Unavailable"],
    ["57P01", "Unavailable"],
    ["57P03", "Unavailable"],
    ["53300", "Unavailable"],
    ["ECONNREFUSED", "Unavailable"],
    ["ECONNRESET", "Unavailable"],
    ["ETIMEDOUT", "Unavailable"],
    ["EPIPE", "Unavailable"],
    ["42P01", "Internal"],
    ["XX000", "Internal"],
    ["", "Internal"],
    // A code that happens to name an Object.prototype member is still just unknown.
    ["constructor", "Internal"],
  ])("maps %s to %s", (sqlstate, code) => {
    expect(storageErrorCodeOf(sqlstate)).toBe(code);
  });
});

describe("toStorageError", () => {
  it("says what to do, and keeps the SQLSTATE and constraint for logs", () => {
    const exists = toStorageError({ code: "23505", constraint: "tenants_pkey", message: "duplicate key" });
    expect(exists).toMatchObject({ code: "Exists", message: "It already exists.", detail: "23505 tenants_pkey" });
    expect(toStorageError({ code: "40001" }).message).toBe("It was changed concurrently; try again.");
    expect(toStorageError({ code: "08006" }).message).toBe("The database is unavailable; try again shortly.");
    expect(toStorageError({ code: "ECONNREFUSED" }).message).toBe("The database is unreachable; try again shortly.");
  });

  it.each([
    "Connection terminated unexpectedly",
    "Connection terminated",
    "Connection terminated due to connection timeout",
    "Client has encountered a connection error and is not queryable",
    "Client was closed and is not queryable",
    "timeout exceeded when trying to connect",
  ])("reads node-postgres' lost connection without a code (%s) as Unavailable", (message) => {
    expect(toStorageError(new Error(message))).toMatchObject({
      code: "Unavailable",
      message: "The database is unreachable; try again shortly.",
      detail: message,
    });
  });

  it("leaves other errors without a code Internal, even ones that mention a connection", () => {
    expect(toStorageError(new Error("Connection terminated unexpectedly; and then some")).code).toBe("Internal");
    expect(toStorageError(new Error("relation does not exist")).code).toBe("Internal");
  });

  it("names what the database refused in Invalid", () => {
    const invalid = toStorageError({ code: "23514", table: "members", message: 'violates check "members_role_check"' });
    expect(invalid).toMatchObject({ code: "Invalid", detail: "23514 members" });
    expect(invalid.message).toBe('The data was refused: violates check "members_role_check"');
  });

  it("keeps the cause and passes StorageErrors through unchanged", () => {
    const cause = { code: "40P01" };
    expect(toStorageError(cause).cause).toBe(cause);
    const original = new StorageError("NotFound", "No such tenant.");
    expect(toStorageError(original)).toBe(original);
  });
});
