import { listSecrets, type SecretsView } from "../client/release-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { secretsLsCommand } from "../commands.ts";
import type { CommandContext, ContextOf } from "../context.ts";
import { age, printJson, table } from "../output.ts";
import { appTarget } from "../project/project.ts";

/** Names, version ids and how many versions are kept: values are never shown (the API never returns them). */
export function printSecrets(command: CommandContext, view: SecretsView): void {
  if (command.json) {
    printJson(command.io, view);
    return;
  }
  if (view.secrets.length === 0) {
    command.io.stdout.write('No secrets. Set one with: printf %s "$VALUE" | loco secrets set NAME\n');
    return;
  }
  command.io.stdout.write(
    table(
      ["name", "version", "updated", "versions kept"],
      view.secrets.map((s) => {
        const current = s.versions.find((v) => v.id !== null && v.id === s.version);
        return [
          s.name,
          s.version ?? "(not yet recorded)",
          current ? age(current.createdAt) : "-",
          String(s.versions.length),
        ];
      }),
    ),
  );
}

export async function run(command: ContextOf<typeof secretsLsCommand>): Promise<number> {
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  printSecrets(
    command,
    await call(`Could not list the secrets of ${app} (${profile})`, () => listSecrets(client, tenant, app, profile)),
  );
  return 0;
}
