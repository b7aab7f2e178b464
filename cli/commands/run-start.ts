import { usageError } from "../cli-error.ts";
import { startRun } from "../client/run-client.ts";
import type { runStartCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { parseDuration } from "../duration.ts";
import { printJson } from "../output.ts";
import { reportRun } from "../run-report.ts";
import { callRuns, runTarget } from "../run-target.ts";

/** --param NAME=value, repeated, into an object; a malformed one is a usage error naming it. */
export function parseParams(params: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const param of params) {
    const eq = param.indexOf("=");
    if (eq <= 0) {
      throw usageError(
        `Invalid --param ${param}`,
        "A parameter is NAME=value.",
        "Write it like --param version=1.4.2 (repeat --param for more).",
      );
    }
    out[param.slice(0, eq)] = param.slice(eq + 1);
  }
  return out;
}

export async function run(command: ContextOf<typeof runStartCommand>): Promise<number> {
  const pipeline = command.args.pipeline;
  const parameters = parseParams(command.lists.param ?? []);
  if (command.flags.watch) parseDuration(command.flags.timeout, "timeout"); // refuse a bad --timeout first
  const { client, tenant, profile } = await runTarget(command);
  const started = await callRuns(`Could not start a Run of pipeline ${pipeline} (${profile})`, () =>
    startRun(client, tenant, pipeline, profile, Object.keys(parameters).length ? { parameters } : {}),
  );
  if (!command.flags.watch) {
    if (command.json) printJson(command.io, started);
    else
      command.io.stdout.write(
        `Started run ${started.name} of pipeline ${pipeline} (${profile}). Follow it with \`loco run watch ${started.name}\`.\n`,
      );
    return 0;
  }
  if (!command.json && !command.interactive) command.io.stdout.write(`Started run ${started.name}\n`);
  return reportRun(command, client, { tenant, profile, run: started.name }, started);
}
