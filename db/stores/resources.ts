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

/** A page of a tenant's live objects of one kind, by (namespace, name) after `after`. */
export function listTenantResources(
  db: Kysely<Database>,
  options: { tenant: string; kind: string; namespace?: string; after?: [string, string]; limit: number },
): Promise<ResourceRecord[]> {
  return withStorageErrors(async () => {
    const { rows } = await sql<ResourceRow>`
      SELECT ${columns} FROM resources
      WHERE deleted_at IS NULL AND tenant = ${options.tenant} AND kind = ${options.kind}
        ${options.namespace !== undefined ? sql`AND namespace = ${options.namespace}` : sql``}
        ${options.after ? sql`AND (namespace, name) > (${options.after[0]}, ${options.after[1]})` : sql``}
      ORDER BY namespace, name LIMIT ${options.limit}`.execute(db);
    return rows.map(resourceRecordOf);
  });
}

export function getTenantResource(
  db: Kysely<Database>,
  key: { tenant: string; kind: string; namespace: string; name: string },
): Promise<ResourceRecord | undefined> {
  return withStorageErrors(async () => {
    const { rows } = await sql<ResourceRow>`
      SELECT ${columns} FROM resources
      WHERE deleted_at IS NULL AND tenant = ${key.tenant} AND kind = ${key.kind} AND namespace = ${key.namespace}
        AND name = ${key.name}`.execute(db);
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
