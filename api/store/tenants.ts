// Tenants and their members.
import { type Kysely, sql } from "kysely";
import type { Database, Row } from "../../db/schema.ts";
import { withStorageErrors } from "../../db/with-storage-errors.ts";
import type { Role } from "../auth/principal.ts";

export interface TenantRecord {
  name: string;
  displayName: string;
  createdAt: string;
}

export interface MemberRecord {
  tenant: string;
  subject: string;
  role: Role;
  createdAt: string;
}

const iso = (d: Date) => new Date(d).toISOString();
type TenantRow = Pick<Row<"tenants">, "name" | "display_name" | "created_at">;
const tenantOf = (r: TenantRow): TenantRecord => ({
  name: r.name,
  displayName: r.display_name,
  createdAt: iso(r.created_at),
});
type MemberRow = Row<"members">;
const memberOf = (r: MemberRow): MemberRecord => ({
  tenant: r.tenant,
  subject: r.subject,
  role: r.role,
  createdAt: iso(r.created_at),
});

export function getTenant(db: Kysely<Database>, name: string): Promise<TenantRecord | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<TenantRow>`
      SELECT name, display_name, created_at FROM tenants WHERE name = ${name} AND deleted_at IS NULL`.execute(db);
    return rows[0] ? tenantOf(rows[0]) : undefined;
  });
}

/** Creates the tenant with its first owner, in one transaction. */
export function createTenant(
  db: Kysely<Database>,
  tenant: { name: string; displayName: string },
  owner: string | undefined,
): Promise<TenantRecord> {
  return withStorageErrors(() =>
    db.transaction().execute(async (tx) => {
      const { rows } = await sql<TenantRow>`
        INSERT INTO tenants (name, display_name) VALUES (${tenant.name}, ${tenant.displayName})
        RETURNING name, display_name, created_at`.execute(tx);
      if (owner)
        await sql`INSERT INTO members (tenant, subject, role) VALUES (${tenant.name}, ${owner}, 'owner')`.execute(tx);
      return tenantOf(rows[0]!);
    }),
  );
}

/** Tenants, by name after the cursor; only those `subject` is a member of unless `all`. */
export function listTenants(
  db: Kysely<Database>,
  options: { all: boolean; subject: string; after?: string; limit: number; only?: string },
): Promise<(TenantRecord & { role: Role | null })[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<TenantRow & { role: Role | null }>`
      SELECT t.name, t.display_name, t.created_at, m.role
      FROM tenants t LEFT JOIN members m ON m.tenant = t.name AND m.subject = ${options.subject}
      WHERE t.deleted_at IS NULL
        ${options.all ? sql`` : sql`AND m.role IS NOT NULL`}
        ${options.only ? sql`AND t.name = ${options.only}` : sql``}
        ${options.after ? sql`AND t.name > ${options.after}` : sql``}
      ORDER BY t.name LIMIT ${options.limit}`.execute(db);
    return rows.map((r) => ({ ...tenantOf(r), role: r.role }));
  });
}

/** Every live tenant's name (start-up checks). */
export function listTenantNames(db: Kysely<Database>): Promise<string[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<{ name: string }>`
      SELECT name FROM tenants WHERE deleted_at IS NULL ORDER BY name`.execute(db);
    return rows.map((r) => r.name);
  });
}

export function countTenants(db: Kysely<Database>): Promise<number> {
  return withStorageErrors(async () => {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM tenants`.execute(db);
    return Number(rows[0]?.n ?? 0);
  });
}

/** Whether a live tenant exists and, in the same round trip, `subject`'s role in it (null when not a member). */
export function getTenantRole(
  db: Kysely<Database>,
  tenant: string,
  subject: string,
): Promise<{ role: Role | null } | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<{ role: Role | null }>`
      SELECT m.role FROM tenants t LEFT JOIN members m ON m.tenant = t.name AND m.subject = ${subject}
      WHERE t.name = ${tenant} AND t.deleted_at IS NULL`.execute(db);
    return rows[0] ? { role: rows[0].role } : undefined;
  });
}

export function listMembers(
  db: Kysely<Database>,
  tenant: string,
  options: { after?: string; limit: number },
): Promise<MemberRecord[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<MemberRow>`
      SELECT tenant, subject, role, created_at FROM members WHERE tenant = ${tenant}
        ${options.after ? sql`AND subject > ${options.after}` : sql``}
      ORDER BY subject LIMIT ${options.limit}`.execute(db);
    return rows.map(memberOf);
  });
}

export function getMember(db: Kysely<Database>, tenant: string, subject: string): Promise<MemberRecord | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<MemberRow>`
      SELECT tenant, subject, role, created_at FROM members WHERE tenant = ${tenant} AND subject = ${subject}`.execute(
      db,
    );
    return rows[0] ? memberOf(rows[0]) : undefined;
  });
}

export function putMember(db: Kysely<Database>, tenant: string, subject: string, role: Role): Promise<MemberRecord> {
  return withStorageErrors(async () => {
    const { rows } = await sql<MemberRow>`
      INSERT INTO members (tenant, subject, role) VALUES (${tenant}, ${subject}, ${role})
      ON CONFLICT (tenant, subject) DO UPDATE SET role = excluded.role
      RETURNING tenant, subject, role, created_at`.execute(db);
    return memberOf(rows[0]!);
  });
}

export function removeMember(db: Kysely<Database>, tenant: string, subject: string): Promise<boolean> {
  return withStorageErrors(async () => {
    const { rows } =
      await sql`DELETE FROM members WHERE tenant = ${tenant} AND subject = ${subject} RETURNING subject`.execute(db);
    return rows.length > 0;
  });
}

export function countOwners(db: Kysely<Database>, tenant: string): Promise<number> {
  return withStorageErrors(async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM members WHERE tenant = ${tenant} AND role = 'owner'`.execute(db);
    return Number(rows[0]?.n ?? 0);
  });
}

/**
 * Deletes a live tenant: marks it deleted (its row stays, so the name is never given to another tenant that would
 * inherit its audit log, releases and history), removes its members and revokes its API tokens, in one
 * transaction. False when there was no live tenant of that name.
 */
export function deleteTenant(db: Kysely<Database>, name: string): Promise<boolean> {
  return withStorageErrors(() =>
    db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ name: string }>`
        UPDATE tenants SET deleted_at = now() WHERE name = ${name} AND deleted_at IS NULL RETURNING name`.execute(tx);
      if (rows.length === 0) return false;
      await sql`DELETE FROM members WHERE tenant = ${name}`.execute(tx);
      await sql`UPDATE api_tokens SET revoked_at = now() WHERE tenant = ${name} AND revoked_at IS NULL`.execute(tx);
      return true;
    }),
  );
}

/** When the tenant of that name was deleted, if it was (names of deleted tenants are not reused). */
export function tenantDeletedAt(db: Kysely<Database>, name: string): Promise<Date | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<{ deleted_at: Date | null }>`
      SELECT deleted_at FROM tenants WHERE name = ${name}`.execute(db);
    return rows[0]?.deleted_at ?? undefined;
  });
}
