// An App's timeline from the mirror's `events` table, newest first. (db/timeline.ts derives the events the mirror
// writes; this file reads them back for the API.)
import { type Kysely, sql } from "kysely";
import type { Database, Row } from "../schema.ts";
import { withStorageErrors } from "../with-storage-errors.ts";

export interface TimelineEntry {
  id: string;
  occurredAt: string;
  type: string;
  reason: string;
  message: string;
  actor: string | null;
}

/**
 * A row of `events` as a timeline selects it: `id` as text, which both drivers return alike. (So the ORDER BY names
 * the table's column: a bare `id` there is the text output column, which sorts "10" before "9".)
 */
export type TimelineRow = Pick<Row<"events">, "occurred_at" | "type" | "reason" | "message" | "actor"> & { id: string };

export function listTimeline(
  db: Kysely<Database>,
  key: { tenant: string; namespace: string; app: string; before?: string; limit: number },
): Promise<TimelineEntry[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<TimelineRow>`
      SELECT id::text, occurred_at, type, reason, message, actor FROM events
      WHERE tenant = ${key.tenant} AND namespace = ${key.namespace} AND kind = 'App' AND name = ${key.app}
        ${key.before ? sql`AND id < ${key.before}::bigint` : sql``}
      ORDER BY events.id DESC LIMIT ${key.limit}`.execute(db);
    return rows.map((r) => ({
      id: r.id,
      occurredAt: new Date(r.occurred_at).toISOString(),
      type: r.type,
      reason: r.reason,
      message: r.message,
      actor: r.actor,
    }));
  });
}
