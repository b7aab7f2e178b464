// The CLI as a function: argv, streams and environment in, exit code out (cli/main.ts is the process shell).
// Every failure ends here: a CliError is shown as an Ink error box on a terminal and as plain lines otherwise;
// anything else is a bug, shown the same way with the debug log's path.
import { CliError, formatErrorPlain } from "./cli-error.ts";
import { COMMANDS } from "./commands.ts";
import type { CommandContext, Io } from "./context.ts";
import { type DebugLog, debugLogPath, fileDebugLog, noDebugLog } from "./debug-log.ts";
import type { CommandDefinition } from "./definition.ts";
import { exitCode } from "./exit-codes.ts";
import { helpFor } from "./help.ts";
import { parseCommandLine } from "./parse.ts";

export const VERSION = "0.1.0";

export interface RunOptions {
  io: Io;
  env: Record<string, string | undefined>;
  cwd: string;
  commands?: readonly CommandDefinition[];
}

/**
 * argv as the debug log shows it: the value of every `NAME=value` word and `--flag=value` is replaced, because a
 * user may type a secret there (and share the log in a bug report); names and flags stay for the reader.
 */
export function redactArgv(argv: readonly string[]): string[] {
  return argv.map((word) => {
    const equals = word.indexOf("=");
    return equals > 0 ? `${word.slice(0, equals)}=<redacted>` : word;
  });
}

const debugRequested = (argv: readonly string[], env: Record<string, string | undefined>) =>
  argv.includes("--debug") || /^(1|true|yes)$/i.test(env.LOCO_DEBUG ?? "");

export async function runCli(argv: readonly string[], options: RunOptions): Promise<number> {
  const { io, env } = options;
  const commands = options.commands ?? COMMANDS;
  let log: DebugLog = noDebugLog;
  if (debugRequested(argv, env)) {
    log = fileDebugLog(debugLogPath(env));
    log.write("Started loco", {
      version: VERSION,
      argv: redactArgv(argv).join(" "),
      node: process.version,
      cwd: options.cwd,
    });
  }
  let code: number;
  try {
    code = await dispatch(argv, options, commands, log);
  } catch (error) {
    const shown =
      error instanceof CliError
        ? error
        : new CliError({
            code: "unavailable",
            what: "loco failed unexpectedly",
            why: error instanceof Error ? error.message : String(error),
            fix: "Run again with --debug and report the log's contents.",
            cause: error,
          });
    log.write("Failed", {
      code: shown.code,
      what: shown.what,
      why: shown.why,
      requestId: shown.requestId,
      cause: error instanceof CliError ? error.cause : error,
    });
    if (!(error instanceof CliError) && error instanceof Error) log.write("Stack", { stack: error.stack });
    await showError(io, shown);
    code = shown.exitCode;
  }
  if (log.path) {
    log.write("Exited", { code });
    io.stderr.write(`Debug log: ${log.path}\n`);
  }
  return code;
}

async function dispatch(
  argv: readonly string[],
  options: RunOptions,
  commands: readonly CommandDefinition[],
  log: DebugLog,
): Promise<number> {
  const parsed = parseCommandLine(argv, commands, options.env);
  if (parsed.kind === "version") {
    options.io.stdout.write(`loco ${VERSION}\n`);
    return 0;
  }
  if (parsed.kind === "help") {
    const text = helpFor(commands, parsed.path);
    if (!text) {
      throw new CliError({
        code: "usage",
        what: `No help for "${parsed.path.join(" ")}"`,
        why: "There is no such command.",
        fix: "Run `loco --help` for the list.",
      });
    }
    options.io.stdout.write(text);
    return 0;
  }
  const json = parsed.flags.output === "json";
  const context: CommandContext = {
    command: parsed.command,
    args: parsed.args,
    lists: parsed.lists,
    flags: parsed.flags,
    io: options.io,
    env: options.env,
    cwd: options.cwd,
    json,
    interactive: !json && options.io.stdout.isTTY === true && options.env.TERM !== "dumb" && !options.env.CI,
    log,
  };
  log.write("Running command", { command: parsed.command.path.join(" "), interactive: context.interactive, json });
  const module = await parsed.command.load();
  return (await module.run(context)) ?? exitCode("ok");
}

async function showError(io: Io, error: CliError): Promise<void> {
  if (io.stderr.isTTY) {
    const { renderErrorBox } = await import("./views/error-box.ts");
    await renderErrorBox(io, error);
    return;
  }
  io.stderr.write(formatErrorPlain(error));
}
