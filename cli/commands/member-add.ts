import { call, session, tenantOf } from "../client/session.ts";
import type { memberAddCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

export async function run(command: ContextOf<typeof memberAddCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const subject = command.args.subject;
  const member = await call(`Could not make ${subject} ${command.flags.role} of ${tenant}`, () =>
    client.putMember(tenant, subject, command.flags.role),
  );
  if (command.json) {
    printJson(command.io, { tenant, ...member });
    return 0;
  }
  command.io.stdout.write(`${member.subject} is ${member.role} of ${tenant}.\n`);
  return 0;
}
