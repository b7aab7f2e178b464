import { storeFor } from "../client/session.ts";
import type { CommandContext } from "../context.ts";

export async function run(command: CommandContext): Promise<number> {
  const context = storeFor(command).use(command.args.name!);
  command.io.stdout.write(`Switched to ${context.name} (${context.server}).\n`);
  return 0;
}
