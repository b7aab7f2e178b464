import { setPipelineSecrets } from "../client/run-client.ts";
import type { pipelineSecretsSetCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { callRuns, runTarget } from "../run-target.ts";
import { readSecretValue } from "../secret-input.ts";
import { printSecretNames } from "./pipeline-secrets-ls.ts";

export async function run(command: ContextOf<typeof pipelineSecretsSetCommand>): Promise<number> {
  const pipeline = command.args.pipeline!;
  const file = command.flags["from-file"];
  const set = await readSecretValue({
    io: command.io,
    cwd: command.cwd,
    words: command.args.name === undefined ? [] : [command.args.name],
    fromFile: typeof file === "string" ? file : undefined,
    command: `loco pipeline secrets set ${pipeline}`,
    many: () => "repeat the command for each value",
  });
  const { client, tenant, profile } = await runTarget(command);
  const view = await callRuns(`Could not set a secret of pipeline ${pipeline} (${profile})`, () =>
    setPipelineSecrets(client, tenant, pipeline, profile, { set }),
  );
  if (!command.json)
    command.io.stderr.write(
      `Set ${Object.keys(set).join(", ")} on pipeline ${pipeline} (${profile}); Jobs started from now on read it.\n`,
    );
  printSecretNames(command, view);
  return 0;
}
