import { usageError } from "../cli-error.ts";
import { listRuns } from "../client/run-client.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { runLsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { age, printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof runLsCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const profile = command.flags.profile;
  const pipeline = command.flags.pipeline;
  const phase = command.flags.phase;
  const since = command.flags.since;
  const limit = command.flags.limit;
  if (!Number.isInteger(limit) || limit < 1) {
    throw usageError(
      "Invalid --limit",
      `${limit} is not a whole number ≥ 1.`,
      "Pass a number of Runs, such as --limit 20.",
    );
  }
  const page = await call(`Could not list the runs of ${tenant}`, () =>
    listRuns(client, tenant, {
      ...(profile ? { profile } : {}),
      ...(pipeline ? { pipeline } : {}),
      ...(phase ? { phase } : {}),
      ...(since ? { since } : {}),
      limit,
    }),
  );
  if (command.json) {
    printJson(command.io, page);
    return 0;
  }
  if (page.items.length === 0) {
    command.io.stdout.write(`No runs in ${tenant} match. Start one with \`loco run start <pipeline>\`.\n`);
    return 0;
  }
  command.io.stdout.write(
    table(
      ["name", "pipeline", "profile", "phase", "reason", "tasks", "duration", "started"],
      page.items.map((r) => [
        r.name,
        r.pipeline ?? "(one-off)",
        r.profile,
        r.phase,
        r.reason ?? "-",
        `${r.tasks.filter((t) => t.state === "Succeeded").length}/${r.tasks.length}`,
        r.duration ?? "-",
        `${age(r.createdAt)} ago`,
      ]),
    ),
  );
  if (page.nextCursor) command.io.stdout.write(`(newest ${page.items.length} shown; raise --limit for more)\n`);
  return 0;
}
