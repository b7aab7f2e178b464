// 0005: the logs of Run tasks, captured by the operator as each attempt finishes, so that they outlive the pods.
// One row per attempt (run uid, task, attempt): the lines are a jsonb array in output order, each
// { time, stream, line } with `time` normalised to RFC 3339 with nine fractional digits so that text order is time
// order. `error` says why a capture holds no lines (the pod was gone, the kubelet unreachable).
import { type Kysely, sql } from "kysely";

const statements = [
  `
    CREATE TABLE task_logs (
      run_uid     uuid NOT NULL,
      task        text NOT NULL,
      attempt     integer NOT NULL CHECK (attempt >= 1),
      namespace   text NOT NULL,
      run         text NOT NULL,
      pod         text NOT NULL DEFAULT '',
      captured_at timestamptz NOT NULL,
      truncated   boolean NOT NULL DEFAULT false,
      error       text,
      line_count  integer NOT NULL,
      lines       jsonb NOT NULL,
      PRIMARY KEY (run_uid, task, attempt)
    )
  `,
  `CREATE INDEX task_logs_by_run ON task_logs (namespace, run, captured_at DESC)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
