import { COMMANDS } from "../commands.ts";
import { completionScript, type Shell } from "../completion.ts";
import type { CommandContext } from "../context.ts";

export async function run({ args, io }: CommandContext): Promise<number> {
  io.stdout.write(completionScript(args.shell as Shell, COMMANDS));
  return 0;
}
