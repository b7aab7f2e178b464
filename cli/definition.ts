// A command, declared once: its name, arguments, flags (types, defaults), description, output shape and exit
// codes. Parsing (parse.ts), --help (help.ts), shell completion (completion.ts) and docs/cli.md (docs.ts) all
// derive from these declarations; the implementation is loaded only when the command runs, so `--help` and
// completion never pay for React, Ink or the API client.
import type { CommandContext } from "./context.ts";
import type { ExitCodeName } from "./exit-codes.ts";

export type FlagType = "string" | "boolean" | "number";
export type FlagValue = string | boolean | number;

export interface FlagDefinition {
  /** Long name, kebab-case, without dashes. */
  name: string;
  short?: string;
  type: FlagType;
  description: string;
  default?: FlagValue;
  /** Allowed values of a string flag. */
  choices?: readonly string[];
  /** Placeholder in help: --tail N. */
  valueName?: string;
  /** Also read from this environment variable when the flag is absent. */
  env?: string;
  /** A string flag that may be given more than once; every value is in CommandContext.lists[name]. */
  multiple?: true;
}

export interface ArgDefinition {
  name: string;
  description: string;
  required: boolean;
  choices?: readonly string[];
  /** The last argument only: takes every remaining word (in CommandContext.lists). */
  variadic?: true;
}

export interface OutputDefinition {
  /** What `-o json` prints, for docs/cli.md: a TypeScript-like shape. */
  json: string;
  /** ndjson: one document per line, as events arrive. */
  stream?: boolean;
  /** Values of -o besides text and json (such as table). */
  extraFormats?: readonly string[];
}

export interface CommandModule {
  /** Resolves to the exit code (0 when void). Throws CliError for failures. */
  run(context: CommandContext): Promise<number | undefined>;
}

export interface CommandDefinition {
  /** ["token", "create"] for `loco token create`. */
  path: readonly string[];
  summary: string;
  description?: string;
  args?: readonly ArgDefinition[];
  flags?: readonly FlagDefinition[];
  /** Present on commands that print data: they get `-o text|json`. */
  output?: OutputDefinition;
  /** Exit codes besides 0 and usage (which every command has). */
  exitCodes: readonly ExitCodeName[];
  examples?: readonly string[];
  load(): Promise<CommandModule>;
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: readonly FlagDefinition[] = [
  { name: "help", short: "h", type: "boolean", description: "Show help for the command." },
  {
    name: "context",
    type: "string",
    valueName: "NAME",
    env: "LOCO_CONTEXT",
    description: "Use this context (API server) instead of the current one.",
  },
  {
    name: "debug",
    type: "boolean",
    env: "LOCO_DEBUG",
    description: "Write a debug log (requests, timings, errors with causes) to a file and print its path.",
  },
];

export const OUTPUT_FLAG: FlagDefinition = {
  name: "output",
  short: "o",
  type: "string",
  choices: ["text", "json"],
  default: "text",
  valueName: "FORMAT",
  description: "Output format: text (a table or a live view on a terminal) or json (one document; ndjson for streams).",
};

/** Every flag of a command, its own first, then -o, then the global ones. */
export function flagsOf(command: CommandDefinition): FlagDefinition[] {
  const output = command.output?.extraFormats
    ? { ...OUTPUT_FLAG, choices: [...(OUTPUT_FLAG.choices ?? []), ...command.output.extraFormats] }
    : OUTPUT_FLAG;
  return [...(command.flags ?? []), ...(command.output ? [output] : []), ...GLOBAL_FLAGS];
}

export const commandName = (command: Pick<CommandDefinition, "path">) => ["loco", ...command.path].join(" ");

export function usageLine(command: CommandDefinition): string {
  const args = (command.args ?? []).map((a) => {
    const name = a.variadic ? `${a.name}...` : a.name;
    return a.required ? `<${name}>` : `[${name}]`;
  });
  const hasFlags = flagsOf(command).length > 0;
  return [commandName(command), ...args, ...(hasFlags ? ["[flags]"] : [])].join(" ");
}
