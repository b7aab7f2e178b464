// The logs of a Run: one task's or all tasks' merged by time. Finished attempts come from what the operator
// captured into the database (db/task-logs.ts), so they outlive their pods; attempts still running (or not captured
// yet) are read from their pods. With `follow`, running attempts are streamed live, attempts that start later are
// picked up as they start, and the stream ends once the Run has finished and every attempt's lines were sent.
//
// A task with `logging: false` in the Run's snapshot of its Pipeline is never read, live or captured: its output may
// hold what its author chose not to keep. The caller gets one record saying so instead. Until the snapshot is known
// (a Run just started, the mirror not caught up), no pod is read at all, since any of them might be such a task.

import { setTimeout as sleep } from "node:timers/promises";
import type { Kysely } from "kysely";
import { LABEL_ATTEMPT, LABEL_RUN, LABEL_TASK, labelValue } from "../crds/run-names.ts";
import type { Database } from "../db/schema.ts";
import { normaliseLogTime, TaskLogStore } from "../db/task-logs.ts";
import type { KubeAccess } from "../kube/kube-access.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { openPodLog } from "../kube/pod-log.ts";
import { POD } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";

export interface RunLogLine {
  task: string;
  attempt: number;
  pod: string;
  /** RFC 3339, UTC, nine fractional digits (so that string order is time order); empty when unknown. */
  time: string;
  line: string;
  /** Known for captured lines; a live pod's log does not tell stdout from stderr. */
  stream?: "stdout" | "stderr";
}
export interface RunLogError {
  task: string;
  pod: string;
  error: string;
  /** Set when nothing is wrong but the task's output is not shown on purpose. */
  reason?: "LoggingDisabled";
}
export type RunLogRecord = RunLogLine | RunLogError;

type Pod = KubeObject & { spec?: { containers?: { name: string }[] }; status?: { phase?: string } };

export interface RunLogOptions {
  db: Kysely<Database>;
  kube: KubeClient;
  kubeConfig: KubeAccess;
  namespace: string;
  run: string;
  task?: string;
  /** Last N lines of each task attempt. */
  tail?: number;
  follow: boolean;
  /** The Run as the mirror has it now (re-read while following): whether it finished, which tasks log. */
  state(): Promise<RunLogState>;
  emit(record: RunLogRecord): void;
  signal: AbortSignal;
  /** How often a follower looks for new attempts. */
  pollMs?: number;
}

export interface RunLogState {
  finished: boolean;
  /** Tasks whose output must not be shown; undefined while the Run's snapshot of its Pipeline is not known. */
  loggingOff: Set<string> | undefined;
}

/**
 * Pure: the tasks of a Run whose logging is off, from its spec and status. A one-off command always logs; a Pipeline
 * Run follows its snapshot (status.pipelineSpec), and is undefined until the operator has taken it.
 */
export function tasksWithLoggingOff(spec: unknown, status: unknown): Set<string> | undefined {
  if (!(spec as { pipelineRef?: unknown } | null)?.pipelineRef) return new Set();
  const snapshot = (status as { pipelineSpec?: { tasks?: { name?: string; logging?: boolean }[] } } | null)
    ?.pipelineSpec;
  if (!snapshot) return undefined;
  return new Set((snapshot.tasks ?? []).filter((t) => t.logging === false && t.name).map((t) => t.name as string));
}

/** The record sent in place of a task's output when its logging is off. */
export function loggingOffRecord(task: string): RunLogError {
  return {
    task,
    pod: "",
    error: `Logging is off for task ${task} (logging: false in its Pipeline), so its output is neither kept nor shown.`,
    reason: "LoggingDisabled",
  };
}

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) ?(.*)$/s;

const keyOf = (task: string, attempt: number) => `${task}#${attempt}`;
const podTask = (pod: Pod) => pod.metadata.labels?.[LABEL_TASK] ?? "";
const podAttempt = (pod: Pod) => Number(pod.metadata.labels?.[LABEL_ATTEMPT] ?? "1") || 1;
const running = (pod: Pod) => pod.status?.phase === "Running";

