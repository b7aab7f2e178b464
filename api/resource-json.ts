// An App's or Pipeline's view (api/routes/apps.ts, api/pipelines/pipeline-view.ts) as JSON text, written around the
// spec and status JSON that the database returns as text: a list page of 500 Apps no longer parses and re-serialises
// half a megabyte of objects that it passes on unchanged.
import type { ResourceText } from "../db/stores/resources.ts";
import { type LostKind, readinessOf } from "./lost-object.ts";

/**
 * `{name, tenant, profile, namespace, uid, generation, ready, reason, message, lost, spec, status}` — what
 * JSON.stringify of the parsed view would give for `row`.
 */
export function resourceViewJson(
  kind: LostKind,
  tenant: string,
  profile: string,
  row: ResourceText,
  lost: boolean | null,
): string {
  const { name, namespace, uid, generation } = row;
  const readiness = readinessOf(kind, name, row.ready ? [row.ready] : undefined, lost);
  const scalars = JSON.stringify({ name, tenant, profile, namespace, uid, generation, ...readiness, lost });
  return `${scalars.slice(0, -1)},"spec":${objectJson(row.specJson)},"status":${objectJson(row.statusJson)}}`;
}

/** A column's JSON text when it holds an object; `{}` for SQL or JSON null (as the parsed view's `?? {}`). */
function objectJson(text: string | null): string {
  return text?.startsWith("{") ? text : "{}";
}
