// A command, declared once: its name, arguments, flags (types, defaults), description, output shape and exit
// codes. Parsing (parse.ts), --help (help.ts), shell completion (completion.ts) and docs/cli.md (docs.ts) all
// derive from these declarations; the implementation is loaded only when the command runs, so `--help` and
// completion never pay for React, Ink or the API client.
import type { CommandContext, ContextOf } from "./context.ts";
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

/** A command as declared, without its implementation (see defineCommand). */
export type CommandDeclaration = Omit<CommandDefinition, "load">;

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
export const GLOBAL_FLAGS = [
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
] as const satisfies readonly FlagDefinition[];

export const OUTPUT_FLAG = {
  name: "output",
  short: "o",
  type: "string",
  choices: ["text", "json"],
  default: "text",
  valueName: "FORMAT",
  description: "Output format: text (a table or a live view on a terminal) or json (one document; ndjson for streams).",
} as const satisfies FlagDefinition;

/** Every flag of a command, its own first, then -o, then the global ones. */
export function flagsOf(command: CommandDefinition): FlagDefinition[] {
  const output: FlagDefinition = command.output?.extraFormats
    ? { ...OUTPUT_FLAG, choices: [...OUTPUT_FLAG.choices, ...command.output.extraFormats] }
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

// A command's own argument and flag values, typed from its declaration: what parseCommandLine produces for it.

/** The value of a flag given once: a string flag with choices is one of them. */
type ValueOf<F extends FlagDefinition> = F extends { type: "boolean" }
  ? boolean
  : F extends { type: "number" }
    ? number
    : F extends { choices: readonly (infer C extends string)[] }
      ? C
      : string;

/** A flag with a default always has a value; any other is undefined when neither given nor set in its env. */
type FlagValues<Fs extends readonly FlagDefinition[]> = {
  [F in Fs[number] as F extends { multiple: true } ? never : F["name"]]: F extends { default: FlagValue }
    ? ValueOf<F>
    : ValueOf<F> | undefined;
};

type OutputValues<D extends CommandDeclaration> = D extends { output: OutputDefinition }
  ? {
      output:
        | (typeof OUTPUT_FLAG.choices)[number]
        | (D["output"] extends { extraFormats: readonly (infer X extends string)[] } ? X : never);
    }
  : unknown;

export type FlagsOf<D extends CommandDeclaration> = FlagValues<
  D extends { flags: readonly FlagDefinition[] } ? D["flags"] : []
> &
  FlagValues<typeof GLOBAL_FLAGS> &
  OutputValues<D>;

type ArgList<D extends CommandDeclaration> = D extends { args: readonly ArgDefinition[] } ? D["args"] : [];
type ArgValue<A extends ArgDefinition> = A extends { choices: readonly (infer C extends string)[] } ? C : string;

/** Each argument by name (a variadic one: its first word); an optional one is undefined when absent. */
export type ArgsOf<D extends CommandDeclaration> = {
  [A in ArgList<D>[number] as A["name"]]: A extends { required: true } ? ArgValue<A> : ArgValue<A> | undefined;
};

/** Every value of a flag given more than once, and every word of a variadic argument. */
export type ListsOf<D extends CommandDeclaration> = {
  [F in (D extends { flags: readonly FlagDefinition[] } ? D["flags"] : [])[number] as F extends { multiple: true }
    ? F["name"]
    : never]: string[];
} & { [A in ArgList<D>[number] as A extends { variadic: true } ? A["name"] : never]: string[] };

/**
 * Declares a command, keeping the literal names and types of its arguments and flags, so that its implementation
 * can take `ContextOf<typeof declaration>` and read its own flags with their types.
 */
export function defineCommand<const D extends CommandDeclaration>(declaration: D): D {
  return declaration;
}

/** What a command's module exports: run() takes the context of the command it implements. */
export interface CommandImplementation<D extends CommandDeclaration> {
  run: (context: ContextOf<D>) => Promise<number | undefined>;
}

/**
 * A declared command with the module that implements it, loaded only when the command runs. The type check
 * holds the module's run() to the declaration's arguments and flags; parseCommandLine builds its context from the
 * same declaration, so handing it the untyped context at run time is sound.
 */
export function withImplementation<D extends CommandDeclaration>(
  declaration: D,
  load: () => Promise<CommandImplementation<NoInfer<D>>>,
): CommandDefinition {
  return { ...declaration, load: load as unknown as CommandDefinition["load"] };
}

/**
 * What is wrong with a set of declarations, one sentence each (none when they are sound): a command path declared
 * twice, a flag name or a short flag that one command would accept for two flags (its own, -o and the global
 * ones together — node's parser would silently give the letter to one of them), a default outside a flag's
 * choices. cli/definition.test.ts holds COMMANDS to an empty list.
 */
export function definitionProblems(commands: readonly Pick<CommandDefinition, "path" | "flags" | "output">[]) {
  const problems: string[] = [];
  const paths = new Set<string>();
  for (const command of commands) {
    const name = commandName(command);
    if (paths.has(name)) problems.push(`${name} is declared twice.`);
    paths.add(name);
    const longs = new Map<string, number>();
    const shorts = new Map<string, string[]>();
    for (const flag of flagsOf(command as CommandDefinition)) {
      longs.set(flag.name, (longs.get(flag.name) ?? 0) + 1);
      if (flag.short) shorts.set(flag.short, [...(shorts.get(flag.short) ?? []), flag.name]);
      if (flag.short !== undefined && !/^[a-zA-Z]$/.test(flag.short)) {
        problems.push(`${name}: --${flag.name}'s short form "${flag.short}" is not one letter.`);
      }
      if (flag.choices && typeof flag.default === "string" && !flag.choices.includes(flag.default)) {
        problems.push(`${name}: --${flag.name} defaults to "${flag.default}", which is not one of its choices.`);
      }
    }
    for (const [long, count] of longs) if (count > 1) problems.push(`${name}: --${long} is declared ${count} times.`);
    for (const [short, flags] of shorts) {
      if (flags.length > 1) {
        problems.push(`${name}: -${short} is the short form of ${flags.map((f) => `--${f}`).join(" and ")}.`);
      }
    }
  }
  return problems;
}
