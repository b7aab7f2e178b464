// 0008: indexes for `loco-db prune`, so each batch of a prune finds its next rows without scanning the tables:
// task logs by capture time, soft-deleted mirror rows by deletion time (partial: live rows are not indexed), and
// Runs' timeline events by time.
import { type Kysely, sql } from "kysely";

const statements = [
  `CREATE INDEX task_logs_by_capture ON task_logs (captured_at)`,
  `CREATE INDEX resources_deleted ON resources (deleted_at) WHERE deleted_at IS NOT NULL`,
  `CREATE INDEX events_of_runs ON events (occurred_at) WHERE kind = 'Run'`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
