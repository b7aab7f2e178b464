// The Run's state machine as one pure function: (tasks, last status, what the Jobs say, the time) → the next
// status, the Jobs to start and the time something next changes by itself. No clock, no I/O: the reconciler
// passes the time in and carries the plan out.
import { parseDuration } from "../../../crds/common.ts";
import { type ConditionStatus, Reason, TaskState } from "../../../crds/conditions.ts";
import type { DependencyOutcome, Task } from "../../../crds/pipeline.ts";
import type { TaskStatus } from "../../../crds/run.ts";
import { formatDuration, topologicalOrder } from "../pipeline/validation.ts";

/** A task as a Run executes it (a Pipeline task, or a one-off Run's inline task). */
export type RunTask = Omit<Task, "logging"> & { logging?: boolean };

/** What the reconciler read about one Job (and its pod). */
export interface JobObservation {
  name: string;
  createdMs: number;
  state: "Active" | "Succeeded" | "Failed";
  finishedMs?: number;
  /** The Job's Failed condition reason, e.g. DeadlineExceeded or BackoffLimitExceeded. */
  failureReason?: string;
  failureMessage?: string;
  /** Exit code of the pod's container, once the pod reports it. */
  exitCode?: number;
}

export interface StopRequest {
  reason: typeof Reason.UserCancelled | typeof Reason.Replaced | typeof Reason.TimedOut;
  message: string;
}

export interface RunPlanInput {
  tasks: readonly RunTask[];
  previous: readonly TaskStatus[] | undefined;
  /** Jobs by name; a name missing here does not exist. */
  jobs: ReadonlyMap<string, JobObservation>;
  nowMs: number;
  /** When the Run was admitted (its clock for the global timeout). */
  startMs: number;
  runTimeoutMs: number | undefined;
  /** Cancel or Replace: every task ends now. */
  stop: StopRequest | undefined;
  retryDelayMs: (failedAttempt: number) => number;
  jobName: (task: string, attempt: number) => string;
  /** A rerun (spec.reuse): these tasks are not run again; they keep the result they had in `run`. */
  reuse?: { run: string; tasks: ReadonlySet<string> };
}

export interface JobStart {
  task: RunTask;
  attempt: number;
  job: string;
}

export interface RunOutcome {
  status: Exclude<ConditionStatus, "Unknown">;
  reason: string;
  message: string;
}

export interface RunPlan {
  tasks: TaskStatus[];
  start: JobStart[];
  /** Set when every task has ended. */
  outcome: RunOutcome | undefined;
  /** The next time the plan changes without any event (a timeout, a retry); undefined when none. */
  wakeAtMs: number | undefined;
}

const TERMINAL = new Set<string>([TaskState.Succeeded, TaskState.Failed, TaskState.Skipped, TaskState.Cancelled]);
export const isTerminal = (state: string) => TERMINAL.has(state);

const iso = (ms: number) => new Date(ms).toISOString();

/** A task reused from an earlier Run succeeded there: its dependants see a success. */
const succeeded = (status: TaskStatus | undefined) =>
  status?.state === TaskState.Succeeded || (status?.state === TaskState.Skipped && status.reason === Reason.Reused);

function accepts(outcome: DependencyOutcome, status: TaskStatus | undefined): boolean {
  if (outcome === "Any") return true;
  if (outcome === "Success") return succeeded(status);
  return status?.state === TaskState.Failed;
}

const outcomeWord: Record<DependencyOutcome, string> = { Success: "success", Failure: "failure", Any: "any outcome" };

function clean(status: TaskStatus): TaskStatus {
  return Object.fromEntries(Object.entries(status).filter(([, v]) => v !== undefined)) as TaskStatus;
}

