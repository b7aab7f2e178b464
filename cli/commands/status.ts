import { CliError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { statusCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { profileFor, readProject } from "../project/project.ts";
import { lostLines, readyOf } from "../views/lost-apps.ts";
import { SIMULATED_NODES_NOTE, simulatedNodes } from "../views/simulated-nodes.ts";
import { appOutput } from "./ls.ts";

export async function run(command: ContextOf<typeof statusCommand>): Promise<number> {
  // With the app and the profile both named, loco.toml has nothing to add: not reading it spares loading its
  // schema (zod), which costs more than the rest of the command (docs/performance.md, "CLI start-up").
  const named = command.args.app !== undefined && command.flags.profile !== undefined;
  const project = named ? undefined : await readProject(command, false);
  const name = command.args.app ?? project?.name;
  if (!name) {
    throw new CliError({
      code: "usage",
      what: "No app named",
      why: "No app argument was given and there is no loco.toml here.",
      fix: "Run `loco status <app> --profile <name>`.",
    });
  }
  const profile = profileFor(command, project);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  // Only the text view shows the note; -o json does not wait for (or open) a second connection.
  const simulated = command.json ? undefined : simulatedNodes(client);
  const app = appOutput(
    await call(`Could not get app ${name} (${profile})`, () => client.getApp(tenant, name, profile)),
  );
  if (command.json) {
    printJson(command.io, app);
    return 0;
  }
  const lost = app.lost === true;
  const lines = [
    `App:         ${app.name} (${tenant}, profile ${app.profile}, namespace ${app.namespace})`,
    lost ? `Ready:       ${readyOf(app)}` : `Ready:       ${app.ready}${app.reason ? ` (${app.reason})` : ""}`,
    `URL:         ${lost ? "-" : (app.url ?? "-")}`,
    `Deployment:  ${app.deploymentId ?? "-"}`,
    `Image:       ${String(app.spec.image ?? "-")}`,
    ...lostLines([app]),
    ...(!lost && app.url && (await simulated) ? [SIMULATED_NODES_NOTE] : []),
  ];
  const conditions = app.status.conditions ?? [];
  if (conditions.length) {
    lines.push(lost ? "Conditions (last reported by the lost cluster):" : "Conditions:");
    for (const c of conditions)
      lines.push(
        `  ${c.type.padEnd(12)} ${c.status.padEnd(8)} ${c.reason ?? ""}${c.message ? `: ${c.message}` : ""}`.trimEnd(),
      );
  }
  command.io.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}
