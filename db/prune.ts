// Retention: deletes history older than a cut-off — captured task logs, the mirror rows of Runs that are gone from
// the cluster, the Runs' timeline events, and any mirror row soft-deleted before the cut-off — in small batches,
// each its own short transaction, so the mirror (which writes live rows) never waits behind a prune.
//
// What stays: every live mirror row (the cluster holds the object, and the resurrector may need it), secret
// versions (releases name them, and a rollback brings them back), deployments, releases and the audit log.
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";
import { toStorageError } from "./storage-error.ts";

export interface PruneOptions {
  /** Everything older than this goes. */
  cutoff: Date;
  /** Rows per transaction (default 1,000). */
  batchSize?: number;
  /** Called after each batch, e.g. to report progress. */
  onBatch?: (table: PruneTarget, deleted: number) => void;
}

export type PruneTarget = "taskLogs" | "runEvents" | "runs" | "deletedRows";

export type PruneReport = Record<PruneTarget, number> & { batches: number };

export const DEFAULT_BATCH_SIZE = 1_000;

/**
 * One batch per statement: the inner SELECT picks at most `limit` rows and skips any another transaction holds
 * (FOR UPDATE SKIP LOCKED), so a prune neither waits for the mirror nor makes it wait longer than one batch's delete.
 */
function batchStatement(target: PruneTarget, cutoff: string, limit: number) {
  switch (target) {
    case "taskLogs":
      return sql`
        DELETE FROM task_logs WHERE (run_uid, task, attempt) IN (
          SELECT run_uid, task, attempt FROM task_logs WHERE captured_at < ${cutoff}::timestamptz
          LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
    case "runEvents":
      return sql`
        DELETE FROM events WHERE id IN (
          SELECT id FROM events WHERE kind = 'Run' AND occurred_at < ${cutoff}::timestamptz
          LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
    case "runs":
      // A Run deleted from the cluster lately but finished before the cut-off is old history too. Kubernetes writes
      // completionTime as RFC 3339 in UTC, so comparing the text compares the times without a cast that could fail.
      return sql`
        DELETE FROM resources WHERE uid IN (
          SELECT uid FROM resources
          WHERE kind = 'Run' AND deleted_at IS NOT NULL AND status->>'completionTime' < ${cutoff}
          LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
    case "deletedRows":
      return sql`
        DELETE FROM resources WHERE uid IN (
          SELECT uid FROM resources WHERE deleted_at IS NOT NULL AND deleted_at < ${cutoff}::timestamptz
          LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
  }
}

const ORDER: readonly PruneTarget[] = ["taskLogs", "runEvents", "runs", "deletedRows"];

export async function prune(db: Kysely<Database>, options: PruneOptions): Promise<PruneReport> {
  const limit = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`batchSize must be a whole number ≥ 1, not ${limit}`);
  // Second precision, Kubernetes' own, so the text comparison of completionTime is exact.
  const cutoff = `${options.cutoff.toISOString().slice(0, 19)}Z`;
  const report: PruneReport = { taskLogs: 0, runEvents: 0, runs: 0, deletedRows: 0, batches: 0 };
  try {
    for (const target of ORDER) {
      for (;;) {
        const result = await batchStatement(target, cutoff, limit).execute(db);
        const deleted = Number(result.numAffectedRows ?? 0n);
        report[target] += deleted;
        report.batches++;
        options.onBatch?.(target, deleted);
        if (deleted < limit) break;
      }
    }
  } catch (error) {
    throw toStorageError(error);
  }
  return report;
}

const UNITS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "30d", "12h", "90m" → milliseconds; undefined when the text is no such duration. */
export function parseRetention(text: string): number | undefined {
  const match = /^(\d{1,5})([mhd])$/.exec(text);
  return match ? Number(match[1]) * UNITS[match[2] as keyof typeof UNITS] : undefined;
}
