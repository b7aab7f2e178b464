// 0010: the tenant's newest releases across its Apps (`GET /v1/tenants/{tenant}/releases`, the console's Overview)
// read from an index in that order instead of sorting every release of the tenant.
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX releases_newest_by_tenant ON releases (tenant, created_at DESC)`.execute(db);
}
