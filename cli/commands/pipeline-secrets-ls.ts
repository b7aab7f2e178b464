import { listPipelineSecrets, type PipelineSecretsView } from "../client/run-client.ts";
import type { pipelineSecretsLsCommand } from "../commands.ts";
import type { CommandContext, ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { callRuns, runTarget } from "../run-target.ts";

/** Names only, one per line (the API never returns the values). */
export function printSecretNames(command: Pick<CommandContext, "io" | "json">, view: PipelineSecretsView): void {
  if (command.json) {
    printJson(command.io, view);
    return;
  }
  if (view.names.length === 0) {
    command.io.stdout.write(
      `Pipeline ${view.pipeline} (${view.profile}) holds no secret values. Set one with \`loco pipeline secrets set ${view.pipeline} NAME\`.\n`,
    );
    return;
  }
  for (const name of view.names) command.io.stdout.write(`${name}\n`);
}

export async function run(command: ContextOf<typeof pipelineSecretsLsCommand>): Promise<number> {
  const pipeline = command.args.pipeline!;
  const { client, tenant, profile } = await runTarget(command);
  const view = await callRuns(`Could not list the secrets of pipeline ${pipeline} (${profile})`, () =>
    listPipelineSecrets(client, tenant, pipeline, profile),
  );
  printSecretNames(command, view);
  return 0;
}
