// argv → the command and its typed arguments and flags, from the declarations alone (node:util parseArgs does
// the tokenising; this adds command paths, types, choices, defaults, env fallbacks and usage errors that say
// what to do).
// Built-ins through process.getBuiltinModule: an ESM import builds a facade that reads every export (running
// their lazy getters), which costs a noticeable part of a short command's start-up (bench/cli-startup.ts).
const { parseArgs } = process.getBuiltinModule("node:util");

import { CliError } from "./cli-error.ts";
import { type CommandDefinition, commandName, type FlagDefinition, type FlagValue, flagsOf } from "./definition.ts";

export type Parsed =
  | {
      kind: "run";
      command: CommandDefinition;
      args: Record<string, string | undefined>;
      lists: Record<string, string[]>;
      flags: Record<string, FlagValue | undefined>;
    }
  | { kind: "help"; path: readonly string[] }
  | { kind: "version" };

const usage = (what: string, why: string, fix: string) => new CliError({ code: "usage", what, why, fix });

/** The command groups (["token"], ["context"]) and commands, by their space-joined path. */
export function commandTree(commands: readonly CommandDefinition[]) {
  const groups = new Set<string>();
  for (const c of commands) for (let i = 1; i < c.path.length; i++) groups.add(c.path.slice(0, i).join(" "));
  return { groups, byPath: new Map(commands.map((c) => [c.path.join(" "), c])) };
}

/** Subcommand names under a path ("" for the top level). */
export function childrenOf(commands: readonly CommandDefinition[], path: readonly string[]): string[] {
  const names = new Set<string>();
  for (const c of commands) {
    if (c.path.length > path.length && path.every((p, i) => c.path[i] === p)) names.add(c.path[path.length]!);
  }
  return [...names];
}

