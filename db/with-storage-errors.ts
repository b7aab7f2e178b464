// How a store runs a database operation: whatever pg or PGlite throws leaves as a StorageError, mapped from its
// SQLSTATE by toStorageError. One helper instead of a try/catch (or a local copy of this function) per store.
import { toStorageError } from "./storage-error.ts";

/** Runs `work`; a failure comes out as a StorageError (one thrown by `work` passes through unchanged). */
export async function withStorageErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toStorageError(error);
  }
}
