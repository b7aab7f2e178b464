// Captures the logs of each Run task attempt into the database as the attempt ends, so that `logs` works after
// the pods are gone.
//
// Why here, beside the mirror, and not in the Run reconciler: capture needs the database, and only an operator that
// mirrors has one; it must never hold up a reconcile (a log read can take seconds, a kubelet can be unreachable);
// and, like the mirror, it follows what the watch caches show. It watches Jobs rather than Run status: each Job is
// one attempt (a retried task's earlier attempts are overwritten in status.tasks, but each keeps its Job), and a
// Job's Complete/Failed condition means its container has exited, so its output is final.
//
// Attempts the operator stops (cancel, Run or task timeout, Replace) are still running when the Run reconciler
// wants their Job gone. It asks `releaseForDeletion` first: the capture reads the logs at once (ahead of the queue)
// and answers false until it has them, or gave up; the reconciler requeues and deletes the Job on a later pass.
// The hold is bounded by one read's timeout (plus retries), so a cancelled Run always stops.
//
// Steady state: each attempt is read once. Captured attempts are remembered while their Job exists; after a restart
// `TaskLogStore.has` answers before any read. A failed read records an empty capture with the reason (and a Warning
// event on the Run, which the mirror puts in its timeline) instead of retrying forever.
import { Counter } from "prom-client";
import { ANNOTATION_LOGGING, LABEL_ATTEMPT, LABEL_JOB_NAME, LABEL_TASK, taskContainerName } from "../crds/run-names.ts";
import type { CapturedTaskLog, TaskLogStore } from "../db/task-logs.ts";
import { type KubeClient, resourcePath } from "../kube/kube-client.ts";
import type { Logger } from "../kube/logger.ts";
import type { OperatorMetrics } from "../kube/metrics.ts";
import { POD } from "../kube/resources.ts";
import { controllerOf, type KubeObject } from "../kube/types.ts";
import { JOB_INDEX } from "./reconcilers/run/indexes.ts";
import type { EventRecorder } from "./runtime/events.ts";
import type { Informer } from "./runtime/informer.ts";

/** Bytes of output kept per attempt by default (the tail, when there is more). */
export const DEFAULT_TASK_LOG_LIMIT_BYTES = 1024 * 1024;
const DEFAULT_CONCURRENCY = 4;
/** One logs request; a kubelet that does not answer in this time counts as unreachable. */
const READ_TIMEOUT_MS = 20_000;
/** Waits before re-reading after a transient failure (5xx, network); then the capture is recorded as failed. */
const RETRY_DELAYS_MS = [500, 2_000];
const CAPTURES_METRIC = "loco_operator_task_log_captures_total";
/** Captures read but not yet stored (the database is down) kept in memory at most; older ones are dropped. */
const MAX_UNSAVED = 32;

export interface TaskLogCaptureOptions {
  client: KubeClient;
  store: Pick<TaskLogStore, "save" | "has">;
  /** Jobs of Runs (the Run reconciler's cache). */
  jobs: Informer;
  /**
   * Runs this operator reconciles (its shard): only their Jobs are captured — the Jobs cache is cluster-wide, and
   * another operator's Runs are that operator's business.
   */
  runs: Informer;
  /** Pods of Runs' Jobs, indexed by JOB_INDEX. */
  pods: Informer;
  events: EventRecorder;
  log: Logger;
  metrics?: OperatorMetrics;
  now?: () => Date;
  /** Bytes kept per attempt; the tail is kept when the output is longer. */
  limitBytes?: number;
  /** Log reads in flight at once. */
  concurrency?: number;
}

/** One attempt of one task, as its Job says. */
interface Attempt {
  key: string;
  namespace: string;
  run: string;
  runUid: string;
  task: string;
  attempt: number;
  job: string;
}

type Outcome = "captured" | "truncated" | "failed";

const finished = (job: KubeObject) =>
  (((job.status ?? {}) as { conditions?: { type: string; status: string }[] }).conditions ?? []).some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );

