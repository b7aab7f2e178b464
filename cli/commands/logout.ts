import { CliError } from "../cli-error.ts";
import { storeFor } from "../client/session.ts";
import type { logoutCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";

export async function run(command: ContextOf<typeof logoutCommand>): Promise<number> {
  const store = storeFor(command);
  if (command.flags.all) {
    const removed = store.logout(Object.keys(store.credentials()));
    command.io.stdout.write(removed.length ? `Logged out of ${removed.join(", ")}.\n` : "Not logged in anywhere.\n");
    return 0;
  }
  const context = store.resolve(command.flags.context);
  if (!context) {
    throw new CliError({
      code: "notFound",
      what: "Nothing to log out of",
      why: "There is no current context.",
      fix: "`loco context ls` lists your contexts.",
    });
  }
  const removed = store.logout([context.name]);
  command.io.stdout.write(removed.length ? `Logged out of ${context.name}.\n` : `Not logged in to ${context.name}.\n`);
  return 0;
}
