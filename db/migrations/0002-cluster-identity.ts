// 0002: what the resurrector needs to rebuild objects and what keeps a wiped cluster from erasing the mirror.
// - api_version: rows are turned back into objects without a kind → group table.
// - cluster_uid: the cluster (its kube-system namespace uid) a row was mirrored from. Deletions are only mirrored
//   for rows of the cluster that reported them, so an empty replacement cluster cannot mark the old state deleted.
import { type Kysely, sql } from "kysely";

const statements = [
  `ALTER TABLE resources ADD COLUMN api_version text NOT NULL DEFAULT ''`,
  `ALTER TABLE resources ADD COLUMN cluster_uid text`,
  `CREATE INDEX deployments_by_app_uid ON deployments (app_uid, created_at DESC)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
