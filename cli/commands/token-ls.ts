import { call, session, tenantOf } from "../client/session.ts";
import type { tokenLsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { age, printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof tokenLsCommand>): Promise<number> {
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const items = await call(`Could not list the API tokens of ${tenant}`, () =>
    client.all((cursor) => client.listTokens(tenant, cursor)),
  );
  if (command.json) {
    printJson(command.io, { items });
    return 0;
  }
  if (items.length === 0) {
    command.io.stdout.write(`No API tokens in ${tenant}. Mint one with \`loco token create <name>\`.\n`);
    return 0;
  }
  const state = (t: (typeof items)[number]) =>
    t.revokedAt
      ? t.replacedBy
        ? "rotated"
        : "revoked"
      : t.expiresAt && Date.parse(t.expiresAt) < Date.now()
        ? "expired"
        : "active";
  command.io.stdout.write(
    table(
      ["id", "name", "role", "state", "created by", "age", "expires", "last used"],
      items.map((t) => [
        t.id,
        t.name,
        t.role,
        state(t),
        t.createdBy,
        age(t.createdAt),
        t.expiresAt?.slice(0, 10) ?? "never",
        t.lastUsedAt ? `${age(t.lastUsedAt)} ago` : "never",
      ]),
    ),
  );
  return 0;
}
