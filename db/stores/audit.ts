// The audit log: one row per attempted mutation, with who, what, when, the request id and the outcome.
import { type Kysely, sql } from "kysely";
import type { Database, Row } from "../schema.ts";
import { withStorageErrors } from "../with-storage-errors.ts";

export interface AuditEntry {
  tenant: string | null;
  actor: string;
  action: string;
  target: string;
  outcome: string;
  requestId: string;
  details: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  occurredAt: string;
}

export function writeAudit(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
  return withStorageErrors(async () => {
    await sql`
      INSERT INTO audit_log (tenant, actor, action, target, outcome, request_id, details)
      VALUES (${entry.tenant}, ${entry.actor}, ${entry.action}, ${entry.target}, ${entry.outcome}, ${entry.requestId},
              ${JSON.stringify(entry.details)}::jsonb)`.execute(db);
  });
}

/** A row of `audit_log` as listAudit selects it: `id` as text, which both drivers return alike. */
type AuditRow = Omit<Row<"audit_log">, "id"> & { id: string };

/** Newest first; `before` is the id of the last row of the previous page. */
export function listAudit(
  db: Kysely<Database>,
  tenant: string,
  options: { before?: string; limit: number },
): Promise<AuditRecord[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<AuditRow>`
      SELECT id::text, tenant, actor, action, target, outcome, request_id, details, occurred_at FROM audit_log
      WHERE tenant = ${tenant} ${options.before ? sql`AND id < ${options.before}::bigint` : sql``}
      ORDER BY audit_log.id DESC LIMIT ${options.limit}`.execute(db);
    return rows.map((r) => ({
      id: r.id,
      tenant: r.tenant,
      actor: r.actor,
      action: r.action,
      target: r.target,
      outcome: r.outcome,
      requestId: r.request_id ?? "",
      details: r.details,
      occurredAt: new Date(r.occurred_at).toISOString(),
    }));
  });
}
