// The `loco …` commands a page of the docs quotes, and whether each would parse: the docs linter
// (cli/docs-commands.test.ts runs it over README.md, docs/ and docs/examples/). Code blocks are held to the
// parser itself (commands, flags, their values, arguments); inline mentions such as
// `loco run logs <run> [--task NAME] [-f]` are synopses, so only their command and flag names are checked.
import { CliError } from "./cli-error.ts";
import { type CommandDefinition, commandName, flagsOf } from "./definition.ts";
import { commandTree, parseCommandLine } from "./parse.ts";

export interface QuotedCommand {
  /** 1-based line of the page. */
  line: number;
  /** The command as quoted, from `loco` on. */
  text: string;
  /** Its words after `loco`, shell quoting removed. */
  words: string[];
  /** A runnable line of a code block, or a synopsis quoted in prose. */
  kind: "block" | "inline";
}

const SHELL_FENCES = new Set(["sh", "bash", "shell", "console", "zsh"]);

/** Shell words of a command line, up to a comment, a redirection or the end; quotes removed. */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let current: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else current = (current ?? "") + c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      current ??= "";
    } else if (/\s/.test(c)) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else if (c === "#" && current === undefined) break;
    else if (c === "<" && /^<[A-Za-z][\w.=-]*>/.test(text.slice(i))) current = (current ?? "") + c;
    else if ((c === ">" || c === "<") && current === undefined) break;
    else current = (current ?? "") + c;
  }
  if (current !== undefined) words.push(current);
  return words;
}

/** The `loco` invocations in one shell line: after pipes, `&&`, `;`, `$(` and `<(`, past VAR=value prefixes. */
function locoSegments(line: string): string[] {
  const found: string[] = [];
  for (const part of line.split(/\|\||&&|;|\||\$\(|<\(/)) {
    const words = part.trim().replace(/\)\s*$/, "");
    const match = /^(?:[A-Z_][A-Z0-9_]*=\S*\s+)*(?:npx\s+)?(loco(?:\s.*)?)$/.exec(words);
    if (match) found.push(match[1]!.trim());
  }
  return found;
}

/** Every `loco …` a Markdown page quotes: lines of its shell code blocks, and inline code that starts with `loco `. */
export function quotedCommands(markdown: string): QuotedCommand[] {
  const quoted: QuotedCommand[] = [];
  const lines = markdown.split("\n");
  let fence: string | undefined;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const opening = /^\s*```\s*([\w-]*)/.exec(line);
    if (opening) {
      fence = fence === undefined ? opening[1]! || "text" : undefined;
      continue;
    }
    if (fence !== undefined) {
      if (!SHELL_FENCES.has(fence)) continue;
      // In a console block only the prompt lines are commands; the rest is what they print.
      let command = line.trim();
      if (fence === "console") {
        if (!command.startsWith("$ ")) continue;
        command = command.slice(2);
      }
      // A continued line: join the next ones.
      while (command.endsWith("\\") && index + 1 < lines.length)
        command = `${command.slice(0, -1)} ${lines[++index]!.trim()}`;
      for (const text of locoSegments(command)) {
        quoted.push({ line: index + 1, text, words: shellWords(text).slice(1), kind: "block" });
      }
      continue;
    }
    for (const match of line.matchAll(/`(loco [a-z-][^`]*)`/g)) {
      const text = match[1]!;
      for (const segment of locoSegments(text)) {
        quoted.push({ line: index + 1, text: segment, words: shellWords(segment).slice(1), kind: "inline" });
      }
    }
  }
  return quoted;
}

/** Why a quoted command would not parse against the declarations, or undefined when it does. */
export function checkQuoted(quoted: QuotedCommand, commands: readonly CommandDefinition[]): string | undefined {
  if (quoted.kind === "block") {
    try {
      parseCommandLine(quoted.words, commands, {});
      return undefined;
    } catch (error) {
      if (error instanceof CliError) return `${error.what}: ${error.why}`;
      throw error;
    }
  }
  return checkSynopsis(quoted.words, commands);
}

/** An inline synopsis: its command (or command group) exists and every flag it names is one of that command's. */
function checkSynopsis(rawWords: readonly string[], commands: readonly CommandDefinition[]): string | undefined {
  // Synopsis notation: [optional], alternatives a|b, repetition … — keep the words inside.
  const words = rawWords.flatMap((w) => w.replace(/[[\]…]|\.\.\./g, "").split("|")).filter((w) => w !== "");
  const { groups, byPath } = commandTree(commands);
  const path: string[] = [];
  let command: CommandDefinition | undefined;
  for (const word of words) {
    if (word.startsWith("-")) break;
    const next = [...path, word].join(" ");
    if (byPath.has(next)) {
      path.push(word);
      command = byPath.get(next);
      continue;
    }
    if (groups.has(next) && !command) {
      path.push(word);
      continue;
    }
    break;
  }
  const flagWords = words.filter((w) => w.startsWith("-") && w !== "-" && w !== "--");
  if (!command) {
    const group = path.join(" ");
    if (path.length > 0 && groups.has(group) && flagWords.every((w) => w === "--help" || w === "-h")) return undefined;
    if (words.length > 0 && words.every((w) => ["--help", "-h", "--version", "-v"].includes(w))) return undefined;
    return `Unknown command "loco ${words.filter((w) => !w.startsWith("-")).join(" ")}".`;
  }
  const flags = flagsOf(command);
  for (const word of flagWords) {
    if (word.startsWith("--")) {
      const name = word.slice(2).split("=")[0]!;
      const negated = name.startsWith("no-") && flags.some((f) => f.type === "boolean" && f.name === name.slice(3));
      if (!negated && !flags.some((f) => f.name === name)) return `${commandName(command)} has no flag --${name}.`;
    } else {
      for (const letter of word.slice(1).split("=")[0]!) {
        if (!flags.some((f) => f.short === letter)) return `${commandName(command)} has no flag -${letter}.`;
      }
    }
  }
  return undefined;
}
