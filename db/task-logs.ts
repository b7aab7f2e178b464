// The captured logs of Run tasks (table `task_logs`, one row per task attempt): written by the operator as each
// attempt finishes, read by the API once the pods are gone. Lines keep the time the container runtime stamped them
// with, so the logs of a Run's tasks can be merged into one stream ordered by time.
import { type Kysely, sql } from "kysely";
import type { Database, Row, StoredLogLine } from "./schema.ts";
import { withStorageErrors } from "./with-storage-errors.ts";

export type LogStream = StoredLogLine["stream"];

/** One line of a Run's captured logs, as `forRun` returns it. */
export interface TaskLogLine {
  /** RFC 3339 with nine fractional digits, UTC (e.g. 2026-11-23T16:25:05.120000000Z). */
  time: string;
  task: string;
  attempt: number;
  pod: string;
  stream: LogStream;
  line: string;
}

/** What the operator captured of one attempt of one task. */
export interface CapturedTaskLog {
  namespace: string;
  run: string;
  runUid: string;
  task: string;
  attempt: number;
  /** The pod the lines came from; empty when there was none to read. */
  pod: string;
  capturedAt: string;
  /** The output was longer than the capture limit: `lines` holds its tail. */
  truncated: boolean;
  lines: StoredLogLine[];
  /** Why nothing (or not everything) could be read, as a sentence; undefined when the capture succeeded. */
  error?: string;
}

/** What was captured of one attempt, without its lines (for "truncated" and "could not be read" notes). */
export interface TaskLogCapture {
  task: string;
  attempt: number;
  pod: string;
  capturedAt: string;
  truncated: boolean;
  lineCount: number;
  error?: string;
}

const FRACTION = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/;

/**
 * A timestamp as RFC 3339 in UTC with exactly nine fractional digits, so that comparing the strings compares the
 * times to the nanosecond (the kubelet trims trailing zeros: ".1Z" would otherwise sort after ".12Z").
 * Undefined when it is not a time.
 */
