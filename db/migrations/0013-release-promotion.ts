// 0013: a release can be a promotion — the exact image, env and secret versions of another profile's release of the
// same App (api/releases/promote-release.ts). Its kind is `promote`; which release it came from is in `source`
// ({ kind: "promotion", … }, db/release-source.ts), so no column is added, only the kind the CHECK allows.
import { type Kysely, sql } from "kysely";

const statements = [
  `ALTER TABLE releases DROP CONSTRAINT IF EXISTS releases_kind_check`,
  `ALTER TABLE releases ADD CONSTRAINT releases_kind_check
     CHECK (kind IN ('deploy', 'apply', 'env', 'secrets', 'scale', 'rollback', 'promote'))`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
