import { listSecrets } from "../client/release-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { secretsSetCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { appTarget } from "../project/project.ts";
import { secretValues } from "./env-set.ts";
import { printSecrets } from "./secrets-ls.ts";

export async function run(command: ContextOf<typeof secretsSetCommand>): Promise<number> {
  // The same input path as `loco env set --secret`: stdin or --from-file only, never echoed.
  const set = await secretValues(command, [command.args.name], "loco secrets set");
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  await call(`Could not set secret ${command.args.name} of ${app} (${profile})`, () =>
    client.setEnv(tenant, app, profile, { set, secret: true }),
  );
  const view = await call(`Could not list the secrets of ${app} (${profile})`, () =>
    listSecrets(client, tenant, app, profile),
  );
  if (!command.json) {
    const version = view.secrets.find((s) => s.name === command.args.name)?.version;
    command.io.stderr.write(
      `Set secret ${command.args.name} on ${app} (${profile})${version ? `, version ${version}` : ""}; the App rolls out with it.\n`,
    );
  }
  printSecrets(command, view);
  return 0;
}
