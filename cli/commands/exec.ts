// `loco exec <app> -- <command…>`: one command in a running replica of an App (the API's POST …/apps/{app}/exec),
// its output printed as it comes, loco exiting with its exit code.
import { CliError, usageError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { execCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { exitCode } from "../exit-codes.ts";
import { printNdjson } from "../output.ts";
import { profileFor, readProject } from "../project/project.ts";

/** One record of the API's exec stream. */
export type ExecRecord =
  | { stream: "stdout" | "stderr"; data: string }
  | { exitCode: number | null; pod: string; message?: string };

/** The command's own code when it has one a process can exit with; run-failed otherwise. */
export function exitForExec(code: number | null): number {
  if (code === 0) return exitCode("ok");
  return code !== null && code > 0 && code <= 255 ? code : exitCode("runFailed");
}

export async function run(command: ContextOf<typeof execCommand>): Promise<number> {
  const app = command.args.app!;
  const argv = command.lists.command ?? [];
  if (argv.length === 0) {
    throw usageError(
      "No command to run",
      "loco exec takes the command after --.",
      `Write it like \`loco exec ${app} -- sh -c 'ls -la'\`.`,
    );
  }
  if (command.flags.interactive || command.flags.tty) {
    throw new CliError({
      code: "usage",
      what: "loco exec can't attach a terminal",
      why: "The loco API runs a command and streams its output back, but does not yet carry your stdin or a TTY to the pod.",
      fix: `Drop -i/--tty and pass the whole command after --, such as \`loco exec ${app} -- sh -c 'ls -la'\`.`,
    });
  }
  const profile = profileFor(command, await readProject(command, false));
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const path = `/v1/tenants/${encodeURIComponent(tenant)}/apps/${encodeURIComponent(app)}/exec?${new URLSearchParams({ profile })}`;
  const { records, stop } = await call(`Could not run the command in ${app} (${profile})`, () =>
    client.ndjson<ExecRecord>(path, { command: argv, ...(command.flags.pod ? { pod: command.flags.pod } : {}) }),
  );
  let result: { exitCode: number | null; pod: string; message?: string } | undefined;
  try {
    for await (const record of records) {
      if (command.json) printNdjson(command.io, record);
      if ("stream" in record) {
        if (!command.json) (record.stream === "stderr" ? command.io.stderr : command.io.stdout).write(record.data);
      } else result = record;
    }
  } finally {
    stop();
  }
  if (!result) {
    if (!command.json) command.io.stderr.write("✗ The connection to the API closed before the command ended.\n");
    return exitCode("runFailed");
  }
  if (result.exitCode === null && !command.json) {
    command.io.stderr.write(
      `✗ The command in ${result.pod} ended without an exit code: ${result.message ?? "unknown"}.\n`,
    );
  }
  return exitForExec(result.exitCode);
}
