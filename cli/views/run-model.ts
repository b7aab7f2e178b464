// The run-watch view's model: a Run's state in, lines out. Pure (the clock is part of the state), so the live Ink
// view (run-view.ts), the plain lines printed when stdout is not a terminal, and the tests read the same text.
import type { RunTaskStatus, RunView } from "../client/run-client.ts";
import { type Line, seconds, type Tone } from "./deploy-model.ts";

export type WatchPhase = RunView["phase"] | "TimedOut";

export interface RunTaskState extends RunTaskStatus {
  /** Tasks it waits for (from the Run's snapshot of its Pipeline). */
  dependsOn?: string[];
}

export interface RunWatchState {
  run: string;
  pipeline: string | null;
  profile: string;
  phase: WatchPhase;
  reason: string | null;
  message: string | null;
  tasks: RunTaskState[];
  /** The last few log lines of each task, newest last (shown under running and failed tasks). */
  logs: Record<string, string[]>;
  /** The current time, for the durations of running tasks. */
  nowMs: number;
  startTime: string | null;
  completionTime: string | null;
  /** Set when the outcome is TimedOut: the --timeout that ran out. */
  timeoutMs?: number;
}

export const LOG_LINES_PER_TASK = 3;
export const TERMINAL_PHASES: ReadonlySet<WatchPhase> = new Set(["Succeeded", "Failed", "TimedOut"]);

/** The watch state after the API reported the Run, keeping the log lines and clock. Pure. */
export function fromRunView(view: RunView, previous: Partial<RunWatchState> = {}, nowMs = Date.now()): RunWatchState {
  const declared = new Map(
    (view.status.pipelineSpec?.tasks ?? []).map((t) => [t.name, Object.keys(t.dependsOn ?? {})] as const),
  );
  return {
    run: view.name,
    pipeline: view.pipeline,
    profile: view.profile,
    phase: view.phase,
    reason: view.reason,
    message: view.message,
    // A task's status names no dependencies (crds/run.ts TaskStatus): they come from the Pipeline's snapshot only.
    tasks: view.tasks.map(({ dependsOn: _none, ...t }) => ({
      ...t,
      ...(declared.get(t.name)?.length ? { dependsOn: declared.get(t.name) } : {}),
    })),
    logs: previous.logs ?? {},
    nowMs,
    startTime: view.startTime,
    completionTime: view.completionTime,
  };
}

/** Adds a log line of a task, keeping the last few. Pure. */
export function withLogLine(state: RunWatchState, task: string, line: string): RunWatchState {
  const lines = [...(state.logs[task] ?? []), line].slice(-LOG_LINES_PER_TASK);
  return { ...state, logs: { ...state.logs, [task]: lines } };
}

const icons: Record<string, string> = {
  Pending: "○",
  Running: "●",
  Succeeded: "✓",
  Failed: "✗",
  Skipped: "–",
  Cancelled: "⊘",
};
const tones: Record<string, Tone> = {
  Pending: "muted",
  Running: "busy",
  Succeeded: "good",
  Failed: "bad",
  Skipped: "muted",
  Cancelled: "bad",
};

function taskMs(task: RunTaskState, nowMs: number): number | undefined {
  if (!task.startTime) return undefined;
  const end = task.completionTime ? Date.parse(task.completionTime) : nowMs;
  return Math.max(0, end - Date.parse(task.startTime));
}

function runMs(state: RunWatchState): number {
  if (!state.startTime) return 0;
  const end = state.completionTime ? Date.parse(state.completionTime) : state.nowMs;
  return Math.max(0, end - Date.parse(state.startTime));
}

/** Depth of each task in the DAG (longest chain of dependencies before it), for indentation. */
function depths(tasks: readonly RunTaskState[]): Map<string, number> {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const memo = new Map<string, number>();
  const depth = (name: string, seen: Set<string>): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0;
    const deps = (byName.get(name)?.dependsOn ?? []).filter((d) => byName.has(d));
    const value = deps.length ? 1 + Math.max(...deps.map((d) => depth(d, new Set([...seen, name])))) : 0;
    memo.set(name, value);
    return value;
  };
  for (const t of tasks) depth(t.name, new Set());
  return memo;
}

/** What a task's line says after its name: state, reason, exit code, attempts. */
function taskDetail(task: RunTaskState): string {
  const parts: string[] = [task.state];
  if (task.reason && !["Completed", "Running", "Pending"].includes(task.reason)) parts.push(task.reason);
  if (task.exitCode !== undefined && task.exitCode !== 0) parts.push(`exit code ${task.exitCode}`);
  if ((task.attempts ?? 0) > 1) parts.push(`attempt ${task.attempts}`);
  return parts.join(", ");
}

