// A tenant's audit log: every attempted mutation with who, what, when, the request id and the outcome. Listed
// page by page, or exported whole as JSON or CSV.
import { z } from "zod";
import { type AuditRecord, listAudit } from "../../db/stores/audit.ts";
import { listPage } from "../list-page.ts";
import { pageQuery } from "../pagination.ts";
import { defineRoute, type RouteDefinition } from "../route.ts";
import type { ApiServices } from "../server.ts";
import { pageOf as pageSchema, TenantName } from "./schemas.ts";

const AuditView = z.object({
  id: z.string(),
  occurredAt: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.string(),
  requestId: z.string(),
  details: z.record(z.string(), z.unknown()),
});

const view = ({ tenant: _, ...rest }: AuditRecord) => rest;

/** RFC 4180 field; a leading = + - @ is prefixed so spreadsheets do not run it as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const CSV_COLUMNS = ["id", "occurredAt", "actor", "action", "target", "outcome", "requestId", "details"] as const;

export function toCsv(records: AuditRecord[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of records) {
    const row = view(r);
    lines.push(
      CSV_COLUMNS.map((c) => csvField(c === "details" ? JSON.stringify(row.details) : String(row[c]))).join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}

const EXPORT_LIMIT = 100_000;

export function auditRoutes(services: ApiServices): RouteDefinition[] {
  const { db, config } = services;
  const Params = z.strictObject({ tenant: TenantName });
  return [
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/audit",
      operationId: "listAudit",
      summary: "List the tenant's audit log, newest first (admins and owners).",
      tag: "audit",
      auth: "required",
      params: Params,
      query: z.strictObject(pageQuery),
      responses: { 200: { description: "A page of audit entries.", schema: pageSchema(AuditView) } },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "audit", action: "read" });
        const body = await listPage(query, {
          maxPageSize: config.maxPageSize,
          cursor: { parts: 1, shape: [/^\d{1,18}$/] },
          fetch: (after, limit) => listAudit(db, params.tenant, { before: after?.[0], limit }),
          keyOf: (row) => [row.id],
          view,
        });
        return { body };
      },
    }),
    defineRoute({
      method: "GET",
      url: "/v1/tenants/:tenant/audit/export",
      operationId: "exportAudit",
      summary: `Export the tenant's audit log (newest ${EXPORT_LIMIT} entries) as JSON or CSV.`,
      tag: "audit",
      auth: "required",
      params: Params,
      query: z.strictObject({ format: z.enum(["json", "csv"]).default("json").describe("json or csv.") }),
      responses: {
        200: {
          description: "The audit log.",
          schema: z.array(AuditView),
          contentTypes: ["application/json", "text/csv"],
        },
      },
      handler: async ({ authorize, params, query }) => {
        await authorize({ tenant: params.tenant, resource: "audit", action: "read" });
        const records: AuditRecord[] = [];
        let before: string | undefined;
        while (records.length < EXPORT_LIMIT) {
          const batch = await listAudit(db, params.tenant, { before, limit: 5_000 });
          records.push(...batch);
          if (batch.length < 5_000) break;
          before = batch[batch.length - 1]?.id;
        }
        const filename = `loco-audit-${params.tenant}.${query.format}`;
        const headers = { "content-disposition": `attachment; filename="${filename}"` };
        return query.format === "csv"
          ? { headers, contentType: "text/csv; charset=utf-8", body: toCsv(records) }
          : { headers, contentType: "application/json", body: records.map(view) };
      },
    }),
  ];
}
