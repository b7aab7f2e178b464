// 0006: API tokens keep their tie to people through rotation, and the bootstrap token expires.
// - api_tokens.rotated_by: who last rotated the token, and so received its current secret. With
//   rotated_by_bound the token also needs that subject's membership in its tenant (and acts at no more than their
//   role): a tenant member who rotated a token cannot keep its secret working after leaving the tenant.
// - A bootstrap token minted before this migration never expired: it now expires a day after the upgrade.
import { type Kysely, sql } from "kysely";

const statements = [
  `ALTER TABLE api_tokens ADD COLUMN rotated_by text`,
  `ALTER TABLE api_tokens ADD COLUMN rotated_by_bound boolean NOT NULL DEFAULT false`,
  `UPDATE api_tokens SET expires_at = now() + interval '24 hours'
    WHERE tenant IS NULL AND created_by = 'loco-api-bootstrap' AND expires_at IS NULL AND revoked_at IS NULL`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
