import { COMMANDS, type completionCommand } from "../commands.ts";
import { completionScript } from "../completion.ts";
import type { ContextOf } from "../context.ts";

export async function run({ args, io }: ContextOf<typeof completionCommand>): Promise<number> {
  io.stdout.write(completionScript(args.shell, COMMANDS));
  return 0;
}
