import { listPipelines } from "../client/run-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { pipelineLsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { age, printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof pipelineLsCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const profile = command.flags.profile;
  const pipelines = await call(`Could not list the pipelines of ${tenant}`, () =>
    client.all((cursor) =>
      listPipelines(client, tenant, { ...(profile ? { profile } : {}), ...(cursor ? { cursor } : {}) }),
    ),
  );
  if (command.json) {
    printJson(command.io, { items: pipelines });
    return 0;
  }
  if (pipelines.length === 0) {
    command.io.stdout.write(
      `No pipelines in ${tenant}${profile ? ` (profile ${profile})` : ""}. Apply one with \`loco pipeline apply <file>\`.\n`,
    );
    return 0;
  }
  command.io.stdout.write(
    table(
      ["name", "profile", "ready", "reason", "tasks", "last run"],
      pipelines.map((p) => [
        p.name,
        p.profile,
        p.ready,
        p.reason ?? "-",
        String(p.spec.tasks?.length ?? 0),
        p.status.lastRun ? `${p.status.lastRun} (${age(p.status.lastRunTime)} ago)` : "-",
      ]),
    ),
  );
  return 0;
}
