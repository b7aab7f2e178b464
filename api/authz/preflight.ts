// The one preflight every authenticated handler runs: does the tenant exist for this caller, and may the caller's
// role act on the resource? A tenant the caller cannot see answers exactly like one that does not exist.
import type { Kysely } from "kysely";
import type { Database } from "../../db/schema.ts";
import { atLeast, type Principal, type Role } from "../auth/principal.ts";
import { ApiError, notFound } from "../errors.ts";
import type { AuthorizeFn } from "../route.ts";
import { getTenantRole } from "../store/tenants.ts";
import { type Action, minimumRole } from "./permissions.ts";

export interface Access {
  principal: Principal;
  /** The tenant acted in (tenant checks only). */
  tenant?: string;
  /** The caller's role there, or platform-admin. */
  role: Role | "platform-admin";
}

const verbs: Record<Action, string> = { read: "read", write: "change", delete: "delete" };

/**
 * The caller's role in a tenant, or undefined when the tenant does not exist or is not theirs to see. One query at
 * most: a tenant token acting in its own tenant needs none, because authenticating it (this same request) found
 * its tenant live and its minter's membership.
 */
async function roleIn(db: Kysely<Database>, principal: Principal, tenant: string): Promise<Access["role"] | undefined> {
  // A Run's credential: the route and App were checked against its scope before the handler (authz/run-scope.ts);
  // within that it acts as a developer would.
  if (principal.run) return principal.run.tenant === tenant ? "developer" : undefined;
  if (principal.token && principal.token.role !== "platform-admin") {
    return principal.token.tenant === tenant ? principal.token.role : undefined;
  }
  const found = await getTenantRole(db, tenant, principal.subject);
  if (!found) return undefined;
  if (principal.platformAdmin) return "platform-admin";
  return found.role ?? undefined;
}

export function createAuthorize(db: Kysely<Database>): AuthorizeFn {
  return async (principal, check) => {
    if ("platform" in check) {
      if (check.platform === "read") return { principal, role: principal.platformAdmin ? "platform-admin" : "viewer" };
      if (!principal.platformAdmin) {
        throw new ApiError("Forbidden", "Only platform admins can do this. Ask a platform admin to do it for you.");
      }
      return { principal, role: "platform-admin" };
    }
    const { tenant, resource, action } = check;
    if (principal.run && (principal.run.tenant !== tenant || resource !== "apps" || action === "delete")) {
      throw new ApiError("Forbidden", `Run ${principal.run.name}'s credential can only read and deploy Apps it lists.`);
    }
    const role = await roleIn(db, principal, tenant);
    if (!role) throw notFound("Tenant", tenant);
    const needed = minimumRole[resource][action];
    if (role !== "platform-admin" && !atLeast(role, needed)) {
      throw new ApiError(
        "Forbidden",
        `Your role in tenant "${tenant}" is ${role}, which cannot ${verbs[action]} ${resource}; that needs ${needed} or higher. Ask an owner of the tenant.`,
      );
    }
    return { principal, tenant, role };
  };
}
