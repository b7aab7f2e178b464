import { call, session, tenantOf } from "../client/session.ts";
import type { tokenCreateCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

export async function run(command: ContextOf<typeof tokenCreateCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const minted = await call(`Could not mint an API token in ${tenant}`, () =>
    client.createToken(tenant, {
      name: command.args.name!,
      role: command.flags.role,
      expiresInDays: command.flags["expires-in-days"],
    }),
  );
  if (command.json) {
    printJson(command.io, minted);
    return 0;
  }
  // The secret alone on stdout (so `loco token create ci > token` works); the rest on stderr.
  command.io.stderr.write(
    `Minted API token ${minted.token.id} "${minted.token.name}" (${minted.token.role} in ${tenant}, expires ${minted.token.expiresAt ?? "never"}).\nIt is shown only now; store it:\n`,
  );
  command.io.stdout.write(`${minted.secret}\n`);
  return 0;
}