/** Decides the next step of every task. */
export function planRun(input: RunPlanInput): RunPlan {
  const { nowMs } = input;
  const previous = new Map((input.previous ?? []).map((t) => [t.name, t]));
  const order = topologicalOrder(input.tasks) ?? input.tasks.map((t) => t.name);
  const byName = new Map(input.tasks.map((t) => [t.name, t]));
  const next = new Map<string, TaskStatus>();
  const start: JobStart[] = [];
  let wakeAtMs: number | undefined;
  const wake = (at: number) => {
    wakeAtMs = wakeAtMs === undefined ? at : Math.min(wakeAtMs, at);
  };

  const runDeadline = input.runTimeoutMs === undefined ? undefined : input.startMs + input.runTimeoutMs;
  let stop = input.stop;
  if (!stop && runDeadline !== undefined) {
    if (nowMs >= runDeadline) {
      stop = {
        reason: Reason.TimedOut,
        message: `The Run exceeded its timeout of ${formatDuration(input.runTimeoutMs ?? 0)}.`,
      };
    } else wake(runDeadline);
  }

  for (const name of order) {
    const task = byName.get(name)!;
    const last: TaskStatus = previous.get(name) ?? { name, state: TaskState.Pending };
    const retries = task.retries ?? 0;
    const maxAttempts = retries + 1;
    const timeoutMs = parseDuration(task.timeout ?? "8h");
    const job = last.job ? input.jobs.get(last.job) : undefined;

    if (isTerminal(last.state)) {
      // The pod may report the exit code after the Job ended: fill it in when it arrives.
      next.set(name, clean({ ...last, exitCode: last.exitCode ?? job?.exitCode }));
      continue;
    }

    if (stop) {
      const cancelled = stop.reason !== Reason.TimedOut;
      const running = last.state === TaskState.Running;
      next.set(
        name,
        clean({
          ...last,
          state: cancelled ? TaskState.Cancelled : running ? TaskState.Failed : TaskState.Skipped,
          reason: stop.reason,
          message: running ? `${stop.message} The task was stopped.` : `${stop.message} The task never started.`,
          completionTime: running ? iso(nowMs) : undefined,
          nextAttemptTime: undefined,
          exitCode: last.exitCode ?? job?.exitCode,
        }),
      );
      continue;
    }

    if (last.state === TaskState.Pending && input.reuse?.tasks.has(name)) {
      next.set(
        name,
        clean({
          name,
          state: TaskState.Skipped,
          exitCode: 0,
          reason: Reason.Reused,
          message: `Skipped (reused from run ${input.reuse.run}): it succeeded there and is not run again.`,
        }),
      );
      continue;
    }

    if (last.state === TaskState.Pending) {
      const deps = Object.entries(task.dependsOn ?? {}) as [string, DependencyOutcome][];
      const blocked = deps.find(([dep, outcome]) => {
        const state = next.get(dep)?.state;
        return state !== undefined && isTerminal(state) && !accepts(outcome, next.get(dep));
      });
      if (blocked) {
        const [dep, outcome] = blocked;
        next.set(
          name,
          clean({
            name,
            state: TaskState.Skipped,
            reason: Reason.DependencyFailed,
            message: `Skipped: ${dep} ended ${next.get(dep)?.state}, and this task needs ${outcomeWord[outcome]} of ${dep}.`,
          }),
        );
        continue;
      }
      const waiting = deps.filter(([dep]) => !isTerminal(next.get(dep)?.state ?? TaskState.Pending));
      if (waiting.length > 0) {
        next.set(
          name,
          clean({
            name,
            state: TaskState.Pending,
            reason: Reason.Pending,
            message: `Waiting for ${waiting.map(([dep]) => dep).join(", ")}.`,
          }),
        );
        continue;
      }
      const jobName = input.jobName(name, 1);
      start.push({ task, attempt: 1, job: jobName });
      wake(nowMs + timeoutMs);
      next.set(
        name,
        clean({
          name,
          state: TaskState.Running,
          job: jobName,
          attempts: 1,
          startTime: iso(nowMs),
          reason: Reason.Running,
          message: `Attempt 1 of ${maxAttempts} is running in Job ${jobName}.`,
        }),
      );
      continue;
    }

    // Running: either waiting to retry, or an attempt in flight.
    const attempt = last.attempts ?? 1;
    if (last.nextAttemptTime) {
      const due = Date.parse(last.nextAttemptTime);
      if (nowMs < due) {
        wake(due);
        next.set(name, clean(last));
        continue;
      }
      const jobName = input.jobName(name, attempt + 1);
      start.push({ task, attempt: attempt + 1, job: jobName });
      wake(nowMs + timeoutMs);
      next.set(
        name,
        clean({
          ...last,
          job: jobName,
          attempts: attempt + 1,
          nextAttemptTime: undefined,
          reason: Reason.Running,
          message: `Attempt ${attempt + 1} of ${maxAttempts} is running in Job ${jobName}.`,
        }),
      );
      continue;
    }

    let failure: { reason: string; message: string; exitCode?: number; atMs: number } | undefined;
    if (!job) {
      failure = {
        reason: Reason.AbnormalExit,
        message: `Job ${last.job} was deleted before it finished.`,
        atMs: nowMs,
      };
    } else if (job.state === "Succeeded") {
      next.set(
        name,
        clean({
          ...last,
          state: TaskState.Succeeded,
          exitCode: 0,
          completionTime: iso(job.finishedMs ?? nowMs),
          reason: Reason.Completed,
          message: `Attempt ${attempt} of ${maxAttempts} succeeded.`,
        }),
      );
      continue;
    } else if (job.state === "Failed") {
      const timedOut = job.failureReason === "DeadlineExceeded";
      failure = {
        reason: timedOut ? Reason.TimedOut : Reason.AbnormalExit,
        message: timedOut
          ? `Attempt ${attempt} ran longer than the task's timeout of ${formatDuration(timeoutMs)}.`
          : job.exitCode !== undefined
            ? `Attempt ${attempt} exited with code ${job.exitCode}.`
            : `Attempt ${attempt} failed: ${job.failureMessage ?? "its pod ended without an exit code (killed or evicted)"}.`,
        ...(job.exitCode === undefined ? {} : { exitCode: job.exitCode }),
        atMs: job.finishedMs ?? nowMs,
      };
    } else if (nowMs >= job.createdMs + timeoutMs) {
      failure = {
        reason: Reason.TimedOut,
        message: `Attempt ${attempt} ran longer than the task's timeout of ${formatDuration(timeoutMs)}.`,
        atMs: nowMs,
      };
    } else {
      wake(job.createdMs + timeoutMs);
      next.set(name, clean(last));
      continue;
    }

    if (attempt < maxAttempts) {
      const due = Math.max(failure.atMs, nowMs) + input.retryDelayMs(attempt);
      wake(due);
      next.set(
        name,
        clean({
          ...last,
          exitCode: failure.exitCode,
          nextAttemptTime: iso(due),
          reason: failure.reason,
          message: `${failure.message} Retrying at ${iso(due)} (attempt ${attempt + 1} of ${maxAttempts}).`,
        }),
      );
    } else {
      next.set(
        name,
        clean({
          ...last,
          state: TaskState.Failed,
          exitCode: failure.exitCode,
          completionTime: iso(failure.atMs),
          reason: failure.reason,
          message: failure.message,
        }),
      );
    }
  }

  const tasks = input.tasks.map((t) => next.get(t.name)!);
  let outcome: RunOutcome | undefined;
  if (tasks.every((t) => isTerminal(t.state))) {
    const failed = tasks.filter((t) => t.state === TaskState.Failed);
    if (stop) outcome = { status: "False", reason: stop.reason, message: stop.message };
    else if (failed.length > 0) {
      outcome = {
        status: "False",
        reason: Reason.TaskFailed,
        message: `${failed.length === 1 ? "Task" : "Tasks"} ${failed.map((t) => t.name).join(", ")} failed: ${failed.map((t) => `${t.name}: ${t.message ?? t.reason}`).join(" ")}`,
      };
    } else {
      const reused = tasks.filter((t) => t.reason === Reason.Reused).length;
      const skipped = tasks.filter((t) => t.state === TaskState.Skipped).length - reused;
      outcome = {
        status: "True",
        reason: Reason.Completed,
        message: `All ${tasks.length - skipped - reused} task(s) that ran succeeded${skipped ? `; ${skipped} skipped` : ""}${reused ? `; ${reused} reused from run ${input.reuse?.run}` : ""}.`,
      };
    }
    wakeAtMs = undefined;
  }
  return { tasks, start, outcome, wakeAtMs };
}
