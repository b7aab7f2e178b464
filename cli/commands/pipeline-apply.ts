import { applyPipeline } from "../client/run-client.ts";
import { session, tenantOf } from "../client/session.ts";
import type { pipelineApplyCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { readPipelineFile } from "../project/pipeline-file.ts";
import { profileFor, readProject } from "../project/project.ts";
import { callRuns } from "../run-target.ts";

export async function run(command: ContextOf<typeof pipelineApplyCommand>): Promise<number> {
  const { name, spec } = await readPipelineFile(command);
  const profile = profileFor(command, await readProject(command, false));
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const applied = await callRuns(`Could not apply pipeline ${name} (${profile})`, () =>
    applyPipeline(client, tenant, name, profile, spec),
  );
  if (command.json) {
    printJson(command.io, applied);
    return 0;
  }
  const tasks = applied.spec.tasks?.map((t) => t.name).join(", ") ?? "";
  command.io.stdout.write(
    `Applied pipeline ${applied.name} (${applied.profile}), generation ${applied.generation ?? "?"}: tasks ${tasks}.\nStart it with \`loco run start ${applied.name} --profile ${applied.profile} --watch\`.\n`,
  );
  return 0;
}
