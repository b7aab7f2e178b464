// Tenants created before the tenant-name rule (crds/common.ts) may contain '-', which makes their namespaces and
// default hostnames ambiguous with other tenants'. Kubernetes cannot rename a namespace, so they stay as they are and
// keep working: the API never writes a namespace labelled for another tenant, and the operator derives no default
// hostname for them (their Apps name their hostnames in spec.routes). This finds them at start-up, for the platform.
import type { Kysely } from "kysely";
import { followsTenantNameRule } from "../crds/common.ts";
import type { Database } from "../db/schema.ts";
import type { Logger } from "../kube/logger.ts";
import { listTenantNames } from "./store/tenants.ts";

export async function reportLegacyTenants(db: Kysely<Database>, log: Logger): Promise<string[]> {
  const legacy = (await listTenantNames(db)).filter((name) => !followsTenantNameRule(name));
  if (legacy.length > 0) {
    log.warn(
      { tenants: legacy, count: legacy.length },
      "Found tenants named before the tenant-name rule: their Apps get no default hostname (docs/concepts.md)",
    );
  }
  return legacy;
}