function taskLine(task: RunTaskState, depth: number, nowMs: number): Line {
  const ms = taskMs(task, nowMs);
  const after = task.dependsOn?.length ? `  (after ${task.dependsOn.join(", ")})` : "";
  return {
    text: `${"  ".repeat(depth + 1)}${icons[task.state] ?? "?"} ${task.name}  ${taskDetail(task)}${ms === undefined ? "" : `  ${seconds(ms)}`}${after}`,
    tone: tones[task.state] ?? "plain",
  };
}

/** The task to blame for a failed Run: the first that failed on its own (not skipped for a dependency). */
export function failingTask(state: Pick<RunWatchState, "tasks">): RunTaskState | undefined {
  const failed = state.tasks.filter((t) => t.state === "Failed");
  const byTime = (t: RunTaskState) => (t.completionTime ? Date.parse(t.completionTime) : Number.MAX_SAFE_INTEGER);
  return failed.sort((a, b) => byTime(a) - byTime(b))[0];
}

const title = (state: RunWatchState) =>
  `Run ${state.run}${state.pipeline ? ` of pipeline ${state.pipeline}` : ""} (${state.profile})`;

/** The final line: success with the time taken, or the failure naming the failing task; undefined in progress. */
export function runFinalLine(state: RunWatchState): Line | undefined {
  const took = seconds(runMs(state));
  switch (state.phase) {
    case "Succeeded":
      return { text: `✓ ${title(state)} succeeded in ${took}`, tone: "good" };
    case "Failed": {
      if (state.reason === "UserCancelled")
        return { text: `✗ ${title(state)} was cancelled after ${took}`, tone: "bad" };
      const task = failingTask(state);
      const why = task
        ? `task ${task.name} failed (${[task.reason, task.exitCode !== undefined ? `exit code ${task.exitCode}` : undefined].filter(Boolean).join(", ") || "no reason"})${task.message ? `: ${task.message}` : ""}`
        : [state.reason, state.message].filter(Boolean).join(": ") || "the Run did not succeed";
      return { text: `✗ ${title(state)} failed after ${took}: ${why}`, tone: "bad" };
    }
    case "TimedOut":
      return {
        text: `✗ ${title(state)} did not finish within ${seconds(state.timeoutMs ?? 0)}; it is still ${state.tasks.some((t) => t.state === "Running") ? "running" : "in flight"} (loco run watch ${state.run})`,
        tone: "bad",
      };
    default:
      return undefined;
  }
}

/** Every line of the live view, top to bottom. */
export function runLines(state: RunWatchState): Line[] {
  const lines: Line[] = [{ text: title(state), tone: "plain" }];
  const final = runFinalLine(state);
  if (!final) {
    const running = state.tasks.filter((t) => t.state === "Running").length;
    const done = state.tasks.filter((t) => !["Pending", "Running"].includes(t.state)).length;
    const progress = state.tasks.length ? ` — ${done}/${state.tasks.length} tasks done, ${running} running` : "";
    const why = state.phase === "Queued" && state.message ? `: ${state.message}` : "";
    lines.push({ text: `${state.phase}${progress} (${seconds(runMs(state))})${why}`, tone: "busy", spinner: true });
  }
  const depth = depths(state.tasks);
  for (const task of state.tasks) {
    lines.push(taskLine(task, depth.get(task.name) ?? 0, state.nowMs));
    // A failed task keeps the last lines it printed on screen: usually why it failed.
    if (task.state === "Running" || task.state === "Failed") {
      const indent = "  ".repeat((depth.get(task.name) ?? 0) + 2);
      for (const log of state.logs[task.name] ?? []) lines.push({ text: `${indent}│ ${log}`, tone: "muted" });
    }
  }
  if (final) lines.push(final);
  return lines;
}

/**
 * For pipes: the lines to print when the state moves from `before` to `after` (the Run's phase and each task's
 * state), a log of the Run rather than a redrawn screen. The caller prints runFinalLine() once at the end.
 */
export function runChanges(before: RunWatchState | undefined, after: RunWatchState): string[] {
  const out: string[] = [];
  if (!before) out.push(title(after));
  if (before?.phase !== after.phase && !TERMINAL_PHASES.has(after.phase)) out.push(after.phase);
  const old = new Map((before?.tasks ?? []).map((t) => [t.name, `${t.state}/${t.attempts ?? 0}`]));
  for (const task of after.tasks) {
    if (old.get(task.name) === `${task.state}/${task.attempts ?? 0}`) continue;
    if (task.state === "Pending" && !old.has(task.name)) continue;
    const ms = taskMs(task, after.nowMs);
    const finished = !["Pending", "Running"].includes(task.state);
    out.push(`task ${task.name} ${taskDetail(task)}${finished && ms !== undefined ? ` in ${seconds(ms)}` : ""}`);
  }
  return out;
}
