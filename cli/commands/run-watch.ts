import type { runWatchCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { parseDuration } from "../duration.ts";
import { reportRun } from "../run-report.ts";
import { runTarget } from "../run-target.ts";

export async function run(command: ContextOf<typeof runWatchCommand>): Promise<number> {
  parseDuration(command.flags.timeout, "timeout");
  const { client, tenant, profile } = await runTarget(command);
  return reportRun(command, client, { tenant, profile, run: command.args.run });
}
