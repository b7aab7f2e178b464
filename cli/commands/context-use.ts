import { storeFor } from "../client/session.ts";
import type { contextUseCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";

export async function run(command: ContextOf<typeof contextUseCommand>): Promise<number> {
  const context = storeFor(command).use(command.args.name!);
  command.io.stdout.write(`Switched to ${context.name} (${context.server}).\n`);
  return 0;
}
