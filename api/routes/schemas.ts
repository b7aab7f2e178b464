// Names and shapes shared by the routes.
import { z } from "zod";
import { dns1035Label, dnsLabel } from "../../crds/common.ts";
import { ROLES } from "../auth/principal.ts";

/** ≤ 40 so that `<tenant>-<profile>` stays a valid namespace name (≤ 63). */
export const TenantName = dnsLabel(40).describe("Tenant name: lowercase letters, digits and '-', at most 40.");
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
