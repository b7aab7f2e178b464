import { call, session, tenantOf } from "../client/session.ts";
import type { memberRmCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

export async function run(command: ContextOf<typeof memberRmCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const subject = command.args.subject;
  await call(`Could not remove ${subject} from ${tenant}`, () => client.removeMember(tenant, subject));
  if (command.json) {
    printJson(command.io, { tenant, subject, removed: true });
    return 0;
  }
  command.io.stdout.write(`Removed ${subject} from ${tenant}; the API tokens they minted there no longer work.\n`);
  return 0;
}