/** The attempt a Job runs, or undefined for a Job that is not a Run's, or whose task does not want its logs kept. */
export function attemptOf(job: KubeObject): Attempt | undefined {
  const owner = controllerOf(job);
  const labels = job.metadata.labels ?? {};
  const task = labels[LABEL_TASK];
  const attempt = Number(labels[LABEL_ATTEMPT]);
  if (owner?.kind !== "Run" || !task || !Number.isInteger(attempt) || attempt < 1) return undefined;
  if (job.metadata.annotations?.[ANNOTATION_LOGGING] === "false") return undefined;
  return {
    key: `${owner.uid}/${task}/${attempt}`,
    namespace: job.metadata.namespace ?? "",
    run: owner.name,
    runUid: owner.uid,
    task,
    attempt,
    job: job.metadata.name ?? "",
  };
}

/** The pod whose logs are the attempt's: the newest that got past Pending (a Job with backoffLimit 0 has one). */
export function podToRead(pods: readonly KubeObject[]): KubeObject | undefined {
  const phase = (pod: KubeObject) => (pod.status as { phase?: string } | undefined)?.phase ?? "Pending";
  const newestFirst = [...pods].sort((a, b) =>
    (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""),
  );
  return newestFirst.find((p) => phase(p) !== "Pending") ?? newestFirst[0];
}

/** The container to read: the one named after the task, else `task` (older Jobs), else the first. */
export function containerToRead(pod: KubeObject, task: string): string | undefined {
  const names = ((pod.spec as { containers?: { name: string }[] } | undefined)?.containers ?? []).map((c) => c.name);
  return names.find((n) => n === taskContainerName(task)) ?? names.find((n) => n === "task") ?? names[0];
}

const STAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})) ?(.*)$/s;

/**
 * Lines of a `timestamps=true` log body: each starts with the RFC 3339 time the runtime stamped it with. A line
 * without one (the tail of a line cut by the byte limit) gets an empty time, which the store reads as "same as the
 * line before". The pods/log API merges stdout and stderr, so every line is recorded as stdout.
 */
export function parseLogBody(body: string): CapturedTaskLog["lines"] {
  const raw = body.split("\n");
  if (raw.at(-1) === "") raw.pop();
  return raw.map((text) => {
    const line = text.endsWith("\r") ? text.slice(0, -1) : text;
    const match = STAMPED.exec(line);
    return match
      ? { time: match[1]!, stream: "stdout" as const, line: match[2]! }
      : { time: "", stream: "stdout" as const, line };
  });
}

/** The end of `body` in at most `limit` bytes, starting at a line boundary when one is in reach. */
export function keepTail(body: string, limit: number): string {
  const bytes = Buffer.from(body, "utf8");
  if (bytes.length <= limit) return body;
  const start = bytes.length - limit;
  if (bytes[start - 1] === 0x0a) return bytes.subarray(start).toString("utf8");
  const newline = bytes.indexOf(0x0a, start);
  // The last line alone is longer than the limit: keep its end.
  if (newline < 0 || newline === bytes.length - 1) return bytes.subarray(start).toString("utf8");
  return bytes.subarray(newline + 1).toString("utf8");
}

/** One logs request: at most `limitBytes` bytes, of the last `tailLines` lines when set. */
export type LogFetch = (options: { limitBytes: number; tailLines?: number }) => Promise<string>;

/**
 * The whole log when it fits in `limit` bytes, else its tail within `limit` bytes. The apiserver's limitBytes keeps
 * the *head* of what it sends, and tailLines counts lines, not bytes: so read the head once (it tells whether the
 * log fits, and how long its lines are), then search for the largest N whose last N lines fit, starting from the
 * head's line length. An answer of between `limit` and `2 × limit` bytes ends the search (its tail is exact).
 * Each request transfers at most twice the limit; a truncated log costs a handful of requests, at most 16.
 */
