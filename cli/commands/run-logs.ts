import { usageError } from "../cli-error.ts";
import { runLogs } from "../client/run-client.ts";
import type { runLogsCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { printNdjson } from "../output.ts";
import { callRuns, runTarget } from "../run-target.ts";

export async function run(command: ContextOf<typeof runLogsCommand>): Promise<number> {
  const name = command.args.run;
  const tail = command.flags.tail;
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
    throw usageError(
      "Invalid --tail",
      `${tail} is not a whole number ≥ 0.`,
      "Pass a number of lines, such as --tail 100.",
    );
  const task = command.flags.task;
  const { client, tenant, profile } = await runTarget(command);
  const { records, stop } = await callRuns(`Could not read the logs of run ${name} (${profile})`, () =>
    runLogs(client, tenant, name, profile, {
      follow: command.flags.follow === true,
      ...(task ? { task } : {}),
      ...(tail !== undefined ? { tail } : {}),
    }),
  );
  try {
    for await (const record of records) {
      if (command.json) printNdjson(command.io, record);
      else if ("error" in record)
        command.io.stdout.write(`${record.task || "-"} | (log unavailable: ${record.error})\n`);
      else {
        const attempt = record.attempt > 1 ? `#${record.attempt}` : "";
        command.io.stdout.write(`${record.time ? `${record.time} ` : ""}${record.task}${attempt} | ${record.line}\n`);
      }
    }
  } finally {
    stop();
  }
  return 0;
}
