import { runTimeline } from "../client/run-client.ts";
import type { runTimelineCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { callRuns, runTarget } from "../run-target.ts";

export async function run(command: ContextOf<typeof runTimelineCommand>): Promise<number> {
  const name = command.args.run;
  const { client, tenant, profile } = await runTarget(command);
  const entries = await callRuns(`Could not read the timeline of run ${name} (${profile})`, () =>
    client.all((cursor) => runTimeline(client, tenant, name, profile, cursor)),
  );
  if (command.json) {
    printJson(command.io, { items: entries });
    return 0;
  }
  if (entries.length === 0) {
    command.io.stdout.write(
      `Nothing recorded for run ${name} (${profile}) yet. Check the name with \`loco run ls\`.\n`,
    );
    return 0;
  }
  for (const e of entries) {
    command.io.stdout.write(
      `${e.occurredAt}  ${e.type === "Warning" ? "!" : " "} ${e.reason.padEnd(18)} ${e.message}\n`,
    );
  }
  return 0;
}
