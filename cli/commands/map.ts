import { buildAppMap, renderAppMap } from "../app-map.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { mapCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

export async function run(command: ContextOf<typeof mapCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const profile = command.flags.profile;
  const apps = await call(`Could not list the apps of ${tenant}`, () =>
    client.all((cursor) => client.listApps(tenant, { ...(profile ? { profile } : {}), ...(cursor ? { cursor } : {}) })),
  );
  const map = buildAppMap(tenant, apps);
  if (command.json) printJson(command.io, map);
  else command.io.stdout.write(`${renderAppMap(map).join("\n")}\n`);
  return 0;
}
