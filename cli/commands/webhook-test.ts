// `loco webhook test <id>`: queues a signed test notification, to check a receiver end to end.
import { call, session, tenantOf } from "../client/session.ts";
import { testWebhook } from "../client/webhook-client.ts";
import type { webhookTestCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

export async function run(command: ContextOf<typeof webhookTestCommand>): Promise<number> {
  const id = command.args.id!;
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const queued = await call(`Could not send a test to webhook ${id}`, () => testWebhook(client, tenant, id));
  if (command.json) printJson(command.io, queued);
  else
    command.io.stdout.write(
      `Queued test notification ${queued.eventId}; \`loco webhook deliveries ${id}\` shows how it went.\n`,
    );
  return 0;
}