export function normaliseLogTime(value: string): string | undefined {
  const exact = FRACTION.exec(value);
  if (exact) return `${exact[1]}.${(exact[2] ?? "").padEnd(9, "0")}Z`;
  const ms = Date.parse(value);
  if (Number.isNaN(ms) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  // An offset other than Z (not what the kubelet writes): convert, keeping what a Date can hold.
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000000Z`;
}

// Postgres text (and so jsonb) cannot hold U+0000.
const storable = (line: string) => (line.includes("\u0000") ? line.replaceAll("\u0000", "\uFFFD") : line);

/**
 * CTEs naming `target`: the uid of the newest Run called `run` — by creation time as the mirror recorded it, else
 * (a Run the mirror has not written yet) by its newest capture.
 */
const newestRun = (namespace: string, run: string) => sql`
  WITH candidates AS (
    SELECT uid AS run_uid, created_at AS created, NULL::timestamptz AS captured FROM resources
    WHERE kind = 'Run' AND namespace = ${namespace} AND name = ${run}
    UNION ALL
    SELECT run_uid, NULL, max(captured_at) FROM task_logs WHERE namespace = ${namespace} AND run = ${run}
    GROUP BY run_uid
  ), target AS (
    SELECT run_uid FROM candidates GROUP BY run_uid
    ORDER BY max(created) DESC NULLS LAST, max(captured) DESC NULLS LAST LIMIT 1
  )`;

/** A line of `lines` (its fields read as text) with the columns of its row. */
type LineRow = Pick<Row<"task_logs">, "task" | "attempt" | "pod"> & Record<"time" | "stream" | "line", string>;

export class TaskLogStore {
  private readonly db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.db = db;
  }

  /**
   * Stores one attempt's capture. Idempotent per (runUid, task, attempt): a second save changes nothing, except that
   * a capture with lines replaces one that recorded only an error (a later reader got through).
   */
  async save(log: CapturedTaskLog): Promise<void> {
    let previous = normaliseLogTime(log.capturedAt) ?? normaliseLogTime(new Date().toISOString())!;
    const lines = log.lines.map((l): StoredLogLine => {
      // A line without a readable time sorts with the line before it.
      previous = normaliseLogTime(l.time) ?? previous;
      return { time: previous, stream: l.stream === "stderr" ? "stderr" : "stdout", line: storable(l.line) };
    });
    await withStorageErrors(() =>
      sql`
        INSERT INTO task_logs AS t (run_uid, task, attempt, namespace, run, pod, captured_at, truncated, error,
                                    line_count, lines)
        VALUES (${log.runUid}::uuid, ${log.task}, ${log.attempt}, ${log.namespace}, ${log.run}, ${log.pod},
                ${log.capturedAt}::timestamptz, ${log.truncated}, ${log.error ?? null}, ${lines.length},
                ${JSON.stringify(lines)}::jsonb)
        ON CONFLICT (run_uid, task, attempt) DO UPDATE SET
          pod = excluded.pod, captured_at = excluded.captured_at, truncated = excluded.truncated,
          error = excluded.error, line_count = excluded.line_count, lines = excluded.lines
        WHERE t.error IS NOT NULL AND t.line_count = 0 AND excluded.line_count > 0`.execute(this.db),
    );
  }

  /** Whether this attempt was captured (with or without lines). */
  async has(runUid: string, task: string, attempt: number): Promise<boolean> {
    const rows = await withStorageErrors(() =>
      this.db
        .selectFrom("task_logs")
        .select((eb) => eb.lit(1).as("found"))
        .where("run_uid", "=", runUid)
        .where("task", "=", task)
        .where("attempt", "=", attempt)
        .execute(),
    );
    return rows.length > 0;
  }

  /**
   * Every captured line of the newest Run named `run` in `namespace` (by creation, as mirrored; by capture time for
   * a Run the mirror has not recorded), merged across tasks and attempts by time; lines of the same time keep task
   * order, then attempt, then output order. `task` keeps one task's lines; `tailLines` the last N of the result.
   */
  async forRun(
    namespace: string,
    run: string,
    options: { task?: string; tailLines?: number } = {},
  ): Promise<TaskLogLine[]> {
    const { task, tailLines } = options;
    if (tailLines !== undefined && (!Number.isInteger(tailLines) || tailLines < 0)) {
      throw new RangeError(`tailLines must be a whole number of lines, 0 or more; got ${tailLines}.`);
    }
    if (tailLines === 0) return [];
    const newestFirst = tailLines !== undefined;
    const direction = sql.raw(newestFirst ? "DESC" : "ASC");
    return withStorageErrors(async () => {
      const { rows } = await sql<LineRow>`
        ${newestRun(namespace, run)}
        SELECT e.value->>'time' AS time, t.task, t.attempt, t.pod, e.value->>'stream' AS stream,
               e.value->>'line' AS line
        FROM task_logs t
        JOIN target ON target.run_uid = t.run_uid
        CROSS JOIN LATERAL jsonb_array_elements(t.lines) WITH ORDINALITY AS e(value, ord)
        WHERE ${task === undefined ? sql`true` : sql`t.task = ${task}`}
        ORDER BY e.value->>'time' ${direction}, t.task ${direction}, t.attempt ${direction}, e.ord ${direction}
        ${newestFirst ? sql`LIMIT ${tailLines}` : sql``}`.execute(this.db);
      const lines = rows.map((r) => ({
        time: r.time,
        task: r.task,
        attempt: Number(r.attempt),
        pod: r.pod,
        stream: (r.stream === "stderr" ? "stderr" : "stdout") as LogStream,
        line: r.line,
      }));
      return newestFirst ? lines.reverse() : lines;
    });
  }

  /** What was captured of each attempt of the newest Run named `run`, by task and attempt (no lines). */
  captures(namespace: string, run: string): Promise<TaskLogCapture[]> {
    return withStorageErrors(async () => {
      const { rows } = await sql<
        Pick<Row<"task_logs">, "task" | "attempt" | "pod" | "captured_at" | "truncated" | "line_count" | "error">
      >`
        ${newestRun(namespace, run)}
        SELECT t.task, t.attempt, t.pod, t.captured_at, t.truncated, t.line_count, t.error
        FROM task_logs t JOIN target ON target.run_uid = t.run_uid
        ORDER BY t.task, t.attempt`.execute(this.db);
      return rows.map((r) => ({
        task: r.task,
        attempt: Number(r.attempt),
        pod: r.pod,
        capturedAt: new Date(r.captured_at).toISOString(),
        truncated: r.truncated,
        lineCount: Number(r.line_count),
        ...(r.error === null ? {} : { error: r.error }),
      }));
    });
  }
}
