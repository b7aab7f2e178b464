import { diffPipeline } from "../client/run-client.ts";
import { session, tenantOf } from "../client/session.ts";
import type { pipelineDiffCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { readPipelineFile } from "../project/pipeline-file.ts";
import { profileFor, readProject } from "../project/project.ts";
import { callRuns } from "../run-target.ts";

export async function run(command: ContextOf<typeof pipelineDiffCommand>): Promise<number> {
  const { name, spec } = await readPipelineFile(command);
  const profile = profileFor(command, await readProject(command, false));
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const diff = await callRuns(`Could not diff pipeline ${name} (${profile})`, () =>
    diffPipeline(client, tenant, name, profile, spec),
  );
  if (command.json) {
    printJson(command.io, diff);
    return 0;
  }
  if (!diff.changed) {
    command.io.stdout.write(
      `No changes: pipeline ${name} (${profile}) already runs this spec (generation ${diff.generation}).\n`,
    );
    return 0;
  }
  const head = diff.exists
    ? `Applying would change pipeline ${name} (${profile}, generation ${diff.generation}):`
    : `Pipeline ${name} does not exist in ${profile}; applying would create it:`;
  command.io.stdout.write(
    `${head}\n${diff.diff
      .split("\n")
      .map((line) => `  ${line}`)
      .join("\n")}\n`,
  );
  return 0;
}
