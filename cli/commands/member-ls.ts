import { call, session, tenantOf } from "../client/session.ts";
import type { memberLsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { age, printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof memberLsCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const members = await call(`Could not list the members of ${tenant}`, () =>
    client.all((cursor) => client.listMembers(tenant, cursor)),
  );
  const items = members.map((m) => ({ tenant, ...m }));
  if (command.json) {
    printJson(command.io, { tenant, items });
    return 0;
  }
  if (items.length === 0) {
    command.io.stdout.write(
      `${tenant} has no members. Add one with \`loco member add <subject> --role owner --tenant ${tenant}\`.\n`,
    );
    return 0;
  }
  command.io.stdout.write(
    table(
      ["subject", "role", "age"],
      items.map((m) => [m.subject, m.role, age(m.createdAt)]),
    ),
  );
  return 0;
}
