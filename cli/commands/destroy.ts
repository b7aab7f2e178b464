import { CliError, usageError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { destroyCommand } from "../commands.ts";
import type { CommandContext, ContextOf } from "../context.ts";
import { printJson } from "../output.ts";
import { appTarget } from "../project/project.ts";

async function confirmed(command: CommandContext, app: string, profile: string, tenant: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const prompt = createInterface({ input: command.io.stdin, output: command.io.stderr });
  try {
    const answer = await prompt.question(
      `This deletes ${app} from ${profile} in ${tenant}. Type the app's name to confirm: `,
    );
    return answer.trim() === app;
  } finally {
    prompt.close();
  }
}

export async function run(command: ContextOf<typeof destroyCommand>): Promise<number> {
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  if (!command.flags.yes) {
    if (!command.io.stdin.isTTY) {
      throw usageError(
        `Not deleting ${app} (${profile})`,
        "Deleting needs confirmation, and stdin is not a terminal to ask on.",
        "Pass --yes.",
      );
    }
    if (!(await confirmed(command, app, profile, tenant))) {
      throw new CliError({
        code: "usage",
        what: `Not deleting ${app} (${profile})`,
        why: "The name typed did not match.",
        fix: "Run it again and type the app's name exactly, or pass --yes.",
      });
    }
  }
  await call(`Could not delete ${app} (${profile})`, () => client.deleteApp(tenant, app, profile));
  if (command.json) printJson(command.io, { app, tenant, profile, deleted: true });
  else command.io.stdout.write(`Deleted ${app} from ${profile} (${tenant}).\n`);
  return 0;
}
