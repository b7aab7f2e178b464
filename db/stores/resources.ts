// Reads of the state mirror (`resources`): lists and gets are served from here, by index, never by listing the
// cluster. Rows of a tenant are found by their `tenant` column, which the mirror fills from the namespace label.
import { type Kysely, sql } from "kysely";
import type { Database, Row } from "../schema.ts";
import { withStorageErrors } from "../with-storage-errors.ts";

export interface ResourceRecord {
  uid: string;
  kind: string;
  namespace: string;
  name: string;
  tenant: string | null;
  generation: number;
  resourceVersion: string;
  labels: Record<string, string>;
  spec: unknown;
  status: unknown;
  createdAt: string;
  updatedAt: string;
  /**
   * The cluster (kube-system uid) the row was mirrored from; null for rows written before the mirror recorded it.
   * A live row of another cluster than the current one is lost: its object is not in the cluster the API talks to.
   */
  clusterUid: string | null;
}

/** A row of `resources` as the reads select it: `generation` as text, which both drivers return alike. */
export type ResourceRow = Pick<
  Row<"resources">,
  | "uid"
  | "kind"
  | "namespace"
  | "name"
  | "tenant"
  | "resource_version"
  | "labels"
  | "spec"
  | "status"
  | "created_at"
  | "updated_at"
  | "cluster_uid"
> & { generation: string };

export const resourceRecordOf = (r: ResourceRow): ResourceRecord => ({
  uid: r.uid,
  kind: r.kind,
  namespace: r.namespace,
  name: r.name,
  tenant: r.tenant,
  generation: Number(r.generation),
  resourceVersion: r.resource_version,
  labels: r.labels,
  spec: r.spec,
  status: r.status,
  createdAt: new Date(r.created_at).toISOString(),
  updatedAt: new Date(r.updated_at).toISOString(),
  clusterUid: r.cluster_uid,
});

const columns = sql`uid::text, kind, namespace, name, tenant, generation::text, resource_version, labels, spec, status,
  created_at, updated_at, cluster_uid`;

interface TenantPageQuery {
  tenant: string;
  kind: string;
  namespace?: string;
  after?: [string, string];
  limit: number;
}

/** The WHERE, ORDER BY and LIMIT of a page of a tenant's live objects of one kind. */
const tenantPage = (options: TenantPageQuery) => sql`
  WHERE deleted_at IS NULL AND tenant = ${options.tenant} AND kind = ${options.kind}
    ${options.namespace !== undefined ? sql`AND namespace = ${options.namespace}` : sql``}
    ${options.after ? sql`AND (namespace, name) > (${options.after[0]}, ${options.after[1]})` : sql``}
  ORDER BY namespace, name LIMIT ${options.limit}`;

/** A page of a tenant's live objects of one kind, by (namespace, name) after `after`. */
export function listTenantResources(db: Kysely<Database>, options: TenantPageQuery): Promise<ResourceRecord[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<ResourceRow>`
      SELECT ${columns} FROM resources ${tenantPage(options)}`.execute(db);
    return rows.map(resourceRecordOf);
  });
}

/**
 * A row for an answer that shows spec and status as they were mirrored: both as JSON text, never parsed (parsing and
 * re-serialising them was most of a list page's time), with the Ready condition taken out by the database. The
 * texts and the condition come from columns Postgres keeps beside the jsonb ones (migration 0015), so a read
 * neither converts jsonb to text nor walks the conditions.
 */
export interface ResourceText {
  uid: string;
  namespace: string;
  name: string;
  generation: number;
  clusterUid: string | null;
  /** `spec.profile`, when a string (Apps name their Profile there). */
  specProfile: string | null;
  /** The first status condition of type Ready. */
  ready: { type: string; status: string; reason?: string; message?: string } | null;
  /** JSON text of spec and of status; null when the column is. */
  specJson: string | null;
  statusJson: string | null;
}

type ResourceTextRow = {
  uid: string;
  namespace: string;
  name: string;
  generation: string;
  cluster_uid: string | null;
  /** jsonb, parsed by the driver: a string, or whatever else a malformed spec holds there. */
  spec_profile: unknown;
  ready: ResourceText["ready"];
  spec_json: string | null;
  status_json: string | null;
};

/** listTenantResources' page, as ResourceText: the same rows, order and cursor. */
export function listTenantResourceTexts(db: Kysely<Database>, options: TenantPageQuery): Promise<ResourceText[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<ResourceTextRow>`
      SELECT uid::text, namespace, name, generation::text, cluster_uid,
        spec->'profile' AS spec_profile,
        ready_condition AS ready, spec_json::text AS spec_json, status_json::text AS status_json
      FROM resources ${tenantPage(options)}`.execute(db);
    return rows.map((r) => ({
      uid: r.uid,
      namespace: r.namespace,
      name: r.name,
      generation: Number(r.generation),
      clusterUid: r.cluster_uid,
      // Checked here rather than in SQL (CASE on jsonb_typeof): the second look into each row's jsonb cost about
      // a tenth of the query's time for 10,000 rows.
      specProfile: typeof r.spec_profile === "string" ? r.spec_profile : null,
      ready: r.ready && typeof r.ready === "object" ? r.ready : null,
      specJson: r.spec_json,
      statusJson: r.status_json,
    }));
  });
}

/** A tenant's one live object of a kind, by namespace and name: the condition on `resources`' rows. */
export const liveTenantObject = (key: TenantObjectKey) =>
  sql`deleted_at IS NULL AND tenant = ${key.tenant} AND kind = ${key.kind} AND namespace = ${key.namespace}
    AND name = ${key.name}`;

export interface TenantObjectKey {
  tenant: string;
  kind: string;
  namespace: string;
  name: string;
}

export function getTenantResource(db: Kysely<Database>, key: TenantObjectKey): Promise<ResourceRecord | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<ResourceRow>`
      SELECT ${columns} FROM resources WHERE ${liveTenantObject(key)}`.execute(db);
    return rows[0] ? resourceRecordOf(rows[0]) : undefined;
  });
}

/** Cluster-scoped objects of a kind (Profiles), by name after `after`. */
export function listClusterResources(
  db: Kysely<Database>,
  options: { kind: string; after?: string; limit: number },
): Promise<ResourceRecord[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<ResourceRow>`
      SELECT ${columns} FROM resources
      WHERE deleted_at IS NULL AND kind = ${options.kind} AND namespace = ''
        ${options.after ? sql`AND name > ${options.after}` : sql``}
      ORDER BY name LIMIT ${options.limit}`.execute(db);
    return rows.map(resourceRecordOf);
  });
}

/**
 * Every live cluster-scoped resource of a kind, read by name in pages of `pageSize`: a check that must see all
 * Profiles (their shared domains, their namespaces) is not cut short at a page, however many there are.
 */
export async function listAllClusterResources(
  db: Kysely<Database>,
  kind: string,
  pageSize = 1000,
): Promise<ResourceRecord[]> {
  const all: ResourceRecord[] = [];
  for (;;) {
    const after = all.at(-1)?.name;
    const page = await listClusterResources(db, { kind, limit: pageSize, ...(after ? { after } : {}) });
    all.push(...page);
    if (page.length < pageSize) return all;
  }
}

export function getClusterResource(
  db: Kysely<Database>,
  kind: string,
  name: string,
): Promise<ResourceRecord | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<ResourceRow>`
      SELECT ${columns} FROM resources
      WHERE deleted_at IS NULL AND kind = ${kind} AND namespace = '' AND name = ${name}`.execute(db);
    return rows[0] ? resourceRecordOf(rows[0]) : undefined;
  });
}
