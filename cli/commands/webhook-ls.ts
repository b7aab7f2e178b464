// `loco webhook ls`: the tenant's webhooks.
import { call, session, tenantOf } from "../client/session.ts";
import { listWebhooks } from "../client/webhook-client.ts";
import type { webhookLsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { age, printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof webhookLsCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const items = await call(`Could not list the webhooks of ${tenant}`, () => listWebhooks(client, tenant));
  if (command.json) {
    printJson(command.io, { items });
    return 0;
  }
  if (items.length === 0) {
    command.io.stdout.write(`No webhooks in ${tenant}. Add one with \`loco webhook add <url>\`.\n`);
    return 0;
  }
  command.io.stdout.write(
    table(
      ["id", "url", "format", "events", "age", "description"],
      items.map((w) => [w.id, w.url, w.format, w.events.join(","), age(w.createdAt), w.description]),
    ),
  );
  return 0;
}
