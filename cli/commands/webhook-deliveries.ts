// `loco webhook deliveries <id>`: the webhook's delivery log, newest first.
import { call, session, tenantOf } from "../client/session.ts";
import { listDeliveries } from "../client/webhook-client.ts";
import type { webhookDeliveriesCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { age, printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof webhookDeliveriesCommand>): Promise<number> {
  const id = command.args.id!;
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const page = await call(`Could not read the deliveries of webhook ${id}`, () =>
    listDeliveries(client, tenant, id, command.flags.limit),
  );
  if (command.json) {
    printJson(command.io, { items: page.items });
    return 0;
  }
  if (page.items.length === 0) {
    command.io.stdout.write(`Nothing was sent to webhook ${id} yet. Try \`loco webhook test ${id}\`.\n`);
    return 0;
  }
  const state = (d: (typeof page.items)[number]) =>
    d.state === "pending" && d.nextAttemptAt ? `pending (next ${d.nextAttemptAt.slice(11, 19)}Z)` : d.state;
  command.io.stdout.write(
    table(
      ["id", "event", "state", "attempts", "code", "age", "last error"],
      page.items.map((d) => [
        d.id,
        d.eventType,
        state(d),
        String(d.attempts),
        d.responseCode === null ? "-" : String(d.responseCode),
        age(d.createdAt),
        d.lastError ?? "",
      ]),
    ),
  );
  return 0;
}
