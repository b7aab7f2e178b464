// `loco webhook add <url>`: a webhook for the tenant's notifications; its signing secret is printed once.
import { call, session, tenantOf } from "../client/session.ts";
import { createWebhook } from "../client/webhook-client.ts";
import type { webhookAddCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson } from "../output.ts";

export async function run(command: ContextOf<typeof webhookAddCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const events = command.lists.event ?? [];
  const created = await call(`Could not add a webhook to ${tenant}`, () =>
    createWebhook(client, tenant, {
      url: command.args.url!,
      format: command.flags.format as "loco" | "slack",
      ...(events.length > 0 ? { events } : {}),
      ...(command.flags.description ? { description: command.flags.description } : {}),
    }),
  );
  if (command.json) {
    printJson(command.io, created);
    return 0;
  }
  // The secret alone on stdout (so `loco webhook add … > secret` works); the rest on stderr.
  command.io.stderr.write(
    `Added webhook ${created.webhook.id} → ${created.webhook.url} (${created.webhook.format}; ${created.webhook.events.join(", ")}).\nIts signing secret is shown only now; give it to the receiver:\n`,
  );
  command.io.stdout.write(`${created.secret}\n`);
  return 0;
}