export async function readTail(fetch: LogFetch, limit: number): Promise<{ body: string; truncated: boolean }> {
  const head = await fetch({ limitBytes: limit + 1 });
  const headBytes = Buffer.byteLength(head);
  if (headBytes <= limit) return { body: head, truncated: false };
  const headLines = Math.max(1, head.split("\n").length - 1);
  // The last `fits` lines are known to fit (`best` holds them); the last `tooMany` are known not to.
  let fits = 0;
  let best = "";
  let tooMany = Number.POSITIVE_INFINITY;
  let lines = Math.max(1, Math.floor(limit / (headBytes / headLines)));
  for (let round = 0; round < 15 && tooMany - fits > 1; round++) {
    const window = await fetch({ limitBytes: 2 * limit, tailLines: lines });
    const bytes = Buffer.byteLength(window);
    if (bytes >= 2 * limit) {
      // Cut: even the last line alone is longer than the window. Keep its start, which carries its time.
      if (lines === 1) return { body: Buffer.from(window).subarray(0, limit).toString("utf8"), truncated: true };
      tooMany = lines;
    } else if (bytes >= limit) {
      return { body: keepTail(window, limit), truncated: true };
    } else {
      fits = lines;
      best = window;
    }
    const grown = Math.ceil((fits * limit) / Math.max(1, Buffer.byteLength(best))) + 1;
    lines = Number.isFinite(tooMany) ? Math.floor((fits + tooMany) / 2) : grown;
    if (lines <= fits) break;
  }
  return { body: best, truncated: true };
}

class ReadFailure extends Error {
  readonly transient: boolean;
  constructor(message: string, transient: boolean) {
    super(message);
    this.transient = transient;
  }
}

export class TaskLogCapture {
  private readonly options: TaskLogCaptureOptions;
  private readonly limitBytes: number;
  private readonly concurrency: number;
  private readonly now: () => Date;
  /** Attempts captured (in the database, or read and waiting to be stored): forgotten when their Job goes. */
  private readonly settled = new Set<string>();
  /** Attempts being captured, and when a stop asked for them. */
  private readonly inFlight = new Map<string, { askedAtMs?: number }>();
  private readonly queue: Attempt[] = [];
  private readonly unsaved: CapturedTaskLog[] = [];
  private active = 0;
  private running = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private saveFailures = 0;
  private readonly work = new Set<Promise<void>>();
  private readonly counter: Counter<"outcome"> | undefined;
  /** For tests and benchmarks. */
  readonly stats = { reads: 0, captured: 0, truncated: 0, failed: 0, alreadyStored: 0 };

  constructor(options: TaskLogCaptureOptions) {
    this.options = options;
    this.limitBytes = options.limitBytes ?? DEFAULT_TASK_LOG_LIMIT_BYTES;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.now = options.now ?? (() => new Date());
    const registry = options.metrics?.registry;
    this.counter = registry
      ? ((registry.getSingleMetric(CAPTURES_METRIC) as Counter<"outcome"> | undefined) ??
        new Counter({
          name: CAPTURES_METRIC,
          help: "Run task attempts whose logs were captured into the database, by outcome (captured, truncated, failed)",
          labelNames: ["outcome"] as const,
          registers: [registry],
        }))
      : undefined;
    options.jobs.addHandlers({
      onUpsert: (job) => {
        if (this.running && finished(job)) this.consider(job);
      },
      onDelete: (job) => {
        const attempt = attemptOf(job);
        if (attempt) this.settled.delete(attempt.key);
      },
    });
  }

  /** Starts capturing (on the leader): every finished Job in the cache is checked once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const job of this.options.jobs.list()) if (finished(job)) this.consider(job);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const attempt of this.queue.splice(0)) this.inFlight.delete(attempt.key);
    clearTimeout(this.saveTimer);
    await Promise.allSettled([...this.work]);
  }

  /** Resolves when nothing is queued, being read or waiting to be stored (tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.queue.length > 0 || this.active > 0 || this.unsaved.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Asked by the Run reconciler before it deletes a Job that has not finished (cancel, timeout, Replace): true when
   * the Job may go now; false while its logs are being read (it starts the read, ahead of the queue). Never false
   * for long: a read has a timeout, and a capture that is not running (no leader here) holds nothing.
   */
  releaseForDeletion(job: KubeObject): boolean {
    const attempt = this.ours(job);
    if (!this.running || !attempt || this.settled.has(attempt.key)) return true;
    const flight = this.inFlight.get(attempt.key);
    const nowMs = Date.now();
    if (flight) {
      flight.askedAtMs ??= nowMs;
      // Still queued behind finished attempts: it goes next.
      const queued = this.queue.findIndex((q) => q.key === attempt.key);
      if (queued > 0) this.queue.unshift(...this.queue.splice(queued, 1));
      // Belt and braces: a read stuck beyond its timeouts must not keep a cancelled task running.
      return nowMs - flight.askedAtMs > READ_TIMEOUT_MS * (RETRY_DELAYS_MS.length + 2);
    }
    this.enqueue(attempt, true, nowMs);
    return false;
  }

