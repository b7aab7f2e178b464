// A failed Run's answer to "why": the failing task, its exit code and reason, and the last lines it printed — read
// from the captured task logs (db/task-logs.ts), so they are there after its pod is gone. Only for a Run that failed
// because a task did; null otherwise, or when nothing was captured.
import { type Kysely, sql } from "kysely";
import { z } from "zod";
import type { Database, StoredLogLine } from "../../db/schema.ts";
import type { RunView } from "./run-view.ts";

export const FAILED_TASK_LINES = 5;

export const FailedTaskView = z
  .object({
    name: z.string(),
    exitCode: z.number().int().nullable(),
    reason: z.string().nullable(),
    attempt: z.number().int().nullable().describe("The attempt the lines come from; null when none was captured."),
    lastLines: z.array(z.string()).describe(`Up to ${FAILED_TASK_LINES} last lines it printed, oldest first.`),
  })
  .nullable()
  .describe("For a Run that failed because a task did: that task, its exit code and its last log lines.");
export type FailedTaskView = z.infer<typeof FailedTaskView>;

export async function failedTaskOf(db: Kysely<Database>, view: RunView): Promise<FailedTaskView> {
  if (view.phase !== "Failed" || !view.uid) return null;
  const task = view.tasks.find((t) => t.state === "Failed");
  if (!task) return null;
  const { rows } = await sql<{ attempt: number; lines: StoredLogLine[] }>`
    SELECT attempt, lines FROM task_logs WHERE run_uid = ${view.uid}::uuid AND task = ${task.name}
    ORDER BY attempt DESC LIMIT 1`.execute(db);
  const captured = rows[0];
  return {
    name: task.name,
    exitCode: task.exitCode ?? null,
    reason: task.reason ?? null,
    attempt: captured?.attempt ?? null,
    lastLines: (captured?.lines ?? []).slice(-FAILED_TASK_LINES).map((l) => l.line),
  };
}
