// Names and shapes shared by the routes.
import { z } from "zod";
import { dns1035Label, dnsLabel, tenantName } from "../../crds/common.ts";
import { ROLES } from "../auth/principal.ts";

/** A new tenant's name: the tenant-name rule (crds/common.ts), which keeps namespaces and default hostnames apart. */
export const NewTenantName = tenantName().describe(
  "Tenant name: lowercase letters and digits, without '-', at most 40.",
);
/**
 * An existing tenant in a path or body: also the names of tenants created before the tenant-name rule (which may
 * contain '-'), so that they keep working. ≤ 40 so that `<tenant>-<profile>` stays a valid namespace name (≤ 63).
 */
export const TenantName = dnsLabel(40).describe("Tenant name: lowercase letters and digits (older tenants: also '-').");
/** ≤ 22: see TenantName. */
export const ProfileName = dnsLabel(22).describe("Profile name, such as dev or prod.");
export const AppName = dns1035Label(63).describe("App name: a DNS-1035 label.");
export const Subject = z.string().min(1).max(255).describe("OIDC subject of a user or client.");
export const RoleSchema = z.enum(ROLES).describe("Role in the tenant: viewer < developer < admin < owner.");

export const TenantParams = z.strictObject({ tenant: TenantName });

export const Condition = z.looseObject({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
});

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last page."),
  });

/** One event of an App's or a Run's timeline. */
export const TimelineEntry = z.object({
  id: z.string(),
  occurredAt: z.string(),
  type: z.string(),
  reason: z.string(),
  message: z.string(),
  actor: z.string().nullable(),
});
