// Reading one secret value for a command (`loco env set --secret`, `loco pipeline secrets set`): from a file or
// stdin only, never the command line, where it would land in the shell's history, in `ps` output for every user of
// the machine and in the debug log. Never echoed.
import { usageError } from "./cli-error.ts";
import type { Io } from "./context.ts";

const { readFileSync } = process.getBuiltinModule("node:fs");
const { resolve } = process.getBuiltinModule("node:path");

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** One trailing newline is what `echo` and editors add; it is never part of the value. */
const withoutFinalNewline = (text: string) => text.replace(/\r?\n$/, "");

export interface SecretInput {
  io: Io;
  cwd: string;
  /** The words naming the secret: exactly one NAME. */
  words: readonly string[];
  /** --from-file, when given. */
  fromFile: string | undefined;
  /** How to give the value on stdin, in advice: `loco env set --secret`. */
  command: string;
  /** How to set several at once, in advice (given the NAME when one is known). */
  many: (name: string | undefined) => string;
}

/** The one NAME and its value, from --from-file or stdin; a value on the command line is refused, naming it. */
export async function readSecretValue(input: SecretInput): Promise<Record<string, string>> {
  const { words, command } = input;
  const withValue = words.find((word) => word.includes("="));
  if (withValue !== undefined) {
    const name = withValue.slice(0, withValue.indexOf("="));
    throw usageError(
      `Refused to read the value of secret ${name} from the command line`,
      "A value on the command line stays in your shell's history and is visible to other users of this machine.",
      `Pass only the name and give the value on stdin (printf %s "$VALUE" | ${command} ${name}) or from a file (--from-file PATH); ${input.many(name)}.`,
    );
  }
  if (words.length !== 1) {
    throw usageError(
      `${command.replace(/^loco /, "")} takes one NAME`,
      `Got ${words.length} names; a single value (from stdin or --from-file) can only belong to one secret.`,
      `Set one secret per call; ${input.many(undefined)}.`,
    );
  }
  const name = words[0]!;
  if (input.fromFile !== undefined) {
    try {
      return { [name]: withoutFinalNewline(readFileSync(resolve(input.cwd, input.fromFile), "utf8")) };
    } catch (error) {
      throw usageError(
        `Could not read the value of ${name} from ${input.fromFile}`,
        error instanceof Error ? error.message : String(error),
        "Check the path given to --from-file.",
      );
    }
  }
  if (input.io.stdin.isTTY) input.io.stderr.write(`Value of ${name} (not echoed; end with Ctrl-D):\n`);
  return { [name]: withoutFinalNewline(await readStdin(input.io.stdin)) };
}
