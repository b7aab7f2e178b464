import { call, session } from "../client/session.ts";
import type { tenantCreateCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { describeTenant } from "./tenant-show.ts";

export async function run(command: ContextOf<typeof tenantCreateCommand>): Promise<number> {
  const { context, client } = session(command);
  const name = command.args.name;
  const owner = command.flags.owner;
  const displayName = command.flags["display-name"];
  const tenant = await call(`Could not create tenant ${name}`, () =>
    client.createTenant({
      name,
      ...(owner !== undefined ? { owner } : {}),
      ...(displayName !== undefined ? { displayName } : {}),
    }),
  );
  if (command.json) {
    printJson(command.io, tenant);
    return 0;
  }
  command.io.stdout.write(`Created tenant ${tenant.name}${owner ? ` with owner ${owner}` : ""}.\n`);
  command.io.stdout.write(describeTenant(tenant));
  command.io.stdout.write(
    owner
      ? `Next: ${owner} logs in with \`loco login ${context.server} --tenant ${tenant.name}\` and adds the team with \`loco member add <subject> --role developer --tenant ${tenant.name}\`.\n`
      : `It has no members yet: add an owner with \`loco member add <subject> --role owner --tenant ${tenant.name}\`.\n`,
  );
  return 0;
}
