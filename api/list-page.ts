// One list handler's paging, written once: the page size capped by the server, the cursor decoded (and its parts
// checked, so that a forged cursor is the client's 400 and never reaches SQL), `limit + 1` rows fetched to learn
// whether another page exists, and the page's items shaped for the answer.
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import { listTenantResourceTexts, type ResourceText } from "../db/stores/resources.ts";
import { decodeCursor, type Page, pageOf, pageSize } from "./pagination.ts";
import { tenantNamespace } from "./tenant-namespaces.ts";

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface ListPageOptions<Row, Item> {
  maxPageSize: number;
  /** How many string parts a cursor of this list has, and (optionally) what each must look like. */
  cursor: { parts: number; shape?: RegExp[] };
  /** Rows after `after` (the last page's sort key), at most `limit`. */
  fetch(after: string[] | undefined, limit: number): Promise<Row[]>;
  /** The sort key of a row, which the next page's cursor carries. */
  keyOf(row: Row): string[];
  view(row: Row): Item;
}

export async function listPage<Row, Item>(
  request: PageRequest,
  options: ListPageOptions<Row, Item>,
): Promise<Page<Item>> {
  const limit = pageSize(request.limit, options.maxPageSize);
  const { parts, shape } = options.cursor;
  const after = decodeCursor(request.cursor, parts);
  if (after && shape && !shape.every((pattern, i) => pattern.test(after[i] ?? ""))) decodeCursor("invalid", parts);
  const rows = await options.fetch(after, limit + 1);
  const page = pageOf(rows, limit, options.keyOf);
  return { items: page.items.map(options.view), nextCursor: page.nextCursor };
}

/** A row answered as it was read. */
export const asIs = <T>(row: T): T => row;

/** Of an answer whose body is JSON text already (Fastify sends a string of a JSON type as it is). */
export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

export interface TenantResourceJsonPageOptions {
  tenant: string;
  /** The mirrored kind, such as App or Pipeline. */
  kind: string;
  /** Only the namespace of this profile; every profile when undefined. */
  profile: string | undefined;
  maxPageSize: number;
  /** One item's JSON text. */
  itemJson(row: ResourceText): string;
}

/**
 * A page of a tenant's mirrored objects of one kind, in (namespace, name) order — the list of Apps and of Pipelines —
 * as JSON text: its items are written around the mirrored spec and status without parsing them (api/resource-json.ts).
 */
export async function tenantResourceJsonPage(
  db: Kysely<Database>,
  request: PageRequest,
  options: TenantResourceJsonPageOptions,
): Promise<string> {
  const { tenant, kind, profile } = options;
  const page = await listPage(request, {
    maxPageSize: options.maxPageSize,
    cursor: { parts: 2 },
    fetch: (after, limit) =>
      listTenantResourceTexts(db, {
        tenant,
        kind,
        ...(profile ? { namespace: tenantNamespace(tenant, profile) } : {}),
        after: after as [string, string] | undefined,
        limit,
      }),
    keyOf: (row) => [row.namespace, row.name],
    view: options.itemJson,
  });
  return `{"items":[${page.items.join(",")}],"nextCursor":${JSON.stringify(page.nextCursor)}}`;
}