  /** The attempt a Job runs, when it belongs to a Run this operator reconciles. */
  private ours(job: KubeObject): Attempt | undefined {
    const attempt = attemptOf(job);
    if (!attempt) return undefined;
    const run = this.options.runs.get(`${attempt.namespace}/${attempt.run}`);
    return run?.metadata.uid === attempt.runUid ? attempt : undefined;
  }

  private consider(job: KubeObject): void {
    const attempt = this.ours(job);
    if (!attempt || this.settled.has(attempt.key) || this.inFlight.has(attempt.key)) return;
    this.enqueue(attempt, false);
  }

  /** Queues a capture; `urgent` (a Job waiting to be deleted) goes first. */
  private enqueue(attempt: Attempt, urgent: boolean, askedAtMs?: number): void {
    this.inFlight.set(attempt.key, askedAtMs === undefined ? {} : { askedAtMs });
    if (urgent) this.queue.unshift(attempt);
    else this.queue.push(attempt);
    this.pump();
  }

  private pump(): void {
    while (this.running && this.active < this.concurrency && this.queue.length > 0) {
      const attempt = this.queue.shift()!;
      this.active++;
      const done = this.capture(attempt)
        .catch((error: unknown) => {
          // Unexpected (every known failure is recorded as a capture): give up on it rather than loop.
          this.settled.add(attempt.key);
          this.options.log.warn(
            { run: attempt.run, task: attempt.task, err: String(error) },
            "Failed to capture task logs",
          );
        })
        .finally(() => {
          this.active--;
          this.inFlight.delete(attempt.key);
          this.work.delete(done);
          this.pump();
        });
      this.work.add(done);
    }
  }

  private async capture(attempt: Attempt): Promise<void> {
    const { log } = this.options;
    try {
      if (await this.options.store.has(attempt.runUid, attempt.task, attempt.attempt)) {
        this.stats.alreadyStored++;
        this.settled.add(attempt.key);
        return;
      }
    } catch {
      // The database is down: read anyway (the pod may not wait); storing retries below.
    }
    const capturedAt = this.now().toISOString();
    const base = {
      namespace: attempt.namespace,
      run: attempt.run,
      runUid: attempt.runUid,
      task: attempt.task,
      attempt: attempt.attempt,
      capturedAt,
    };
    let captured: CapturedTaskLog;
    let outcome: Outcome;
    const pod = await this.findPod(attempt);
    const container = pod ? containerToRead(pod, attempt.task) : undefined;
    if (!pod || !container) {
      captured = {
        ...base,
        pod: pod?.metadata.name ?? "",
        truncated: false,
        lines: [],
        error: `Job ${attempt.job} had no pod left to read logs from (deleted before its logs were read).`,
      };
      outcome = "failed";
    } else if (((pod.status as { phase?: string } | undefined)?.phase ?? "Pending") === "Pending") {
      // Never started (stopped while it waited for a node or its image): there is no output, and that is no error.
      captured = { ...base, pod: pod.metadata.name ?? "", truncated: false, lines: [] };
      outcome = "captured";
    } else {
      const podName = pod.metadata.name ?? "";
      try {
        const { body, truncated } = await this.read(attempt.namespace, podName, container);
        captured = { ...base, pod: podName, truncated, lines: parseLogBody(body) };
        outcome = truncated ? "truncated" : "captured";
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        captured = {
          ...base,
          pod: podName,
          truncated: false,
          lines: [],
          error: `The logs of pod ${podName} (container ${container}) could not be read: ${why}`,
        };
        outcome = "failed";
      }
    }
    this.settled.add(attempt.key);
    this.stats[outcome]++;
    this.counter?.inc({ outcome });
    if (captured.error) {
      log.warn(
        { run: attempt.run, task: attempt.task, attempt: attempt.attempt, err: captured.error },
        "Failed to capture task logs",
      );
      // Not on a Run that is gone (its namespace may be terminating, and nobody reads its events).
      if (this.options.runs.get(`${attempt.namespace}/${attempt.run}`)?.metadata.uid === attempt.runUid)
        this.options.events.record(
          {
            apiVersion: "loco.dev/v1alpha1",
            kind: "Run",
            metadata: { name: attempt.run, namespace: attempt.namespace, uid: attempt.runUid },
          },
          "Warning",
          "LogsNotCaptured",
          `The logs of task ${attempt.task} (attempt ${attempt.attempt}) were not captured. ${captured.error}`,
        );
    } else {
      log.debug(
        {
          run: attempt.run,
          task: attempt.task,
          attempt: attempt.attempt,
          lines: captured.lines.length,
          truncated: captured.truncated,
        },
        "Captured task logs",
      );
    }
    await this.save(captured);
  }

