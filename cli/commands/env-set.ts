import { usageError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { envSetCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { appTarget } from "../project/project.ts";
import { readSecretValue } from "../secret-input.ts";
import { printEnv } from "./env-ls.ts";

/** One NAME whose value comes from stdin or --from-file (cli/secret-input.ts). */
function secretValues(command: ContextOf<typeof envSetCommand>, words: readonly string[]) {
  const file = command.flags["from-file"];
  return readSecretValue({
    io: command.io,
    cwd: command.cwd,
    words,
    fromFile: typeof file === "string" ? file : undefined,
    command: "loco env set --secret",
    many: (name) =>
      name
        ? `for many secrets use loco env sync FILE --secret ${name}`
        : "for several use loco env sync FILE --secret NAME1,NAME2",
  });
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
