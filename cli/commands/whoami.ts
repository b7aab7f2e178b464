import { call, session } from "../client/session.ts";
import type { whoamiCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

export async function run(command: ContextOf<typeof whoamiCommand>): Promise<number> {
  const { context, client } = session(command);
  const me = await call("Could not check who you are", () => client.whoAmI());
  if (command.json) {
    printJson(command.io, { context: context.name, server: context.server, ...me });
    return 0;
  }
  const scope = me.token
    ? ` with API token ${me.token.id} (${me.token.role}${me.token.tenant ? ` in ${me.token.tenant}` : ""})`
    : "";
  command.io.stdout.write(
    `${me.subject} on ${context.server}${scope}${me.platformAdmin ? ", platform admin" : ""}\n` +
      (context.tenant ? `Tenant: ${context.tenant}\n` : ""),
  );
  return 0;
}
