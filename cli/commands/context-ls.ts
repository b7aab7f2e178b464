import { storeFor } from "../client/session.ts";
import type { contextLsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printJson, table } from "../output.ts";

export async function run(command: ContextOf<typeof contextLsCommand>): Promise<number> {
  const store = storeFor(command);
  const { current, contexts } = store.config();
  const credentials = store.credentials();
  const rows = contexts.map((c) => ({
    name: c.name,
    server: c.server,
    tenant: c.tenant,
    current: c.name === current,
    loggedIn: c.name in credentials,
  }));
  if (command.json) {
    printJson(command.io, { current, contexts: rows });
    return 0;
  }
  if (rows.length === 0) {
    command.io.stdout.write("No contexts. Log in with `loco login <server>`.\n");
    return 0;
  }
  command.io.stdout.write(
    table(
      ["", "name", "server", "tenant", "logged in"],
      rows.map((r) => [r.current ? "*" : "", r.name, r.server, r.tenant ?? "-", r.loggedIn ? "yes" : "no"]),
    ),
  );
  return 0;
}
