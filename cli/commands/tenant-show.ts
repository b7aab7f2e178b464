import type { TenantDetail } from "../client/api-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { tenantShowCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof tenantShowCommand>): Promise<number> {
  const { context, client } = session(command);
  const name = command.args.name ?? tenantOf(command, context);
  const tenant = await call(`Could not read tenant ${name}`, () => client.getTenant(name));
  if (command.json) {
    printJson(command.io, tenant);
    return 0;
  }
  command.io.stdout.write(
    `Tenant:    ${tenant.name}${tenant.displayName ? ` (${tenant.displayName})` : ""}\nYour role: ${tenant.role ?? "none"}\nCreated:   ${tenant.createdAt}\n`,
  );
  command.io.stdout.write(describeTenant(tenant));
  return 0;
}

/** A tenant's namespaces as a table, or a sentence when it has none yet. */
export function describeTenant(tenant: Pick<TenantDetail, "namespaces">): string {
  if (tenant.namespaces.length === 0) {
    return "No namespaces yet: there is no Profile. Each Profile a platform admin adds gives the tenant a namespace on its first deploy there.\n";
  }
  return table(
    ["profile", "namespace"],
    tenant.namespaces.map((n) => [n.profile, n.namespace]),
  );
}
