import { cancelRun } from "../client/run-client.ts";
import type { runCancelCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { callRuns, runTarget } from "../run-target.ts";

export async function run(command: ContextOf<typeof runCancelCommand>): Promise<number> {
  const name = command.args.run;
  const { client, tenant, profile } = await runTarget(command);
  const cancelled = await callRuns(`Could not cancel run ${name} (${profile})`, () =>
    cancelRun(client, tenant, name, profile),
  );
  if (command.json) printJson(command.io, cancelled);
  else
    command.io.stdout.write(
      `Cancelling run ${name}: its running tasks are being stopped. \`loco run watch ${name}\` shows when it has ended.\n`,
    );
  return 0;
}
