// API tokens in `api_tokens`: hashed secrets, scoped to a tenant and role (or platform-wide), with expiry,
// revocation and rotation.
import { type Kysely, sql } from "kysely";
import { ulid } from "ulid";
import type { Database, Row } from "../../db/schema.ts";
import { StorageError } from "../../db/storage-error.ts";
import { withStorageErrors } from "../../db/with-storage-errors.ts";
import { generateTokenSecret, hashTokenSecret } from "../auth/api-token-secret.ts";
import type { Role, TokenRole } from "../auth/principal.ts";

export interface TokenRecord {
  id: string;
  tenant: string | null;
  name: string;
  role: TokenRole;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  boundToMembership: boolean;
  replacedBy: string | null;
  /** Who last rotated the token (and so received its current secret). */
  rotatedBy: string | null;
  /** The token also needs rotatedBy's membership in its tenant (they rotated it as a member). */
  rotatedByBound: boolean;
}

/** Every column but the hash of the secret, which is only ever compared in SQL. */
type TokenRow = Omit<Row<"api_tokens">, "hash">;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
const toRecord = (r: TokenRow): TokenRecord => ({
  id: r.id,
  tenant: r.tenant,
  name: r.name,
  role: r.role,
  createdBy: r.created_by,
  createdAt: iso(r.created_at)!,
  expiresAt: iso(r.expires_at),
  lastUsedAt: iso(r.last_used_at),
  revokedAt: iso(r.revoked_at),
  boundToMembership: r.bound_to_membership,
  replacedBy: r.replaced_by,
  rotatedBy: r.rotated_by,
  rotatedByBound: r.rotated_by_bound,
});

const columns = sql`id, tenant, name, role, created_by, created_at, expires_at, last_used_at, revoked_at,
  bound_to_membership, replaced_by, rotated_by, rotated_by_bound`;

export interface MintRequest {
  tenant: string | null;
  name: string;
  role: TokenRole;
  createdBy: string;
  expiresAt: Date | null;
  boundToMembership: boolean;
  rotatedBy?: string;
  rotatedByBound?: boolean;
}

/** Stores a new token; the secret is returned here once and never again. */
export function mintToken(db: Kysely<Database>, request: MintRequest): Promise<{ token: TokenRecord; secret: string }> {
  return withStorageErrors(async () => {
    const secret = generateTokenSecret();
    const { rows } = await sql<TokenRow>`
      INSERT INTO api_tokens (id, tenant, name, hash, role, created_by, expires_at, bound_to_membership, rotated_by,
                              rotated_by_bound)
      VALUES (${ulid()}, ${request.tenant}, ${request.name}, ${hashTokenSecret(secret)}, ${request.role},
              ${request.createdBy}, ${request.expiresAt?.toISOString() ?? null}::timestamptz, ${request.boundToMembership},
              ${request.rotatedBy ?? null}, ${request.rotatedByBound ?? false})
      RETURNING ${columns}`.execute(db);
    return { token: toRecord(rows[0]!), secret };
  });
}

/** A token found by its secret, with what authenticating it needs to know about its tenant. */
export interface TokenCredential {
  token: TokenRecord;
  /** The token's tenant exists and is not deleted (false for platform tokens, which have none). */
  tenantLive: boolean;
  /** The role in the token's (live) tenant of whoever minted the token, if they are still a member. */
  creatorRole: Role | null;
  /** The role there of whoever last rotated the token, if they are still a member. */
  rotatorRole: Role | null;
}

/**
 * Everything authentication reads, in one round trip: the token by the hash of its secret, whether its tenant
 * still exists, and the minter's and last rotator's memberships there. (Three queries per request before; see
 * docs/performance.md.)
 */
export function findTokenCredential(db: Kysely<Database>, secret: string): Promise<TokenCredential | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<
      TokenRow & { tenant_live: boolean; creator_role: Role | null; rotator_role: Role | null }
    >`
      SELECT a.id, a.tenant, a.name, a.role, a.created_by, a.created_at, a.expires_at, a.last_used_at,
        a.revoked_at, a.bound_to_membership, a.replaced_by, a.rotated_by, a.rotated_by_bound,
        t.name IS NOT NULL AS tenant_live, m.role AS creator_role, r.role AS rotator_role
      FROM api_tokens a
        LEFT JOIN tenants t ON t.name = a.tenant AND t.deleted_at IS NULL
        LEFT JOIN members m ON m.tenant = t.name AND m.subject = a.created_by
        LEFT JOIN members r ON r.tenant = t.name AND r.subject = a.rotated_by
      WHERE a.hash = ${hashTokenSecret(secret)}`.execute(db);
    const row = rows[0];
    return row
      ? {
          token: toRecord(row),
          tenantLive: row.tenant_live,
          creatorRole: row.creator_role,
          rotatorRole: row.rotator_role,
        }
      : undefined;
  });
}

