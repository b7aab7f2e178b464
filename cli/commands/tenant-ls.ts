import { call, session } from "../client/session.ts";
import type { tenantLsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { age, printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof tenantLsCommand>): Promise<number> {
  const { client } = session(command);
  const items = await call("Could not list tenants", () => client.all((cursor) => client.listTenants(cursor)));
  if (command.json) {
    printJson(command.io, { items });
    return 0;
  }
  if (items.length === 0) {
    command.io.stdout.write(
      "You belong to no tenant. A platform admin creates one with `loco tenant create <name> --owner <subject>`, or a tenant's owner adds you with `loco member add`.\n",
    );
    return 0;
  }
  command.io.stdout.write(
    table(
      ["name", "display name", "your role", "age"],
      items.map((t) => [t.name, t.displayName || "-", t.role ?? "-", age(t.createdAt)]),
    ),
  );
  return 0;
}
