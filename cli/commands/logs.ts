import { usageError } from "../cli-error.ts";
import type { LogRecord } from "../client/api-client.ts";
import { followLogs } from "../client/log-follow.ts";
import { call, session, tenantOf } from "../client/session.ts";
import type { logsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printNdjson } from "../output.ts";
import { appTarget } from "../project/project.ts";
import { type LogLine, plainLogLine, tableRows } from "../views/logs-model.ts";

export async function run(command: ContextOf<typeof logsCommand>): Promise<number> {
  const since = command.flags.since;
  if (since !== undefined && !/^\d{1,6}[smh]$/.test(since)) {
    throw usageError(
      "Invalid --since",
      `"${since}" is not a duration in seconds, minutes or hours.`,
      "Write it like 30s, 10m or 2h.",
    );
  }
  const tail = command.flags.tail;
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
    throw usageError(
      "Invalid --tail",
      `${tail} is not a whole number ≥ 0.`,
      "Pass a number of lines, such as --tail 100.",
    );
  const pod = command.flags.pod;
  const { app, profile } = await appTarget(command);
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const follow = command.flags.follow === true;
  const open = (after: string | undefined) =>
    client.logs(tenant, app, profile, {
      follow,
      ...(tail !== undefined ? { tail } : {}),
      ...(since ? { since } : {}),
      ...(after ? { after } : {}),
    });
  // A follow survives breaks (an API restart): it reopens from where it was, so no line is lost or repeated.
  const { records, stop } = await call(`Could not read the logs of ${app} (${profile})`, async () => {
    if (!follow) return open(undefined);
    const first = await open(undefined);
    let opened = false;
    return followLogs(async (after) => {
      if (!opened) {
        opened = true;
        return first;
      }
      return open(after);
    });
  });
  const wanted = (r: LogRecord) => !pod || r.pod === pod || r.pod.includes(pod);
  const toLine = (r: LogRecord): LogLine =>
    "error" in r
      ? { pod: r.pod, container: r.container, text: `(log unavailable: ${r.error})` }
      : { pod: r.pod, container: r.container, text: r.line, ...(r.time ? { time: r.time } : {}) };
  const format = command.flags.output;

  if (format === "table" && command.interactive) {
    const { renderLogs } = await import("../views/logs-screen.ts");
    await renderLogs(command.io, records, { filter: wanted, toLine, stop });
    return 0;
  }
  let header = false;
  try {
    for await (const record of records) {
      if (!wanted(record)) continue;
      if (command.json) printNdjson(command.io, record);
      else if (format === "table") {
        const { header: head, rows } = tableRows([toLine(record)], 160);
        if (!header) command.io.stdout.write(`${head}\n`);
        header = true;
        command.io.stdout.write(`${rows[0]}\n`);
      } else command.io.stdout.write(`${plainLogLine(toLine(record))}\n`);
    }
  } finally {
    stop();
  }
  return 0;
}
