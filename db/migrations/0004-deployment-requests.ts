// 0004: deployments requested through the API, with the exact spec applied, so that a rollback can re-apply the
// configuration of an earlier deployment (the mirror keeps only an App's current spec).
import { type Kysely, sql } from "kysely";

const statements = [
  `
    CREATE TABLE deployment_requests (
      id           text PRIMARY KEY,
      tenant       text NOT NULL,
      namespace    text NOT NULL,
      app          text NOT NULL,
      spec         jsonb NOT NULL,
      requested_by text NOT NULL,
      rollback_of  text,
      created_at   timestamptz NOT NULL DEFAULT now()
    )
  `,
  `CREATE INDEX deployment_requests_by_app ON deployment_requests (namespace, app, created_at DESC)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
