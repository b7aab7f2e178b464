// `--help` text, from the declarations: a command's usage, arguments, flags and exit codes, or a group's list.
import { type CommandDefinition, commandName, type FlagDefinition, flagsOf, usageLine } from "./definition.ts";
import { EXIT_CODES, type ExitCodeName } from "./exit-codes.ts";
import { childrenOf, commandTree } from "./parse.ts";

export function flagLabel(flag: FlagDefinition): string {
  const value = flag.type === "boolean" ? "" : ` ${flag.valueName ?? (flag.type === "number" ? "N" : "VALUE")}`;
  return `${flag.short ? `-${flag.short}, ` : "    "}--${flag.name}${value}`;
}

export function flagNote(flag: FlagDefinition): string {
  const notes: string[] = [];
  if (flag.default !== undefined && flag.default !== false) notes.push(`default ${flag.default}`);
  if (flag.env) notes.push(`env ${flag.env}`);
  return notes.length ? ` (${notes.join("; ")})` : "";
}

function columns(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
}

/** 0, 1 and the command's own, in numeric order. */
export function exitCodesOf(command: CommandDefinition): ExitCodeName[] {
  const names = new Set<ExitCodeName>(["ok", "usage", ...command.exitCodes]);
  return [...names].sort((a, b) => EXIT_CODES[a].code - EXIT_CODES[b].code);
}

export function commandHelp(command: CommandDefinition): string {
  const lines = [command.summary, "", "Usage:", `  ${usageLine(command)}`];
  if (command.description) lines.push("", command.description);
  if (command.args?.length) {
    lines.push("", "Arguments:", ...columns(command.args.map((a) => [a.name, a.description])));
  }
  lines.push("", "Flags:", ...columns(flagsOf(command).map((f) => [flagLabel(f), `${f.description}${flagNote(f)}`])));
  if (command.examples?.length) lines.push("", "Examples:", ...command.examples.map((e) => `  ${e}`));
  lines.push(
    "",
    "Exit codes:",
    ...columns(exitCodesOf(command).map((c) => [String(EXIT_CODES[c].code), EXIT_CODES[c].meaning])),
  );
  return `${lines.join("\n")}\n`;
}

const TOP_LEVEL_INTRO = "loco deploys apps to Kubernetes from a loco.toml, per profile (dev, prod, …).";

export function groupHelp(commands: readonly CommandDefinition[], path: readonly string[]): string {
  const { byPath } = commandTree(commands);
  const rows: [string, string][] = [];
  for (const name of childrenOf(commands, path)) {
    const full = [...path, name];
    const command = byPath.get(full.join(" "));
    const sub = childrenOf(commands, full);
    rows.push([full.join(" "), command ? command.summary : `${sub.join(", ")}`]);
  }
  const where = ["loco", ...path].join(" ");
  const lines = path.length === 0 ? [TOP_LEVEL_INTRO, ""] : [];
  lines.push("Usage:", `  ${where} <command> [flags]`, "", "Commands:", ...columns(rows));
  if (path.length === 0) {
    lines.push(
      "",
      "Global flags:",
      ...columns(
        flagsOf({ path: [], summary: "", exitCodes: [], load: async () => ({ run: async () => 0 }) }).map((f) => [
          flagLabel(f),
          f.description,
        ]),
      ),
    );
  }
  lines.push("", `Run \`${where} <command> --help\` for a command's flags.`);
  return `${lines.join("\n")}\n`;
}

/** Help for a path: a command's, a group's, or undefined when the path names neither. */
export function helpFor(commands: readonly CommandDefinition[], path: readonly string[]): string | undefined {
  const command = commandTree(commands).byPath.get(path.join(" "));
  // A command that is also a group (`loco run`): its own help, then its subcommands.
  if (command && childrenOf(commands, path).length > 0)
    return `${commandHelp(command)}\n${groupHelp(commands, path).split("\n").slice(3).join("\n")}`;
  if (command) return commandHelp(command);
  if (path.length === 0 || childrenOf(commands, path).length > 0) return groupHelp(commands, path);
  return undefined;
}

export { commandName };
