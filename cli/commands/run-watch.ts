import type { CommandContext } from "../context.ts";
import { parseDuration } from "../duration.ts";
import { reportRun } from "../run-report.ts";
import { runTarget } from "../run-target.ts";

export async function run(command: CommandContext): Promise<number> {
  parseDuration(command.flags.timeout as string, "timeout");
  const { client, tenant, profile } = await runTarget(command);
  return reportRun(command, client, { tenant, profile, run: command.args.run as string });
}
