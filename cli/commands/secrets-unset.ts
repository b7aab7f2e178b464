import { usageError } from "../cli-error.ts";
import { listSecrets } from "../client/release-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { secretsUnsetCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { appTarget } from "../project/project.ts";
import { printSecrets } from "./secrets-ls.ts";

export async function run(command: ContextOf<typeof secretsUnsetCommand>): Promise<number> {
  const names = command.lists.names ?? [];
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  // Only secrets: a plain variable of the same name is `loco env unset`'s to remove.
  const env = await call(`Could not read the environment of ${app} (${profile})`, () =>
    client.getEnv(tenant, app, profile),
  );
  const secrets = new Set(env.secrets.map((s) => s.name));
  const plain = names.filter((n) => !secrets.has(n));
  if (plain.length > 0) {
    throw usageError(
      `${plain.join(", ")} ${plain.length === 1 ? "is not a secret" : "are not secrets"} of ${app} (${profile})`,
      "loco secrets unset removes secret variables only.",
      "List them with `loco secrets ls`; remove a plain variable with `loco env unset`.",
    );
  }
  await call(`Could not unset secrets of ${app} (${profile})`, () =>
    client.setEnv(tenant, app, profile, { unset: names }),
  );
  const view = await call(`Could not list the secrets of ${app} (${profile})`, () =>
    listSecrets(client, tenant, app, profile),
  );
  if (!command.json) command.io.stderr.write(`Unset secret ${names.join(", ")} on ${app} (${profile}).\n`);
  printSecrets(command, view);
  return 0;
}
