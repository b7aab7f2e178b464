// The bootstrap token: the platform-admin API token loco-api mints on a first start (api/bootstrap.ts). It has no
// tenant and is known by its minter, so that the API and loco-db (which works with the API down) revoke the same row.
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.ts";
import { withStorageErrors } from "./with-storage-errors.ts";

/** The `created_by` of every bootstrap token. */
export const BOOTSTRAP_MINTER = "loco-api-bootstrap";

/** The audit row written with a revocation that no API request records for itself. */
export interface BootstrapRevocationAudit {
  actor: string;
  reason: string;
  requestId: string | null;
}

/**
 * Revokes every live (unrevoked, unexpired) bootstrap token, with one audit row each when `audit` is given, in one
 * transaction; returns the ids it revoked (none when there was nothing live to revoke).
 */
export function revokeBootstrapTokens(db: Kysely<Database>, audit?: BootstrapRevocationAudit): Promise<string[]> {
  return withStorageErrors(() =>
    db.transaction().execute(async (tx) => {
      const { rows } = await sql<{ id: string }>`
        UPDATE api_tokens SET revoked_at = now()
        WHERE tenant IS NULL AND created_by = ${BOOTSTRAP_MINTER} AND revoked_at IS NULL
          AND (expires_at IS NULL OR expires_at > now())
        RETURNING id`.execute(tx);
      if (audit) {
        for (const { id } of rows) {
          await sql`
            INSERT INTO audit_log (tenant, actor, action, target, outcome, request_id, details)
            VALUES (NULL, ${audit.actor}, 'tokens.revokeBootstrap', ${`ApiToken/${id}`}, 'succeeded',
                    ${audit.requestId}, ${JSON.stringify({ reason: audit.reason })}::jsonb)`.execute(tx);
        }
      }
      return rows.map((row) => row.id);
    }),
  );
}
