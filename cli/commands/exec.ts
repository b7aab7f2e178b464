// `loco exec <app> -- <command…>`: one command in a running replica of an App (the API's POST …/apps/{app}/exec),
// its output printed as it comes, loco exiting with its exit code. With -i/-t it is a two-way session instead
// (GET …/exec upgraded to a WebSocket, cli/terminal-session.ts): stdin forwarded, with -t in a terminal.
import { TERMINAL_PROTOCOL, type TerminalResult } from "../../crds/terminal-protocol.ts";
import { CliError, usageError } from "../cli-error.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { execCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { exitCode } from "../exit-codes.ts";
import { printNdjson } from "../output.ts";
import { profileFor, readProject } from "../project/project.ts";
import { runTerminalSession } from "../terminal-session.ts";

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
  if (command.flags.interactive || command.flags.tty) return interactive(command, app, argv);
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

/** `loco exec -i` (stdin) or `-it` (stdin and a terminal): a WebSocket session with the command. */
async function interactive(
  command: ContextOf<typeof execCommand>,
  app: string,
  argv: readonly string[],
): Promise<number> {
  const tty = command.flags.tty === true;
  if (tty && !command.io.stdin.isTTY) {
    throw new CliError({
      code: "usage",
      what: "loco exec --tty (-it) needs a terminal",
      why: "Its stdin is not a terminal (it is a pipe, a file or /dev/null), so there are no keystrokes or window size to hand to the command's terminal.",
      fix: `Run it from a terminal; to feed the command from a pipe instead, use -i without --tty, such as \`echo 'ls -la' | loco exec -i ${app} -- sh\`.`,
    });
  }
  if (command.json) {
    throw usageError(
      "-o json does not go with -i/--tty",
      "An interactive session writes the command's own output, not records.",
      `Drop -o json, or drop -i/--tty to get ndjson records: \`loco exec ${app} -o json -- ${argv.join(" ")}\`.`,
    );
  }
  const profile = profileFor(command, await readProject(command, false));
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const query = new URLSearchParams({ profile, tty: String(tty) });
  for (const word of argv) query.append("command", word);
  if (command.flags.pod) query.set("pod", command.flags.pod);
  const path = `/v1/tenants/${encodeURIComponent(tenant)}/apps/${encodeURIComponent(app)}/exec?${query}`;
  const socket = await call(`Could not open a session in ${app} (${profile})`, () =>
    client.webSocket(path, TERMINAL_PROTOCOL),
  );
  const result: TerminalResult | undefined = await runTerminalSession({ socket, io: command.io, tty });
  // A terminal's output may end mid-line (a prompt): loco's own words start on a line of their own.
  const say = (text: string) => command.io.stderr.write(`${tty ? "\r\n" : ""}${text}\n`);
  if (!result) {
    say("✗ The connection to the API closed before the command ended.");
    return exitCode("runFailed");
  }
  if (result.exitCode === null)
    say(`✗ The session in ${result.pod} ended without an exit code: ${result.message ?? "unknown"}.`);
  return exitForExec(result.exitCode);
}
