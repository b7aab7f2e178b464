// `loco run -- <command…>`: a one-off Run of the command as an App (its image, env and secrets) or in an --image of
// its own; its log lines are streamed as they come, and loco exits with the command's exit code. Following the Run
// is cli/run-watch.ts's followRun, the same as `loco run watch`.
import { CliError, usageError } from "../cli-error.ts";
import { createRun, type OneOffRun, type RunLogRecord } from "../client/run-client.ts";
import { session, tenantOf } from "../client/session.ts";
import type { runCommand } from "../commands.ts";
import type { ContextOf } from "../context.ts";
import { parseDuration } from "../duration.ts";
import { exitCode } from "../exit-codes.ts";
import { printJson, printNdjson } from "../output.ts";
import { profileFor, readProject } from "../project/project.ts";
import { callRuns } from "../run-target.ts";
import { followRun } from "../run-watch.ts";
import { failingTask, type RunWatchState } from "../views/run-model.ts";

/** Watching goes on this long past the command's own timeout, for the Run to record its end. */
const WATCH_SLACK_MS = 5 * 60_000;

/** NAME=value words (--env, --pod-annotation) into pairs; a malformed one is a usage error naming the flag. */
export function pairs(flag: string, words: readonly string[]): [string, string][] {
  return words.map((word) => {
    const eq = word.indexOf("=");
    if (eq <= 0) {
      throw usageError(
        `Invalid --${flag} ${word}`,
        `--${flag} takes NAME=value.`,
        `Write it like --${flag} ${flag === "env" ? "LOG_LEVEL=debug" : "sidecar.istio.io/inject=false"}.`,
      );
    }
    return [word.slice(0, eq), word.slice(eq + 1)];
  });
}

/**
 * The exit code `loco run` ends with: the command's own when it ran to an exit (0 when the Run succeeded), the
 * run-failed code when it ended without one (timed out, cancelled, never started), the timeout code when watching
 * gave up first. A command's code above 255 cannot be an exit status: it is reported as run-failed.
 */
export function exitForCommand(state: RunWatchState): number {
  if (state.phase === "Succeeded") return exitCode("ok");
  if (state.phase === "TimedOut") return exitCode("timeout");
  const code = failingTask(state)?.exitCode ?? state.tasks[0]?.exitCode;
  return code !== undefined && code > 0 && code <= 255 ? code : exitCode("runFailed");
}

/**
 * `loco run -i`/`-t`: refused, saying why, before anything starts. A Run's command is its pod's main process, started
 * without stdin or a TTY; reaching it would take pods/attach to a container started for it, which loco does not do
 * yet (and kwok's attach serves only a canned log). An interactive shell as the App goes through `loco exec -it`.
 */
async function refuseInteractive(command: ContextOf<typeof runCommand>): Promise<never> {
  const { client } = session(command);
  const platform = await client.platform().catch(() => undefined);
  const app = command.flags.app ?? "<app>";
  throw new CliError({
    code: "usage",
    what: "loco run can't attach a terminal here",
    why: platform?.simulatedNodes
      ? "This platform's pods run on simulated nodes (kwok): attaching to a Run's pod gives back only a canned log, never a process that reads stdin."
      : "A Run's command starts as its pod's main process without stdin or a TTY, and loco does not attach to a Run's pod (pods/attach) yet.",
    fix: `For a shell with the App's image, env and secrets, open one in a running replica with \`loco exec -it ${app} -- sh\`. For a one-off command, drop -i/--tty and pass it after --, such as \`loco run -- ./manage migrate\`.`,
  });
}

export async function run(command: ContextOf<typeof runCommand>): Promise<number> {
  const argv = command.lists.command ?? [];
  if (argv.length === 0) {
    throw usageError(
      "No command to run",
      "loco run takes the command after --.",
      "Write it like `loco run -- ./manage migrate`.",
    );
  }
  if (command.flags.interactive || command.flags.tty) return refuseInteractive(command);
  const timeout = command.flags.timeout;
  const timeoutMs = parseDuration(timeout, "timeout");
  const env = pairs("env", command.lists.env ?? []).map(([name, value]) => ({ name, value }));
  const annotations = Object.fromEntries(pairs("pod-annotation", command.lists["pod-annotation"] ?? []));
  const project = await readProject(command, false);
  const profile = profileFor(command, project);
  const image = command.flags.image;
  const app = command.flags.app ?? (image === undefined ? project?.name : undefined);
  if (!app && !image) {
    throw usageError(
      "No app or image to run the command in",
      "--app was not given, there is no loco.toml here, and no --image.",
      "Pass --app <name> to run it as an App (its image, env and secrets), or --image <ref> to run it in that image.",
    );
  }
  const extras = {
    ...(env.length > 0 ? { env } : {}),
    timeout,
    ...(Object.keys(annotations).length > 0 ? { podAnnotations: annotations } : {}),
  };
  const body: OneOffRun = app
    ? { app: { name: app, command: [...argv], ...(image ? { image } : {}), ...extras } }
    : { task: { image: image!, command: [...argv], ...extras } };
  const { context, client } = session(command);
  const tenant = tenantOf(command, context);
  const where = app ? `as ${app} (${profile})` : `in ${image} (${profile})`;
  const started = await callRuns(`Could not run ${argv[0]} ${where}`, () => createRun(client, tenant, profile, body));

  if (command.flags.detach) {
    if (command.json) printJson(command.io, started);
    else command.io.stdout.write(`${started.name}\n`);
    return exitCode("ok");
  }
  if (!command.json) command.io.stderr.write(`Running ${argv.join(" ")} ${where} as run ${started.name}…\n`);
  const onLog = (record: RunLogRecord) => {
    if (command.json) printNdjson(command.io, { type: "log", ...record });
    else if ("error" in record) command.io.stderr.write(`(log unavailable: ${record.error})\n`);
    else command.io.stdout.write(`${record.line}\n`);
  };
  const final = await callRuns(`Could not follow run ${started.name}`, () =>
    followRun({
      client,
      tenant,
      profile,
      run: started.name,
      timeoutMs: timeoutMs + WATCH_SLACK_MS,
      log: command.log,
      withLogs: false,
      onLog,
      onState: () => {},
      started,
    }),
  );
  const code = exitForCommand(final);
  const task = final.tasks[0];
  if (command.json) {
    printNdjson(command.io, {
      type: "result",
      run: final.run,
      profile,
      phase: final.phase,
      reason: final.reason,
      exitCode: task?.exitCode ?? null,
      exit: code,
    });
  } else if (final.phase === "Failed") {
    const why = [task?.reason, task?.exitCode !== undefined ? `exit code ${task.exitCode}` : undefined]
      .filter(Boolean)
      .join(", ");
    command.io.stderr.write(
      `✗ Run ${final.run} failed${why ? ` (${why})` : ""}${final.reason === "UserCancelled" ? ": cancelled" : ""}. Its logs stay readable with \`loco run logs ${final.run}\`.\n`,
    );
  } else if (final.phase === "TimedOut") {
    command.io.stderr.write(
      `Stopped watching run ${final.run} after ${timeout} and ${WATCH_SLACK_MS / 60_000}m more; it goes on. Follow it with \`loco run watch ${final.run}\`.\n`,
    );
  }
  return code;
}
