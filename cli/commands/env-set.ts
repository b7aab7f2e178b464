import { usageError } from "../cli-error.ts";
import type { CommandContext } from "../context.ts";
import { appTarget } from "../project.ts";
import { call, session, tenantOf } from "../session.ts";
import { printEnv } from "./env-ls.ts";

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}

export async function run(command: CommandContext): Promise<number> {
  const words = command.lists.variables ?? [];
  const secret = command.flags.secret === true;
  const set: Record<string, string> = {};
  if (secret && words.length === 1 && !words[0]!.includes("=")) {
    // `env set --secret NAME`: the value from stdin, never from argv (shell history) and never echoed.
    if (command.io.stdin.isTTY) command.io.stderr.write(`Value of ${words[0]} (not echoed; end with Ctrl-D):\n`);
    set[words[0]!] = (await readStdin(command.io.stdin)).replace(/\r?\n$/, "");
  } else {
    for (const word of words) {
      const equals = word.indexOf("=");
      if (equals <= 0)
        throw usageError(
          `Invalid variable "${word}"`,
          "Variables are written NAME=value.",
          secret ? "For a secret, pass only its NAME and the value on stdin." : "Write it as NAME=value.",
        );
      set[word.slice(0, equals)] = word.slice(equals + 1);
    }
  }
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
