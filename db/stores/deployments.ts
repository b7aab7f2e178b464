// Deployments: the records the mirror keeps (`deployments`, one per new pod template, with the outcome) and the
// requests the API made (`deployment_requests`, with the spec applied, for rollbacks).
import { type Kysely, sql } from "kysely";
import type { Database, Row } from "../schema.ts";
import { withStorageErrors } from "../with-storage-errors.ts";
import { liveTenantObject } from "./resources.ts";

export interface DeploymentView {
  id: string;
  app: string;
  namespace: string;
  image: string;
  /** Pending: requested through the API, not yet started by the operator. */
  outcome: "Pending" | "Progressing" | "Available" | "Failed" | "Superseded";
  requestedBy: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** A row of `deployments`, or of `deployment_requests` read as one whose outcome is Pending. */
type DeploymentRow = Pick<
  Row<"deployments">,
  "id" | "app" | "namespace" | "image" | "requested_by" | "created_at" | "finished_at"
> & { outcome: DeploymentView["outcome"] | null };
const toView = (r: DeploymentRow): DeploymentView => ({
  id: r.id,
  app: r.app,
  namespace: r.namespace,
  image: r.image,
  outcome: r.outcome ?? "Progressing",
  requestedBy: r.requested_by,
  createdAt: new Date(r.created_at).toISOString(),
  finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
});

export function recordRequest(
  db: Kysely<Database>,
  request: {
    id: string;
    tenant: string;
    namespace: string;
    app: string;
    spec: unknown;
    requestedBy: string;
    rollbackOf?: string;
  },
): Promise<void> {
  return withStorageErrors(async () => {
    await sql`
      INSERT INTO deployment_requests (id, tenant, namespace, app, spec, requested_by, rollback_of)
      VALUES (${request.id}, ${request.tenant}, ${request.namespace}, ${request.app}, ${JSON.stringify(request.spec)}::jsonb,
              ${request.requestedBy}, ${request.rollbackOf ?? null})`.execute(db);
  });
}

/** The spec a deployment applied, if the API requested it. */
export function requestedSpec(
  db: Kysely<Database>,
  key: { tenant: string; namespace: string; app: string; id: string },
): Promise<unknown | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<Pick<Row<"deployment_requests">, "spec">>`
      SELECT spec FROM deployment_requests
      WHERE id = ${key.id} AND tenant = ${key.tenant} AND namespace = ${key.namespace} AND app = ${key.app}`.execute(
      db,
    );
    return rows[0]?.spec;
  });
}

type DeploymentKey = { tenant: string; namespace: string; app: string; id: string };

/** The deployment's row: the mirror's record, else the API's request read as Pending (at most one row). */
const deploymentRow = (key: DeploymentKey) => sql<DeploymentRow>`
  SELECT id, app, namespace, image, outcome, requested_by, created_at, finished_at FROM deployments
  WHERE id = ${key.id} AND namespace = ${key.namespace} AND app = ${key.app} AND tenant = ${key.tenant}
  UNION ALL
  SELECT r.id, r.app, r.namespace, coalesce(r.spec->>'image', ''), 'Pending', r.requested_by, r.created_at, NULL
  FROM deployment_requests r
  WHERE r.id = ${key.id} AND r.namespace = ${key.namespace} AND r.app = ${key.app} AND r.tenant = ${key.tenant}
    AND NOT EXISTS (SELECT 1 FROM deployments d WHERE d.id = r.id)`;

/** One deployment of an App: the mirror's record, else an API request the operator has not started yet. */
export function getDeployment(db: Kysely<Database>, key: DeploymentKey): Promise<DeploymentView | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await deploymentRow(key).execute(db);
    return rows[0] ? toView(rows[0]) : undefined;
  });
}

/** A deployment and its App as one snapshot of the database; `app` is undefined when no live row holds the App. */
export interface DeploymentWithApp {
  deployment: DeploymentView;
  app: { spec: unknown; status: unknown } | undefined;
}

/**
 * getDeployment and the App's spec and status in one statement, so both come from one snapshot. The mirror records
 * a deployment's outcome in the transaction that writes its App's status (db/mirror.ts); two queries, even sent
 * together, can take their snapshots either side of that commit and pair a Failed outcome with the status from
 * before it (a follower was told "failed: RolloutInProgress" instead of RolloutAborted).
 */
export function getDeploymentWithApp(db: Kysely<Database>, key: DeploymentKey): Promise<DeploymentWithApp | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<DeploymentRow & { app_found: boolean; app_spec: unknown; app_status: unknown }>`
      SELECT d.*, a.uid IS NOT NULL AS app_found, a.spec AS app_spec, a.status AS app_status
      FROM (${deploymentRow(key)}) d
      LEFT JOIN LATERAL (
        SELECT uid, spec, status FROM resources
        WHERE ${liveTenantObject({ tenant: key.tenant, kind: "App", namespace: key.namespace, name: key.app })}
        LIMIT 1
      ) a ON true`.execute(db);
    const row = rows[0];
    if (!row) return undefined;
    return {
      deployment: toView(row),
      app: row.app_found ? { spec: row.app_spec, status: row.app_status } : undefined,
    };
  });
}

/** An App's deployments, newest first, after the cursor (created_at, id). */
export function listDeployments(
  db: Kysely<Database>,
  key: { tenant: string; namespace: string; app: string },
  options: { after?: [string, string]; limit: number },
): Promise<DeploymentView[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<DeploymentRow>`
      SELECT id, app, namespace, image, outcome, requested_by, created_at, finished_at FROM deployments
      WHERE namespace = ${key.namespace} AND app = ${key.app} AND tenant = ${key.tenant}
        ${options.after ? sql`AND (created_at, id) < (${options.after[0]}::timestamptz, ${options.after[1]})` : sql``}
      ORDER BY created_at DESC, id DESC LIMIT ${options.limit}`.execute(db);
    return rows.map(toView);
  });
}
