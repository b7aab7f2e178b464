// What a command's run() gets: parsed arguments and flags, the streams, whether to draw a live UI, and the
// debug log. Commands do their I/O through this, so tests can hand them fakes.
import type { DebugLog } from "./debug-log.ts";
import type { CommandDefinition, FlagValue } from "./definition.ts";

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface CommandContext {
  command: CommandDefinition;
  args: Record<string, string | undefined>;
  /** Every word of a variadic argument. */
  lists: Record<string, string[]>;
  flags: Record<string, FlagValue | undefined>;
  io: Io;
  env: Record<string, string | undefined>;
  /** Working directory (where loco.toml is looked for). */
  cwd: string;
  /** True when stdout is a terminal and -o json was not asked for: draw with Ink. */
  interactive: boolean;
  json: boolean;
  log: DebugLog;
}