/** Records use at most once a minute per token, so authentication is not a write per request. */
export function touchToken(db: Kysely<Database>, id: string): Promise<void> {
  return withStorageErrors(async () => {
    await sql`UPDATE api_tokens SET last_used_at = now()
      WHERE id = ${id} AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`.execute(db);
  });
}

export function getToken(db: Kysely<Database>, tenant: string, id: string): Promise<TokenRecord | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<TokenRow>`
      SELECT ${columns} FROM api_tokens WHERE tenant = ${tenant} AND id = ${id}`.execute(db);
    return rows[0] ? toRecord(rows[0]) : undefined;
  });
}

/** A page of a tenant's tokens, newest first, after the cursor's id. */
export function listTokens(
  db: Kysely<Database>,
  tenant: string,
  options: { after?: string; limit: number; createdBy?: string },
): Promise<TokenRecord[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<TokenRow>`
      SELECT ${columns} FROM api_tokens
      WHERE tenant = ${tenant}
        ${options.after ? sql`AND id < ${options.after}` : sql``}
        ${options.createdBy ? sql`AND created_by = ${options.createdBy}` : sql``}
      ORDER BY id DESC LIMIT ${options.limit}`.execute(db);
    return rows.map(toRecord);
  });
}

export function revokeToken(db: Kysely<Database>, tenant: string, id: string): Promise<TokenRecord | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<TokenRow>`
      UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now())
      WHERE tenant = ${tenant} AND id = ${id} RETURNING ${columns}`.execute(db);
    return rows[0] ? toRecord(rows[0]) : undefined;
  });
}

/** Who rotates a token: they receive its new secret, so a member's rotation binds the token to their membership. */
export interface Rotator {
  subject: string;
  /** They rotated it as a member of the token's tenant (not as a platform admin). */
  asMember: boolean;
  /** The expiry of the API token they rotated it with, if any: the new token works no longer than that. */
  notAfter: Date | null;
}

/**
 * Replaces a token's secret and nothing else: the new token keeps the old one's tenant, name, role, minter, binding
 * to the minter's membership and expiry (so no chain of rotations outlives the first mint; sooner when rotated
 * with a token that expires first), and is bound to the rotator's membership too when they rotated it as a member. The old token is revoked in the same step, and only
 * while it is live: a revoked or expired token cannot be rotated (a concurrent rotation loses with a Conflict).
 */
export function rotateToken(
  db: Kysely<Database>,
  old: TokenRecord,
  rotator: Rotator,
): Promise<{ token: TokenRecord; secret: string }> {
  return withStorageErrors(() =>
    db.transaction().execute(async (tx) => {
      const minted = await mintToken(tx, {
        tenant: old.tenant,
        name: old.name,
        role: old.role,
        createdBy: old.createdBy,
        expiresAt: earliest(old.expiresAt ? new Date(old.expiresAt) : null, rotator.notAfter),
        boundToMembership: old.boundToMembership,
        rotatedBy: rotator.subject,
        rotatedByBound: rotator.asMember,
      });
      const { rows } = await sql`
        UPDATE api_tokens SET revoked_at = now(), replaced_by = ${minted.token.id}
        WHERE id = ${old.id} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())
        RETURNING id`.execute(tx);
      // Another request revoked or rotated it, or it expired, since the caller read it: the transaction rolls the
      // new token back and the caller is told to retry, as for any concurrent change.
      if (rows.length === 0) {
        throw new StorageError(
          "Conflict",
          "It was changed concurrently; try again.",
          "api_tokens: the token was no longer live when its rotation committed",
        );
      }
      return minted;
    }),
  );
}

const earliest = (a: Date | null, b: Date | null): Date | null => (a && b ? (a < b ? a : b) : (a ?? b));

/** Platform-admin tokens that still work (unrevoked and unexpired). */
export function countLivePlatformTokens(db: Kysely<Database>): Promise<number> {
  return withStorageErrors(async () => {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM api_tokens
      WHERE role = 'platform-admin' AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`.execute(db);
    return Number(rows[0]?.n ?? 0);
  });
}
