import { usageError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { envSetCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { appTarget } from "../project/project.ts";
import { printEnv } from "./env-ls.ts";

const { readFileSync } = process.getBuiltinModule("node:fs");
const { resolve } = process.getBuiltinModule("node:path");

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

/** One trailing newline is what `echo` and editors add; it is never part of the value. */
const withoutFinalNewline = (text: string) => text.replace(/\r?\n$/, "");

/**
 * A secret's value comes from a file or stdin only: on the command line it would land in the shell's history,
 * in `ps` output for every user of the machine and in the debug log.
 */
export async function secretValues(
  command: Pick<ContextOf<typeof envSetCommand>, "cwd" | "io"> & { flags: { "from-file"?: string | undefined } },
  words: readonly string[],
  /** The command as the user typed it, for the advice (`loco secrets set` reads its value the same way). */
  verb = "loco env set --secret",
): Promise<Record<string, string>> {
  const withValue = words.find((word) => word.includes("="));
  if (withValue !== undefined) {
    const name = withValue.slice(0, withValue.indexOf("="));
    throw usageError(
      `Refused to read the value of secret ${name} from the command line`,
      "A value on the command line stays in your shell's history and is visible to other users of this machine.",
      `Pass only the name and give the value on stdin (printf %s "$VALUE" | ${verb} ${name}) or from a file (--from-file PATH); for many secrets use loco env sync FILE --secret ${name}.`,
    );
  }
  if (words.length !== 1) {
    throw usageError(
      `${verb.replace(/^loco /, "")} takes one NAME`,
      `Got ${words.length} names; a single value (from stdin or --from-file) can only belong to one secret.`,
      "Set one secret per call, or use loco env sync FILE --secret NAME1,NAME2 for several.",
    );
  }
  const name = words[0]!;
  const file = command.flags["from-file"];
  if (typeof file === "string") {
    try {
      return { [name]: withoutFinalNewline(readFileSync(resolve(command.cwd, file), "utf8")) };
    } catch (error) {
      throw usageError(
        `Could not read the value of ${name} from ${file}`,
        error instanceof Error ? error.message : String(error),
        "Check the path given to --from-file.",
      );
    }
  }
  if (command.io.stdin.isTTY) command.io.stderr.write(`Value of ${name} (not echoed; end with Ctrl-D):\n`);
  return { [name]: withoutFinalNewline(await readStdin(command.io.stdin)) };
}

function plainValues(words: readonly string[]): Record<string, string> {
  const set: Record<string, string> = {};
  for (const word of words) {
    const equals = word.indexOf("=");
    if (equals <= 0)
      throw usageError(`Invalid variable "${word}"`, "Variables are written NAME=value.", "Write it as NAME=value.");
    set[word.slice(0, equals)] = word.slice(equals + 1);
  }
  return set;
}

export async function run(command: ContextOf<typeof envSetCommand>): Promise<number> {
  const words = command.lists.variables ?? [];
  const secret = command.flags.secret === true;
  if (!secret && command.flags["from-file"] !== undefined) {
    throw usageError(
      "--from-file is for secrets",
      "It reads one secret value from a file.",
      "Add --secret, or write plain variables as NAME=value.",
    );
  }
  const set = secret ? await secretValues(command, words) : plainValues(words);
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const env = await call(`Could not set the environment of ${app} (${profile})`, () =>
    client.setEnv(tenant, app, profile, { set, secret }),
  );
  if (!command.json)
    command.io.stderr.write(
      `Set ${Object.keys(set).join(", ")}${secret ? " (secret)" : ""} on ${app} (${profile}); the App rolls out with it.\n`,
    );
  printEnv(command, env);
  return 0;
}
