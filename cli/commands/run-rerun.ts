import { rerunRun } from "../client/run-client.ts";
import type { runRerunCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { parseDuration } from "../duration.ts";
import { printJson } from "../output.ts";
import { reportRun } from "../run-report.ts";
import { callRuns, runTarget } from "../run-target.ts";

export async function run(command: ContextOf<typeof runRerunCommand>): Promise<number> {
  const earlier = command.args.run;
  const from = command.flags.from;
  if (command.flags.watch) parseDuration(command.flags.timeout, "timeout"); // refuse a bad --timeout first
  const { client, tenant, profile } = await runTarget(command);
  const started = await callRuns(`Could not rerun run ${earlier} (${profile})`, () =>
    rerunRun(client, tenant, earlier, profile, from),
  );
  const reused = ((started.spec as { reuse?: { tasks?: string[] } }).reuse?.tasks ?? []).join(", ") || "none";
  if (!command.flags.watch) {
    if (command.json) printJson(command.io, started);
    else
      command.io.stdout.write(
        `Started run ${started.name}, a rerun of ${earlier} (reusing: ${reused}). Follow it with \`loco run watch ${started.name}\`.\n`,
      );
    return 0;
  }
  if (!command.json && !command.interactive)
    command.io.stdout.write(`Started run ${started.name}, a rerun of ${earlier} (reusing: ${reused})\n`);
  return reportRun(command, client, { tenant, profile, run: started.name }, started);
}
