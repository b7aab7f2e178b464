import type { EnvView } from "../client/api-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { envLsCommand } from "../commands.ts";
import type { CommandContext, ContextOf } from "../context.ts";
import { printJson, table } from "../output.ts";
import { appTarget } from "../project/project.ts";

export function printEnv(command: CommandContext, env: EnvView): void {
  if (command.json) {
    printJson(command.io, env);
    return;
  }
  const rows = [...env.env.map((v) => [v.name, v.value]), ...env.secrets.map((s) => [s.name, "(secret)"])].sort(
    (a, b) => a[0]!.localeCompare(b[0]!),
  );
  command.io.stdout.write(rows.length ? table(["name", "value"], rows) : "No environment variables.\n");
}

export async function run(command: ContextOf<typeof envLsCommand>): Promise<number> {
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  printEnv(
    command,
    await call(`Could not read the environment of ${app} (${profile})`, () => client.getEnv(tenant, app, profile)),
  );
  return 0;
}