  private async findPod(attempt: Attempt): Promise<KubeObject | undefined> {
    const cached = this.options.pods.byIndex(JOB_INDEX, `${attempt.namespace}/${attempt.job}`);
    if (cached.length > 0) return podToRead(cached);
    // Not in the cache (a slow watch, or gone): ask once.
    const listed = await this.options.client
      .list(POD, attempt.namespace, { labelSelector: `${LABEL_JOB_NAME}=${attempt.job}` })
      .catch(() => undefined);
    return listed ? podToRead(listed.items) : undefined;
  }

  private async read(namespace: string, pod: string, container: string): Promise<{ body: string; truncated: boolean }> {
    const fetch: LogFetch = async ({ limitBytes, tailLines }) => {
      const query = new URLSearchParams({ container, timestamps: "true", limitBytes: String(limitBytes) });
      if (tailLines !== undefined) query.set("tailLines", String(tailLines));
      const path = `${resourcePath(POD, namespace, pod, "log")}?${query}`;
      for (let attempt = 0; ; attempt++) {
        this.stats.reads++;
        try {
          const { status, body } = await this.options.client.text(path, READ_TIMEOUT_MS);
          if (status >= 200 && status < 300) return body;
          throw new ReadFailure(describeFailure(status, body), status >= 500 || status === 429);
        } catch (error) {
          const failure =
            error instanceof ReadFailure
              ? error
              : new ReadFailure(error instanceof Error ? error.message : String(error), true);
          const delay = RETRY_DELAYS_MS[attempt];
          if (!failure.transient || delay === undefined) throw failure;
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    };
    return readTail(fetch, this.limitBytes);
  }

  private async save(captured: CapturedTaskLog): Promise<void> {
    try {
      await this.options.store.save(captured);
      this.saveFailures = 0;
    } catch (error) {
      this.options.log.warn(
        { run: captured.run, task: captured.task, err: String(error) },
        "Failed to store task logs, retrying",
      );
      this.unsaved.push(captured);
      if (this.unsaved.length > MAX_UNSAVED) {
        const dropped = this.unsaved.shift()!;
        // Forgotten, so a later look (a restart, the Job seen again) captures it again if its pod is still there.
        this.settled.delete(`${dropped.runUid}/${dropped.task}/${dropped.attempt}`);
        this.options.log.warn(
          { run: dropped.run, task: dropped.task },
          "Dropped task logs the database could not take in time",
        );
      }
      this.scheduleSaves();
    }
  }

  private scheduleSaves(): void {
    if (this.saveTimer || !this.running) return;
    this.saveFailures++;
    const delay = Math.min(500 * 2 ** (this.saveFailures - 1), 30_000);
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      const retry = (async () => {
        while (this.unsaved.length > 0 && this.running) {
          const next = this.unsaved[0]!;
          try {
            await this.options.store.save(next);
          } catch {
            this.scheduleSaves();
            return;
          }
          this.unsaved.shift();
          this.saveFailures = 0;
        }
      })();
      this.work.add(retry);
      void retry.finally(() => this.work.delete(retry));
    }, delay);
    this.saveTimer.unref();
  }
}

function describeFailure(status: number, body: string): string {
  let message = body.trim().slice(0, 300);
  try {
    message = (JSON.parse(body) as { message?: string }).message ?? message;
  } catch {
    // Not a Status object: the text is the message.
  }
  if (status === 404) return `the pod is gone (${message}).`;
  return `the apiserver answered ${status}: ${message}${/[.!?]$/.test(message) ? "" : "."}`;
}
