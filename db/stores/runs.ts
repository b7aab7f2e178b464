// Runs of a tenant from the state mirror: a filtered page, newest first, and a Run's timeline (oldest first).
// The phase is computed in SQL from the Succeeded condition, the same way the API's runView() (api/routes/runs.ts)
// computes it, so that filters and pagination agree with what each item says.
import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.ts";
import { withStorageErrors } from "../with-storage-errors.ts";
import type { TimelineRow } from "./app-timeline.ts";
import { type ResourceRecord, type ResourceRow, resourceRecordOf } from "./resources.ts";

export const RUN_PHASES = ["Pending", "Queued", "Running", "Succeeded", "Failed"] as const;
export type RunPhase = (typeof RUN_PHASES)[number];

export interface RunFilter {
  tenant: string;
  namespace?: string;
  pipeline?: string;
  phases?: readonly RunPhase[];
  /** Only Runs created at or after this time. */
  since?: Date;
  /** The last item of the previous page: [createdAt (ISO), namespace, name]. */
  after?: [string, string, string];
  limit: number;
}

const phaseSql = sql`(
  CASE
    WHEN succeeded->>'status' = 'True' THEN 'Succeeded'
    WHEN succeeded->>'status' = 'False' THEN 'Failed'
    WHEN succeeded->>'reason' = 'Queued' THEN 'Queued'
    WHEN r.status ? 'startTime' THEN 'Running'
    ELSE 'Pending'
  END)`;

/** A page of Runs, newest first (by creation time, then namespace and name). */
export function listRuns(db: Kysely<Database>, filter: RunFilter): Promise<ResourceRecord[]> {
  return withStorageErrors(async () => {
    const after = filter.after;
    const { rows } = await sql<ResourceRow>`
      SELECT r.uid::text, r.kind, r.namespace, r.name, r.tenant, r.generation::text, r.resource_version, r.labels,
        r.spec, r.status, r.created_at, r.updated_at, r.cluster_uid
      FROM resources r
      LEFT JOIN LATERAL (
        SELECT c AS succeeded FROM jsonb_array_elements(
          CASE WHEN jsonb_typeof(r.status->'conditions') = 'array' THEN r.status->'conditions' ELSE '[]'::jsonb END
        ) c WHERE c->>'type' = 'Succeeded' LIMIT 1
      ) s ON true
      WHERE r.deleted_at IS NULL AND r.tenant = ${filter.tenant} AND r.kind = 'Run'
        ${filter.namespace !== undefined ? sql`AND r.namespace = ${filter.namespace}` : sql``}
        ${filter.pipeline !== undefined ? sql`AND r.spec->'pipelineRef'->>'name' = ${filter.pipeline}` : sql``}
        ${filter.phases?.length ? sql`AND ${phaseSql} IN (${sql.join([...filter.phases])})` : sql``}
        ${filter.since ? sql`AND r.created_at >= ${filter.since.toISOString()}::timestamptz` : sql``}
        ${
          after
            ? sql`AND (r.created_at < ${after[0]}::timestamptz
                OR (r.created_at = ${after[0]}::timestamptz AND (r.namespace, r.name) > (${after[1]}, ${after[2]})))`
            : sql``
        }
      ORDER BY r.created_at DESC, r.namespace, r.name LIMIT ${filter.limit}`.execute(db);
    return rows.map(resourceRecordOf);
  });
}

export interface RunTimelineEntry {
  id: string;
  /** The exact sort key (Postgres keeps microseconds), for the cursor. */
  key: [string, string];
  occurredAt: string;
  type: string;
  reason: string;
  message: string;
  actor: string | null;
}

/** What happened to a Run, oldest first: its condition changes, its tasks' transitions, Kubernetes events. */
export function listRunTimeline(
  db: Kysely<Database>,
  key: { tenant: string; namespace: string; run: string; after?: [string, string]; limit: number },
): Promise<RunTimelineEntry[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<TimelineRow & { occurred_key: string }>`
      SELECT id::text, occurred_at, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_key, type, reason, message, actor FROM events
      WHERE tenant = ${key.tenant} AND namespace = ${key.namespace} AND kind = 'Run' AND name = ${key.run}
        ${key.after ? sql`AND (occurred_at, id) > (${key.after[0]}::timestamptz, ${key.after[1]}::bigint)` : sql``}
      ORDER BY occurred_at, events.id LIMIT ${key.limit}`.execute(db);
    return rows.map((r) => ({
      id: r.id,
      key: [r.occurred_key, r.id],
      occurredAt: new Date(r.occurred_at).toISOString(),
      type: r.type,
      reason: r.reason,
      message: r.message,
      actor: r.actor,
    }));
  });
}
