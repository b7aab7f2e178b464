// Flags and environment → a validated configuration, the same way for every loco process (operator, API): node's
// parseArgs for the syntax, a zod schema for the values, and one error that names each bad flag and ends with
// where the help is. A process's own file declares its flags, usage text and schema; this module is the loop.
import { type ParseArgsConfig, parseArgs } from "node:util";
import type { z } from "zod";

export class ConfigError extends Error {
  override name = "ConfigError";
  /** 0 when the "error" is the help text the user asked for. */
  readonly exitCode: number;
  constructor(message: string, exitCode = 2) {
    super(message);
    this.exitCode = exitCode;
  }
}

export type FlagValues = Record<string, string | boolean | undefined>;

/** The flags of argv; a syntax error ends with the usage text, `--help` is a ConfigError with exit code 0. */
export function readFlags(argv: string[], options: NonNullable<ParseArgsConfig["options"]>, usage: string): FlagValues {
  let values: FlagValues;
  try {
    // loco's processes declare no `multiple` flags, so no value is an array.
    values = parseArgs({ args: argv, options, strict: true }).values as FlagValues;
  } catch (error) {
    throw new ConfigError(`${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
  }
  if (values.help) throw new ConfigError(usage, 0);
  return values;
}

/** `fooBar` → `--foo-bar`: a configuration field named after the flag it came from. */
export const flagOf = (field: PropertyKey): string =>
  `--${String(field).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Validates the gathered values, or throws one ConfigError naming every bad flag. */
export function validConfig<S extends z.ZodType>(program: string, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${flagOf(issue.path[0] ?? "")}: ${issue.message}`);
  throw new ConfigError(
    `Invalid ${program} configuration:\n${problems.join("\n")}\n\nRun ${program} --help for the flags.`,
  );
}
