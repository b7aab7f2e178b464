// The last lines a failed task printed, shown under the run's final line when `loco run watch` prints to a pipe (the
// live view keeps the lines it followed). Read from the run's durable task logs, so they are there after the pod
// is gone; a log that cannot be read costs the lines, never the run's outcome or exit code.
import type { ApiClient } from "./client/api-client.ts";
import { runLogs } from "./client/run-client.ts";

export const FAILED_TASK_LINES = 5;

export async function failedTaskLines(
  client: ApiClient,
  target: { tenant: string; profile: string; run: string },
  task: string,
  attempt: number | undefined,
): Promise<string[]> {
  try {
    const { records, stop } = await runLogs(client, target.tenant, target.run, target.profile, {
      task,
      tail: FAILED_TASK_LINES,
    });
    const lines: string[] = [];
    try {
      for await (const record of records) {
        if ("line" in record && (attempt === undefined || record.attempt === attempt)) lines.push(record.line);
      }
    } finally {
      stop();
    }
    return lines.slice(-FAILED_TASK_LINES);
  } catch {
    return [];
  }
}