/** Positionals in argv, skipping the values of flags that take one (so `--context prod ls` finds `ls`). */
function positionals(argv: readonly string[], valueFlags: Set<string>): string[] {
  const words: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") break;
    if (token.startsWith("-") && token !== "-") {
      if (!token.includes("=") && valueFlags.has(token)) i++;
      continue;
    }
    words.push(token);
  }
  return words;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const best = candidates.map((c) => ({ c, d: editDistance(word, c) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(1, Math.floor(word.length / 3)) ? best.c : undefined;
}

function convert(flag: FlagDefinition, raw: string | boolean, source: string): FlagValue {
  if (flag.type === "boolean") {
    if (typeof raw === "boolean") return raw;
    if (/^(1|true|yes)$/i.test(raw)) return true;
    if (/^(0|false|no|)$/i.test(raw)) return false;
    throw usage(`Invalid ${source}`, `"${raw}" is not a boolean.`, "Use 1/true or 0/false.");
  }
  const text = String(raw);
  if (flag.type === "number") {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) {
      throw usage(`Invalid ${source}`, `"${text}" is not a number.`, `Pass a number, such as --${flag.name} 3.`);
    }
    return value;
  }
  if (flag.choices && !flag.choices.includes(text)) {
    throw usage(
      `Invalid ${source}`,
      `"${text}" is not one of ${flag.choices.join(", ")}.`,
      `Use one of: ${flag.choices.join(", ")}.`,
    );
  }
  return text;
}

/**
 * `-it` (docker's "interactive, with a terminal") for a command with --interactive (-i) and --tty: without this,
 * getopt-style grouping reads it as -i plus -t, which is --tenant on every loco command.
 */
function dockerStyle(argv: readonly string[], flags: readonly FlagDefinition[]): string[] {
  if (!flags.some((f) => f.name === "tty") || !flags.some((f) => f.name === "interactive")) return [...argv];
  const end = argv.indexOf("--");
  return argv.flatMap((word, i) =>
    (end < 0 || i < end) && (word === "-it" || word === "-ti") ? ["--interactive", "--tty"] : [word],
  );
}

export function parseCommandLine(
  argv: readonly string[],
  commands: readonly CommandDefinition[],
  env: Record<string, string | undefined> = {},
): Parsed {
  const { groups, byPath } = commandTree(commands);
  const valueFlags = new Set<string>();
  for (const c of commands) {
    for (const f of flagsOf(c)) {
      if (f.type === "boolean") continue;
      valueFlags.add(`--${f.name}`);
      if (f.short) valueFlags.add(`-${f.short}`);
    }
  }
  const words = positionals(argv, valueFlags);
  // Words after `--` belong to a command line passed on (`loco run -- ls --help`), never to loco.
  const dashDash = argv.indexOf("--");
  const own = dashDash < 0 ? argv : argv.slice(0, dashDash);
  const wantsHelp = own.includes("--help") || own.includes("-h");

  if (words[0] === "help") return { kind: "help", path: words.slice(1) };
  if (words.length === 0) {
    if (own.includes("--version") || own.includes("-v")) return { kind: "version" };
    if (argv.length === 0 || wantsHelp) return { kind: "help", path: [] };
  }

  // The longest prefix of the words that names a command.
  let command: CommandDefinition | undefined;
  for (let n = Math.min(words.length, 3); n > 0 && !command; n--) command = byPath.get(words.slice(0, n).join(" "));
  if (!command) {
    const prefix: string[] = [];
    for (const word of words) {
      if (!groups.has([...prefix, word].join(" "))) break;
      prefix.push(word);
    }
    const next = words[prefix.length];
    if (next === undefined) return { kind: "help", path: prefix };
    const siblings = childrenOf(commands, prefix);
    const guess = suggest(next, siblings);
    const where = ["loco", ...prefix].join(" ");
    throw usage(
      `Unknown command "${[...prefix, next].join(" ")}"`,
      `${where} has no command "${next}".`,
      guess
        ? `Did you mean \`${where} ${guess}\`? Run \`${where} --help\` for the list.`
        : `Run \`${where} --help\` for the list.`,
    );
  }
  if (wantsHelp) return { kind: "help", path: command.path };
  // A command that is also a group (`loco run -- …` beside `loco run start`) takes its words only after `--`:
  // a word before it is a subcommand, and an unknown one is reported as such.
  const pathKey = command.path.join(" ");
  if (groups.has(pathKey)) {
    const next = words[command.path.length];
    if (next === undefined && dashDash < 0) return { kind: "help", path: command.path };
    if (next !== undefined) {
      const where = ["loco", ...command.path].join(" ");
      const guess = suggest(next, childrenOf(commands, command.path));
      throw usage(
        `Unknown command "${[...command.path, next].join(" ")}"`,
        `${where} has no command "${next}", and a command line to run goes after --.`,
        guess
          ? `Did you mean \`${where} ${guess}\`? To run ${next}, write \`${where} -- ${next} …\`.`
          : `To run ${next}, write \`${where} -- ${next} …\`; run \`${where} --help\` for the list.`,
      );
    }
  }

  const flags = flagsOf(command);
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const f of flags)
    options[f.name] = {
      type: f.type === "boolean" ? "boolean" : "string",
      ...(f.short ? { short: f.short } : {}),
      ...(f.multiple ? { multiple: true } : {}),
    };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: dockerStyle(argv, flags),
      options,
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
    const names = flags.map((f) => f.name);
    const guess = unknown ? suggest(unknown.replace(/^-+/, ""), names) : undefined;
    throw usage(
      unknown
        ? `Unknown flag ${unknown} for \`${commandName(command)}\``
        : `Invalid flags for \`${commandName(command)}\``,
      unknown ? `${commandName(command)} has no flag ${unknown}.` : message.split("\n")[0]!,
      `${guess ? `Did you mean --${guess}? ` : ""}Run \`${commandName(command)} --help\` for its flags.`,
    );
  }

  const values: Record<string, FlagValue | undefined> = {};
  const lists: Record<string, string[]> = {};
  for (const f of flags) {
    const raw = parsed.values[f.name];
    if (f.multiple) {
      lists[f.name] = (Array.isArray(raw) ? raw : []).map((v) => String(convert(f, String(v), `--${f.name}`)));
      continue;
    }
    if (raw !== undefined && typeof raw !== "object") values[f.name] = convert(f, raw, `--${f.name}`);
    else if (f.env && env[f.env] !== undefined && env[f.env] !== "")
      values[f.name] = convert(f, env[f.env]!, `${f.env}`);
    else values[f.name] = f.default;
  }

  const rest = parsed.positionals.slice(command.path.length);
  const declared = command.args ?? [];
  if (rest.length > declared.length && !declared.at(-1)?.variadic) {
    throw usage(
      `Too many arguments for \`${commandName(command)}\``,
      `It takes ${declared.length === 0 ? "no arguments" : declared.map((a) => a.name).join(", ")}, but got ${rest.join(" ")}.`,
      `Run \`${commandName(command)} --help\`.`,
    );
  }
  const args: Record<string, string | undefined> = {};
  declared.forEach((a, i) => {
    const value = rest[i];
    if (value === undefined && a.required) {
      throw usage(
        `Missing <${a.name}> for \`${commandName(command)}\``,
        `${a.description}`,
        `Run \`${commandName(command)} --help\`.`,
      );
    }
    if (value !== undefined && a.choices && !a.choices.includes(value)) {
      throw usage(
        `Invalid <${a.name}>`,
        `"${value}" is not one of ${a.choices.join(", ")}.`,
        `Use one of: ${a.choices.join(", ")}.`,
      );
    }
    args[a.name] = value;
  });
  const last = declared.at(-1);
  if (last?.variadic) lists[last.name] = rest.slice(declared.length - 1);
  return { kind: "run", command, args, lists, flags: values };
}
