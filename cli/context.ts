// What a command's run() gets: parsed arguments and flags, the streams, whether to draw a live UI, and the
// debug log. Commands do their I/O through this, so tests can hand them fakes.
import type { DebugLog } from "./debug-log.ts";
import type { ArgsOf, CommandDeclaration, CommandDefinition, FlagsOf, ListsOf } from "./definition.ts";

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

/**
 * Flags, args and lists are those of one command (ContextOf) or, in code that several commands share, the ones it
 * reads (ContextWith); by default, any.
 */
export interface CommandContext<
  Flags extends object = Record<string, unknown>,
  Args extends object = Record<string, string | undefined>,
  Lists extends object = Record<string, string[]>,
> {
  command: CommandDefinition;
  args: Args;
  /** Every value of a flag given more than once, and every word of a variadic argument. */
  lists: Lists;
  flags: Flags;
  io: Io;
  env: Record<string, string | undefined>;
  /** Working directory (where loco.toml is looked for). */
  cwd: string;
  /** True when stdout is a terminal and -o json was not asked for: draw with Ink. */
  interactive: boolean;
  json: boolean;
  log: DebugLog;
}

/** What the implementation of a declared command gets: its own arguments and flags, typed from its declaration. */
export type ContextOf<D extends CommandDeclaration> = CommandContext<FlagsOf<D>, ArgsOf<D>, ListsOf<D>>;

/**
 * For code that several commands share: a context whose command has (at least) these flags and arguments. A flag declared
 * optional here may be missing from some of those commands.
 */
export type ContextWith<Flags extends object, Args extends object = object> = CommandContext<
  Flags & Record<string, unknown>,
  Args & Record<string, string | undefined>
>;
