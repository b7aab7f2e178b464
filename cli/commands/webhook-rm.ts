// `loco webhook rm <id>`: removes a webhook with its queue and log.
import { call, session, tenantOf } from "../client/session.ts";
import { deleteWebhook } from "../client/webhook-client.ts";
import type { webhookRmCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

export async function run(command: ContextOf<typeof webhookRmCommand>): Promise<number> {
  const id = command.args.id!;
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  await call(`Could not remove webhook ${id}`, () => deleteWebhook(client, tenant, id));
  if (command.json) printJson(command.io, { id, removed: true });
  else command.io.stdout.write(`Removed webhook ${id}; nothing more is sent to it.\n`);
  return 0;
}
