import type { CommandContext } from "../context.ts";
import { printJson } from "../output.ts";
import { call, session, tenantOf } from "../session.ts";

export async function run(command: CommandContext): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const id = command.args.id!;
  await call(`Could not revoke API token ${id}`, () => client.revokeToken(tenant, id));
  if (command.json) printJson(command.io, { id, revoked: true });
  else command.io.stdout.write(`Revoked API token ${id}.\n`);
  return 0;
}
