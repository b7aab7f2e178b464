import { call, session } from "../client/session.ts";
import type { profileApplyCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { readProfileFile } from "../project/profile-file.ts";

export async function run(command: ContextOf<typeof profileApplyCommand>): Promise<number> {
  const profiles = await readProfileFile(command.cwd, command.args.file);
  const { client } = session(command);
  const applied = [];
  // One after another, in the file's order: a refusal names its Profile, and the ones before it stay applied.
  for (const { name, spec } of profiles) {
    const view = await call(`Could not apply profile ${name}`, () => client.applyProfile(name, spec));
    applied.push({ name: view.name, generation: view.generation ?? null });
    if (!command.json) {
      command.io.stdout.write(`Applied profile ${view.name} (generation ${view.generation ?? "?"}).\n`);
    }
  }
  if (command.json) printJson(command.io, { items: applied });
  else command.io.stdout.write("See each one's readiness with `loco profile show <name>`.\n");
  return 0;
}
