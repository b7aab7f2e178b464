import type { AppView } from "../client/api-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { lsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson, table } from "../output.ts";
import { lostLines, readyOf } from "../views/lost-apps.ts";
import { SIMULATED_NODES_NOTE, simulatedNodes } from "../views/simulated-nodes.ts";

/** The App as `-o json` shows it: the API's view plus url and deploymentId lifted out of status. */
export const appOutput = (app: AppView) => ({
  ...app,
  url: app.status.url ?? null,
  deploymentId: app.status.deploymentId ?? null,
});

export async function run(command: ContextOf<typeof lsCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const profile = command.flags.profile;
  // Only the table shows the note; -o json does not wait for (or open) a second connection.
  const simulated = command.json ? undefined : simulatedNodes(client);
  const apps = await call(`Could not list the apps of ${tenant}`, () =>
    client.all((cursor) => client.listApps(tenant, { ...(profile ? { profile } : {}), ...(cursor ? { cursor } : {}) })),
  );
  if (command.json) {
    printJson(command.io, { items: apps.map(appOutput) });
    return 0;
  }
  if (apps.length === 0) {
    command.io.stdout.write(
      `No apps in ${tenant}${profile ? ` (profile ${profile})` : ""}. Deploy one with \`loco deploy\`.\n`,
    );
    return 0;
  }
  command.io.stdout.write(
    table(
      ["name", "profile", "ready", "reason", "url"],
      // A lost App's reason and URL are the lost cluster's: its line below says what it is instead.
      apps.map((a) =>
        a.lost === true
          ? [a.name, a.profile, readyOf(a), "-", "-"]
          : [a.name, a.profile, a.ready, a.reason ?? "-", a.status.url ?? "-"],
      ),
    ),
  );
  const notes = [...lostLines(apps), ...((await simulated) ? [SIMULATED_NODES_NOTE] : [])];
  if (notes.length > 0) command.io.stdout.write(`\n${notes.join("\n")}\n`);
  return 0;
}
