// What `loco run start --watch` and `loco run watch` print while following a Run: the live task tree on a
// terminal, one line per change when piped, ndjson with -o json; and the exit code of the Run's outcome (0 when it
// succeeded, runFailed naming the failing task, timeout when --timeout ran out first).
import type { ApiClient } from "./client/api-client.ts";
import type { RunView } from "./client/run-client.ts";
import type { ContextWith } from "./context.ts";
import { parseDuration } from "./duration.ts";
import { exitCode } from "./exit-codes.ts";
import { failedTaskLines } from "./failed-task-lines.ts";
import { printNdjson } from "./output.ts";
import { callRuns } from "./run-target.ts";
import { followRun } from "./run-watch.ts";
import { failingTask, type RunWatchState, runChanges, runFinalLine } from "./views/run-model.ts";

export const exitForRun = (state: RunWatchState): number =>
  state.phase === "Succeeded"
    ? exitCode("ok")
    : state.phase === "TimedOut"
      ? exitCode("timeout")
      : exitCode("runFailed");

const taskSummary = (state: RunWatchState) =>
  state.tasks.map((t) => ({
    name: t.name,
    state: t.state,
    ...(t.exitCode !== undefined ? { exitCode: t.exitCode } : {}),
    ...(t.reason ? { reason: t.reason } : {}),
    ...(t.startTime ? { startTime: t.startTime } : {}),
    ...(t.completionTime ? { completionTime: t.completionTime } : {}),
  }));

export async function reportRun(
  command: ContextWith<{ timeout: string; "non-interactive": boolean | undefined }>,
  client: ApiClient,
  target: { tenant: string; profile: string; run: string },
  started?: RunView,
): Promise<number> {
  const timeoutMs = parseDuration(command.flags.timeout, "timeout");
  const startedAt = Date.now();
  const live = command.interactive && !command.flags["non-interactive"];
  const follow = (onState: (state: RunWatchState) => void) =>
    callRuns(`Could not follow Run ${target.run}`, () =>
      followRun({
        client,
        ...target,
        timeoutMs,
        log: command.log,
        withLogs: live,
        onState,
        ...(started ? { started } : {}),
      }),
    );

  let final: RunWatchState;
  if (command.json) {
    let last = "";
    final = await follow((state) => {
      const progress = { run: state.run, phase: state.phase, tasks: taskSummary(state) };
      const line = JSON.stringify(progress);
      if (line !== last && !["TimedOut"].includes(state.phase))
        printNdjson(command.io, { type: "progress", ...progress });
      last = line;
    });
    printNdjson(command.io, {
      type: "result",
      run: final.run,
      pipeline: final.pipeline,
      profile: final.profile,
      phase: final.phase,
      reason: final.reason,
      failedTask: final.phase === "Failed" ? (failingTask(final)?.name ?? null) : null,
      tasks: taskSummary(final),
      elapsedMs: Date.now() - startedAt,
    });
  } else if (live) {
    const { renderRunWatch } = await import("./views/run-screen.ts");
    const screen = renderRunWatch(command.io);
    try {
      final = await follow(screen.update);
    } finally {
      await screen.done();
    }
  } else {
    let previous: RunWatchState | undefined;
    final = await follow((state) => {
      for (const line of runChanges(previous, state)) command.io.stdout.write(`${line}\n`);
      previous = state;
    });
    // The failed task's last lines come first, so that the outcome stays the last line (scripts `tail -1` it).
    const failed = final.phase === "Failed" ? failingTask(final) : undefined;
    if (failed) {
      const lines = await failedTaskLines(client, target, failed.name, failed.attempts);
      if (lines.length > 0) command.io.stdout.write(`Last lines of task ${failed.name}:\n`);
      for (const line of lines) command.io.stdout.write(`  │ ${line}\n`);
    }
    command.io.stdout.write(`${runFinalLine(final)!.text}\n`);
  }
  return exitForRun(final);
}
