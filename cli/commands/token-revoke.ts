import { usageError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { tokenRevokeCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

export async function run(command: ContextOf<typeof tokenRevokeCommand>): Promise<number> {
  const id = command.args.id;
  const bootstrap = command.flags.bootstrap === true;
  if (bootstrap === (id !== undefined)) {
    throw usageError(
      "Nothing to revoke",
      bootstrap ? "--bootstrap revokes the bootstrap token, which needs no id." : "No token id was given.",
      "Pass a token id (see `loco token ls`), or --bootstrap alone to revoke the bootstrap token.",
    );
  }
  const { context, client } = session(command);
  if (bootstrap) {
    await call("Could not revoke the bootstrap token", () => client.revokeBootstrapToken());
    if (command.json) printJson(command.io, { bootstrap: true, revoked: true });
    else command.io.stdout.write("Revoked the bootstrap token: it no longer works.\n");
    return 0;
  }
  const tenant = tenantOf(command, context);
  await call(`Could not revoke API token ${id}`, () => client.revokeToken(tenant, id!));
  if (command.json) printJson(command.io, { id, revoked: true });
  else command.io.stdout.write(`Revoked API token ${id}.\n`);
  return 0;
}
