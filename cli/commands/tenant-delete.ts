import { CliError, usageError } from "../cli-error.ts";
import { call, session } from "../client/session.ts";
import type { tenantDeleteCommand } from "../commands.ts";
import type { CommandContext, ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

async function confirmed(command: CommandContext, tenant: string, force: boolean): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const prompt = createInterface({ input: command.io.stdin, output: command.io.stderr });
  try {
    const answer = await prompt.question(
      `This deletes tenant ${tenant}: its namespaces${force ? ", with every App, Pipeline and Run in them," : ""} its members and API tokens. Type the tenant's name to confirm: `,
    );
    return answer.trim() === tenant;
  } finally {
    prompt.close();
  }
}

export async function run(command: ContextOf<typeof tenantDeleteCommand>): Promise<number> {
  const tenant = command.args.name;
  const force = command.flags.force === true;
  if (!command.flags.yes) {
    if (!command.io.stdin.isTTY) {
      throw usageError(
        `Not deleting tenant ${tenant}`,
        "Deleting needs confirmation, and stdin is not a terminal to ask on.",
        "Pass --yes.",
      );
    }
    if (!(await confirmed(command, tenant, force))) {
      throw new CliError({
        code: "usage",
        what: `Not deleting tenant ${tenant}`,
        why: "The name typed did not match.",
        fix: "Run it again and type the tenant's name exactly, or pass --yes.",
      });
    }
  }
  const { client } = session(command);
  const deleted = await call(`Could not delete tenant ${tenant}`, () => client.deleteTenant(tenant, force));
  if (command.json) printJson(command.io, deleted);
  else {
    command.io.stdout.write(
      `Deleted tenant ${tenant}; its namespaces are being deleted: ${deleted.namespaces.join(", ") || "none"}.\n`,
    );
  }
  return 0;
}
