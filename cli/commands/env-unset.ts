import { call, session, tenantOf } from "../client/session.ts";
import type { envUnsetCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { appTarget } from "../project/project.ts";
import { printEnv } from "./env-ls.ts";

export async function run(command: ContextOf<typeof envUnsetCommand>): Promise<number> {
  const names = command.lists.names ?? [];
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const env = await call(`Could not unset variables of ${app} (${profile})`, () =>
    client.setEnv(tenant, app, profile, { unset: names }),
  );
  if (!command.json) command.io.stderr.write(`Unset ${names.join(", ")} on ${app} (${profile}).\n`);
  printEnv(command, env);
  return 0;
}
