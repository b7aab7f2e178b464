// 0003: what the API needs beyond 0001.
// - api_tokens.bound_to_membership: a token minted by a tenant member stops working when that membership goes;
//   one minted by a platform admin (not a member) is not bound. replaced_by links a rotated token to its successor.
// - Indexes for the API's keyset pagination: Apps of a tenant by (namespace, name), audit rows by id.
import { type Kysely, sql } from "kysely";

const statements = [
  `ALTER TABLE api_tokens ADD COLUMN bound_to_membership boolean NOT NULL DEFAULT true`,
  `ALTER TABLE api_tokens ADD COLUMN replaced_by text`,
  `CREATE INDEX resources_tenant_pages ON resources (tenant, kind, namespace, name) WHERE deleted_at IS NULL`,
  `CREATE INDEX audit_log_tenant_pages ON audit_log (tenant, id DESC)`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of statements) await sql.raw(statement).execute(db);
}