/** Sorts lines by time; lines of the same time keep their order (Array.prototype.sort is stable). */
export function mergeByTime<T extends { time: string }>(lines: T[]): T[] {
  return lines.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** Splits a pod's log text (fetched with timestamps) into lines of one task attempt. */
export function podLines(text: string, source: { task: string; attempt: number; pod: string }): RunLogLine[] {
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  let previous = "";
  return lines.map((raw) => {
    const clean = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const match = STAMPED.exec(clean);
    const time = (match && normaliseLogTime(match[1]!)) || previous;
    previous = time;
    return { ...source, time, line: match ? match[2]! : clean };
  });
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function streamRunLogs(options: RunLogOptions): Promise<void> {
  const { kube, namespace, run, task, tail, follow, emit, signal } = options;
  const store = new TaskLogStore(options.db);
  /** Attempts whose lines were sent (or are being streamed). */
  const sent = new Set<string>();
  let failedCaptures: { task: string; attempt: number; pod: string; error?: string }[] = [];
  const streams: Promise<void>[] = [];
  /** Tasks whose "logging is off" record was sent. */
  const told = new Set<string>();

  const selector = `${LABEL_RUN}=${labelValue(run)}${task ? `,${LABEL_TASK}=${task}` : ""}`;
  const listPods = async () =>
    (await kube.list<Pod>(POD, namespace, { labelSelector: selector })).items.filter(
      (pod) => pod.status?.phase !== "Pending" && podTask(pod) !== "",
    );

  /** Captured lines of attempts not sent yet, tail applied per attempt. */
  async function captured(loggingOff: Set<string>): Promise<RunLogLine[]> {
    const captures = await store.captures(namespace, run);
    // A capture that recorded only an error is left to the pod (still there, perhaps), else reported at the end.
    const mine = captures.filter(
      (c) => (!task || c.task === task) && !loggingOff.has(c.task) && !sent.has(keyOf(c.task, c.attempt)),
    );
    failedCaptures = mine.filter((c) => c.lineCount === 0 && c.error);
    const wanted = mine.filter((c) => c.lineCount > 0);
    if (wanted.length === 0) return [];
    const lines = await store.forRun(namespace, run, task ? { task } : {});
    const out: RunLogLine[] = [];
    for (const capture of wanted) {
      const key = keyOf(capture.task, capture.attempt);
      sent.add(key);
      const own = lines.filter((l) => l.task === capture.task && l.attempt === capture.attempt);
      out.push(...(tail === undefined ? own : own.slice(Math.max(0, own.length - tail))));
    }
    return out;
  }

  const target = (pod: Pod) => ({
    namespace,
    pod: pod.metadata.name ?? "",
    container: pod.spec?.containers?.[0]?.name ?? "",
  });

  /** One pod's log so far (not following). */
  async function readPod(pod: Pod): Promise<RunLogLine[]> {
    const stream = await openPodLog(
      options.kubeConfig,
      target(pod),
      { timestamps: true, ...(tail !== undefined ? { tailLines: tail } : {}) },
      signal,
    );
    let text = "";
    for await (const chunk of stream) text += (chunk as Buffer).toString("utf8");
    return podLines(text, { task: podTask(pod), attempt: podAttempt(pod), pod: pod.metadata.name ?? "" });
  }

  /** Follows a running pod's log, emitting lines as they come; resolves when the log ends. */
  async function followPod(pod: Pod): Promise<void> {
    const source = { task: podTask(pod), attempt: podAttempt(pod), pod: pod.metadata.name ?? "" };
    let partial = "";
    let previous = "";
    const send = (text: string) => {
      for (const line of podLines(text, source)) {
        if (!line.time) line.time = previous;
        previous = line.time;
        emit(line);
      }
    };
    try {
      const stream = await openPodLog(
        options.kubeConfig,
        target(pod),
        { follow: true, timestamps: true, ...(tail !== undefined ? { tailLines: tail } : {}) },
        signal,
      );
      for await (const chunk of stream) {
        const text = partial + (chunk as Buffer).toString("utf8");
        const complete = text.lastIndexOf("\n");
        partial = complete === -1 ? text : text.slice(complete + 1);
        if (complete !== -1) send(text.slice(0, complete + 1));
      }
      if (partial) send(partial);
    } catch (error) {
      if (!signal.aborted)
        emit({ ...source, error: `The log of this attempt could not be read (${describe(error)}); retry.` });
    }
  }

  /** Reads what is there now: captured attempts, then pods of attempts not captured (live ones followed). */
  async function sweep(streamLive: boolean, loggingOff: Set<string> | undefined): Promise<RunLogLine[]> {
    // Not known yet which tasks may be shown: nothing is read until the snapshot is.
    if (!loggingOff) return [];
    for (const off of loggingOff) {
      if ((task && off !== task) || told.has(off)) continue;
      told.add(off);
      emit(loggingOffRecord(off));
    }
    const lines = await captured(loggingOff);
    for (const pod of await listPods()) {
      const key = keyOf(podTask(pod), podAttempt(pod));
      if (sent.has(key) || loggingOff.has(podTask(pod))) continue;
      if (streamLive && running(pod)) {
        sent.add(key);
        streams.push(followPod(pod));
        continue;
      }
      // An attempt the operator has not captured (yet) is read from its pod.
      sent.add(key);
      try {
        lines.push(...(await readPod(pod)));
      } catch (error) {
        emit({
          task: podTask(pod),
          pod: pod.metadata.name ?? "",
          error: `The log could not be read (${describe(error)}).`,
        });
      }
    }
    return mergeByTime(lines);
  }

  /** Attempts nothing could be read of: the capture's error, once, when no pod had their lines either. */
  function reportUncaptured(): void {
    for (const capture of failedCaptures) {
      const key = keyOf(capture.task, capture.attempt);
      if (sent.has(key)) continue;
      sent.add(key);
      emit({
        task: capture.task,
        pod: capture.pod,
        error: `The logs of this attempt were not captured: ${capture.error}`,
      });
    }
  }

  const first = await options.state();
  for (const line of await sweep(follow, first.loggingOff)) emit(line);
  if (!follow) {
    reportUncaptured();
    return;
  }
  const pollMs = options.pollMs ?? 1000;
  while (!signal.aborted) {
    const now = await options.state();
    for (const line of await sweep(!now.finished, now.loggingOff)) emit(line);
    if (now.finished) break;
    await sleep(pollMs, undefined, { signal }).catch(() => undefined);
  }
  reportUncaptured();
  // The Run is over: live streams end as their containers did; give them a moment, then stop.
  await Promise.race([Promise.all(streams), sleep(5_000)]);
}
