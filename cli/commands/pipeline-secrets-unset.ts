import { setPipelineSecrets } from "../client/run-client.ts";
import type { pipelineSecretsUnsetCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { callRuns, runTarget } from "../run-target.ts";
import { printSecretNames } from "./pipeline-secrets-ls.ts";

export async function run(command: ContextOf<typeof pipelineSecretsUnsetCommand>): Promise<number> {
  const pipeline = command.args.pipeline!;
  const unset = command.lists.names ?? [];
  const { client, tenant, profile } = await runTarget(command);
  const view = await callRuns(`Could not remove secrets of pipeline ${pipeline} (${profile})`, () =>
    setPipelineSecrets(client, tenant, pipeline, profile, { unset }),
  );
  if (!command.json) command.io.stderr.write(`Removed ${unset.join(", ")} from pipeline ${pipeline} (${profile}).\n`);
  printSecretNames(command, view);
  return 0;
}
