// The list pages' JSON text against the views they replace: for every shape of mirrored row, parsing the text gives
// exactly what the parsed view (appView, pipelineView) gives, on the same rows read both ways from the database.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectDatabase, type DatabaseHandle } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { listTenantResources, listTenantResourceTexts } from "../db/stores/resources.ts";
import { listPage, tenantResourceJsonPage } from "./list-page.ts";
import { pipelineView } from "./pipelines/pipeline-view.ts";
import { profileOf } from "./profile-of.ts";
import { resourceViewJson } from "./resource-json.ts";
import { appViewJson, fromRow } from "./routes/apps.ts";

let handle: DatabaseHandle;

const condition = (type: string, status: string, extra: Record<string, unknown> = {}) => ({
  type,
  status,
  reason: `${type}Reason`,
  message: `${type} says "${status}" — with quotes, a newline\nand unicode ✓`,
  lastTransitionTime: "2026-12-06T10:00:00Z",
  ...extra,
});

/** name → [spec, status] as they may be mirrored: SQL NULL as null, JSON null as "null". */
const rows: Record<string, [unknown, unknown]> = {
  ready: [
    { profile: "dev", image: "nginx:1", env: [{ name: "A", value: "x" }] },
    { conditions: [condition("ProfileResolved", "True"), condition("Ready", "True")], url: "https://a.example.com" },
  ],
  failing: [
    { profile: "dev", image: "nginx:1" },
    { conditions: [condition("Ready", "False")], observedGeneration: 2 },
  ],
  "no-ready": [{ profile: "dev" }, { conditions: [condition("ProfileResolved", "True")] }],
  "two-ready": [{ profile: "dev" }, { conditions: [condition("Ready", "Unknown"), condition("Ready", "True")] }],
  "odd-status": [{ profile: "dev" }, { conditions: [{ type: "Ready", status: "Maybe" }] }],
  "no-conditions": [{ profile: "dev" }, { replicas: 0 }],
  "sql-null": [null, null],
  "json-null": ["null", "null"],
  "no-profile": [{ image: "nginx:1" }, {}],
  "number-profile": [{ profile: 7 }, {}],
};

beforeAll(async () => {
  handle = await connectDatabase("pglite:memory");
  await migrateToLatest(handle.db);
  const json = (value: unknown) =>
    value === null ? sql`NULL` : sql`${typeof value === "string" ? value : JSON.stringify(value)}::jsonb`;
  for (const [index, [name, [spec, status]]] of Object.entries(rows).entries()) {
    for (const [kind, namespace] of [
      ["App", "acme-dev"],
      ["Pipeline", "acme-prod"],
    ] as const) {
      await sql`INSERT INTO resources (uid, kind, namespace, name, tenant, generation, resource_version, spec, status,
          created_at, cluster_uid)
        VALUES (gen_random_uuid(), ${kind}, ${namespace}, ${name}, 'acme', ${index + 1}, '1', ${json(spec)},
          ${json(status)}, now(), ${index % 2 === 0 ? "cluster-a" : null})`.execute(handle.db);
    }
  }
  // Another tenant's row, and a deleted one: neither may show.
  await sql`INSERT INTO resources (uid, kind, namespace, name, tenant, resource_version, spec, created_at)
    VALUES (gen_random_uuid(), 'App', 'other-dev', 'theirs', 'other', '1', '{}', now())`.execute(handle.db);
  await sql`INSERT INTO resources (uid, kind, namespace, name, tenant, resource_version, spec, created_at, deleted_at)
    VALUES (gen_random_uuid(), 'App', 'acme-dev', 'deleted', 'acme', '1', '{}', now(), now())`.execute(handle.db);
}, 60_000);
afterAll(() => handle.close());

describe("a list page's JSON text", () => {
  const lostCases = [false, true, null] as const;
  // true: the rows of a recorded cluster are lost (half of them), the others not.
  const lostOf = (mode: (typeof lostCases)[number]) => (row: { clusterUid: string | null }) =>
    mode === true ? row.clusterUid !== null : mode;

  it.each(lostCases)("of Apps parses to exactly the parsed views (lost %s)", async (mode) => {
    const lost = lostOf(mode);
    const records = await listTenantResources(handle.db, { tenant: "acme", kind: "App", limit: 100 });
    const texts = await listTenantResourceTexts(handle.db, { tenant: "acme", kind: "App", limit: 100 });
    expect(texts.map((t) => t.name)).toEqual(records.map((r) => r.name));
    expect(texts).toHaveLength(Object.keys(rows).length);
    for (const [i, text] of texts.entries()) {
      const parsed = JSON.parse(appViewJson("acme", text, lost(text)));
      const record = records[i]!;
      const view = fromRow("acme", record, lost(record));
      // The one documented difference: a non-string profile is not a profile (the CRD allows only strings).
      if (record.name === "number-profile") {
        expect(parsed.profile).toBe("");
        parsed.profile = view.profile;
      }
      expect(parsed).toStrictEqual(JSON.parse(JSON.stringify(view)));
    }
  });

  it.each(lostCases)("of Pipelines parses to exactly the parsed views (lost %s)", async (mode) => {
    const lost = lostOf(mode);
    const records = await listTenantResources(handle.db, { tenant: "acme", kind: "Pipeline", limit: 100 });
    const texts = await listTenantResourceTexts(handle.db, { tenant: "acme", kind: "Pipeline", limit: 100 });
    expect(texts).toHaveLength(records.length);
    for (const [i, text] of texts.entries()) {
      const record = records[i]!;
      const profile = profileOf("acme", record.namespace);
      const json = resourceViewJson("Pipeline", "acme", profile, text, lost(text));
      const view = pipelineView("acme", profile, record.namespace, record.name, record, lost(record));
      expect(JSON.parse(json)).toStrictEqual(JSON.parse(JSON.stringify(view)));
    }
  });

  it("pages as the parsed list did: the same items and cursors, page after page", async () => {
    const options = { tenant: "acme", kind: "App", profile: undefined, maxPageSize: 500 };
    const parsedPages: unknown[] = [];
    const textPages: unknown[] = [];
    for (let cursor: string | undefined, more = true; more; ) {
      const page = await listPage(
        { limit: 3, cursor },
        {
          maxPageSize: 500,
          cursor: { parts: 2 },
          fetch: (after, limit) =>
            listTenantResources(handle.db, { ...options, after: after as [string, string] | undefined, limit }),
          keyOf: (row) => [row.namespace, row.name],
          view: (row) => fromRow("acme", row, false),
        },
      );
      parsedPages.push(JSON.parse(JSON.stringify(page)));
      const text = JSON.parse(
        await tenantResourceJsonPage(
          handle.db,
          { limit: 3, cursor },
          { ...options, itemJson: (row) => appViewJson("acme", row, false) },
        ),
      );
      text.items = text.items.map((item: { name: string; profile: string }) =>
        item.name === "number-profile" ? { ...item, profile: "7" } : item,
      );
      textPages.push(text);
      cursor = page.nextCursor ?? undefined;
      more = cursor !== undefined;
    }
    expect(parsedPages.length).toBe(Math.ceil(Object.keys(rows).length / 3));
    expect(textPages).toStrictEqual(parsedPages);
  });
});
