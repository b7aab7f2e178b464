// Task logs that outlive pods: the real operator (with a real Postgres database) captures each finished task
// attempt's output through the apiserver's pods/log — served by kwok from canned, timestamped lines — and the logs
// stay readable from the database after the Run's Jobs and pods are deleted.
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN } from "../../crds/kinds.ts";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { TaskLogStore } from "../../db/task-logs.ts";
import { JOB, POD } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { type CannedLine, type CannedLogs, cannedLogs } from "../support/canned-logs.ts";
import { createTestDatabase } from "../support/database.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";

type Line = CannedLine & { time: string };

/** Bytes kept per attempt in this test (1 MiB by default): the compile task writes more. */
const LIMIT = 4096;
const base = Date.parse("2026-11-23T10:00:00.000Z");
/** A time `ms` after base, with a nanosecond part so that ordering below the millisecond is exercised. */
const at = (ms: number, nanos = 0) =>
  `${new Date(base + ms).toISOString().slice(0, 23)}${String(nanos).padStart(6, "0")}Z`;
/** A line's bytes as the kubelet sends it with timestamps=true: the time with nine fractional digits, a space, the text. */
const sent = (l: { time: string; line: string }) => Buffer.byteLength(`${l.time} ${l.line}\n`);

// checkout and test interleave (checkout at 0, 2, 4 ms; test at 1, 3 ms, and one line at 2 ms + 500 ns, which must
// come after checkout's line at 2 ms); compile writes 200 lines after them, more than LIMIT bytes.
const checkout: Line[] = [
  { time: at(0), line: "Cloning into 'shop'..." },
  { time: at(2), line: "HEAD is now at 4f2a9c1" },
  { time: at(4), line: "checkout done", stream: "stderr" },
];
const testLines: Line[] = [
  { time: at(1), line: "RUN  v5.1.1 /workspace" },
  { time: at(2, 500), line: "✓ cart.test.ts (12 tests)" },
  { time: at(3), line: "Tests  12 passed (12)" },
];
const compile: Line[] = Array.from({ length: 200 }, (_, i) => ({
  time: at(10 + i),
  line: `compiling module ${String(i).padStart(3, "0")} ${"#".repeat(40)}`,
}));
const lint: Line[] = [
  { time: at(0), line: "src/cart.ts:12:3 no-unused-vars" },
  { time: at(1), line: "1 problem (1 error)" },
];
const serve: Line[] = [{ time: at(0), line: "preview server listening on :8080" }];

let kube: TestKube;
let operator: RunningOperator;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let reader: DatabaseHandle<unknown>;
let store: TaskLogStore;
let logs: CannedLogs;
let ns: string;
const shard = newShard();
const labels = { [SHARD_LABEL]: shard };

const object = (kind: "Pipeline" | "Run", name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind,
  metadata: { name, namespace: ns, labels },
  spec,
});

type Condition = { type: string; status: string; reason: string };
const succeeded = (run: KubeObject | undefined) =>
  ((run?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === "Succeeded");

async function finished(name: string): Promise<KubeObject> {
  return eventually(
    `Run ${name} to finish`,
    async () => {
      const run = await operator.client.find(RUN, ns, name);
      return ["True", "False"].includes(succeeded(run)?.status ?? "") ? run : undefined;
    },
    { timeoutMs: 120_000 },
  );
}

/** Waits until the database holds a capture of each of `tasks` for the Run (captures are made asynchronously). */
async function captured(run: string, tasks: string[]) {
  return eventually(
    `captures of ${tasks.join(", ")} in Run ${run}`,
    async () => {
      const captures = await store.captures(ns, run);
      return tasks.every((t) => captures.some((c) => c.task === t)) ? captures : undefined;
    },
    { timeoutMs: 90_000 },
  );
}

const podsOf = async (run: string) =>
  (await operator.client.list(POD, ns, { labelSelector: `loco.dev/run=${run}` })).items;

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("task-logs");
  await kube.core.patchNamespace({
    name: ns,
    body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: "acme" }],
  });
  // Containers are named after their task. "silent" has no canned log: kwok answers with an error for it.
  logs = await cannedLogs({ namespace: ns, containers: { checkout, test: testLines, compile, lint, serve } });
  database = await createTestDatabase("loco_task_logs");
  operator = await startTestOperator(shard, {
    databaseUrl: database.url,
    batch: { minTimeoutMs: 1000 },
    taskLogs: { limitBytes: LIMIT },
  });
  reader = await connectDatabase(database.url);
  store = new TaskLogStore(reader.db);
});

afterAll(async () => {
  await operator?.stop();
  await logs?.remove();
  await reader?.close();
  await database?.drop();
  await kube.cleanup();
});

describe("task logs", () => {
  it("keeps a Run's logs after its Jobs and pods are deleted: merged by time, per task, tail of a long one", async () => {
    await kube.apply(
      object("Pipeline", "ci", {
        tasks: [
          { name: "checkout", image: "busybox:1", podAnnotations: { "loco.dev/test-duration": "200ms" } },
          { name: "test", image: "busybox:1", dependsOn: { checkout: "Success" } },
          { name: "compile", image: "busybox:1", dependsOn: { checkout: "Success" } },
        ],
      }),
    );
    await kube.apply(object("Run", "ci-1", { pipelineRef: { name: "ci" } }));
    expect(succeeded(await finished("ci-1"))).toMatchObject({ status: "True" });
    await captured("ci-1", ["checkout", "test", "compile"]);

    // The pods go: their Jobs deleted in the foreground (pods first) and in the background (Job first).
    const jobs = (await operator.client.list(JOB, ns, { labelSelector: "loco.dev/run=ci-1" })).items;
    expect(jobs).toHaveLength(3);
    for (const [i, job] of jobs.entries()) {
      await operator.client.request("DELETE", `/apis/batch/v1/namespaces/${ns}/jobs/${job.metadata.name}`, {
        body: { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: i === 0 ? "Foreground" : "Background" },
      });
    }
    await eventually("the Run's Jobs and pods to be gone", async () => {
      const left = (await operator.client.list(JOB, ns, { labelSelector: "loco.dev/run=ci-1" })).items;
      return left.length === 0 && (await podsOf("ci-1")).length === 0 ? true : undefined;
    });

    const all = await store.forRun(ns, "ci-1");
    // Every line of checkout and test, merged by time (test's line at 2 ms + 500 ns after checkout's at 2 ms).
    expect(all.slice(0, 6).map((l) => `${l.task}: ${l.line}`)).toEqual([
      "checkout: Cloning into 'shop'...",
      "test: RUN  v5.1.1 /workspace",
      "checkout: HEAD is now at 4f2a9c1",
      "test: ✓ cart.test.ts (12 tests)",
      "test: Tests  12 passed (12)",
      "checkout: checkout done",
    ]);
    expect(all[3]).toMatchObject({ time: "2026-11-23T10:00:00.002000500Z", attempt: 1 });
    expect(all[0]?.pod).toMatch(/^ci-1-checkout-1-/);
    const times = all.map((l) => l.time);
    expect(times).toEqual([...times].sort());

    // One task's logs.
    expect((await store.forRun(ns, "ci-1", { task: "test" })).map((l) => l.line)).toEqual(testLines.map((l) => l.line));

    // compile wrote more than LIMIT bytes: its tail is kept, whole lines, ending with its last line.
    const compiled = await store.forRun(ns, "ci-1", { task: "compile" });
    expect(compile.reduce((n, l) => n + sent(l), 0)).toBeGreaterThan(LIMIT);
    expect(compiled.length).toBeGreaterThan(20);
    expect(compiled.length).toBeLessThan(compile.length);
    expect(compiled.map((l) => l.line)).toEqual(compile.slice(-compiled.length).map((l) => l.line));
    // As much of the tail as fits: one line more would not.
    const keptBytes = compile.slice(-compiled.length).reduce((n, l) => n + sent(l), 0);
    expect(keptBytes).toBeLessThanOrEqual(LIMIT);
    expect(keptBytes + sent(compile.at(-compiled.length - 1)!)).toBeGreaterThan(LIMIT);
    const captures = await store.captures(ns, "ci-1");
    expect(captures.map((c) => [c.task, c.truncated, c.error])).toEqual([
      ["checkout", false, undefined],
      ["compile", true, undefined],
      ["test", false, undefined],
    ]);
    expect((await store.forRun(ns, "ci-1", { tailLines: 2 })).map((l) => l.line)).toEqual(
      compile.slice(-2).map((l) => l.line),
    );
  });

  it("captures a failed task's logs, and records a task whose logs could not be read", async () => {
    await kube.apply(
      object("Pipeline", "checks", {
        tasks: [
          { name: "lint", image: "busybox:1", podAnnotations: { "loco.dev/test-exit-code": "2" } },
          { name: "silent", image: "busybox:1" },
        ],
      }),
    );
    await kube.apply(object("Run", "checks-1", { pipelineRef: { name: "checks" } }));
    expect(succeeded(await finished("checks-1"))).toMatchObject({ status: "False", reason: "TaskFailed" });
    const captures = await captured("checks-1", ["lint", "silent"]);
    expect(captures.find((c) => c.task === "lint")).toMatchObject({ lineCount: 2, truncated: false });
    expect(captures.find((c) => c.task === "lint")?.error).toBeUndefined();
    expect(captures.find((c) => c.task === "silent")).toMatchObject({
      lineCount: 0,
      error: expect.stringMatching(/could not be read/),
    });
    expect((await store.forRun(ns, "checks-1")).map((l) => `${l.task}: ${l.line}`)).toEqual([
      "lint: src/cart.ts:12:3 no-unused-vars",
      "lint: 1 problem (1 error)",
    ]);
    // The failure is in the Run's timeline (a Warning event the mirror records).
    const timeline = await eventually("the LogsNotCaptured event in the timeline", async () => {
      const { rows } = await sql<{ type: string; message: string }>`
        SELECT type, message FROM events
        WHERE namespace = ${ns} AND kind = 'Run' AND name = 'checks-1' AND reason = 'LogsNotCaptured'`.execute(
        reader.db,
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(timeline).toEqual([{ type: "Warning", message: expect.stringContaining("task silent (attempt 1)") }]);
  });

  it("captures a cancelled task's output before its Job is deleted", async () => {
    await kube.apply(
      object("Pipeline", "preview", {
        tasks: [{ name: "serve", image: "busybox:1", podAnnotations: { "loco.dev/test-hold": "true" } }],
      }),
    );
    await kube.apply(object("Run", "preview-1", { pipelineRef: { name: "preview" } }));
    await eventually("the serve pod running", async () =>
      (await podsOf("preview-1")).some((p) => (p.status as { phase?: string } | undefined)?.phase === "Running")
        ? true
        : undefined,
    );
    await kube.apply(object("Run", "preview-1", { pipelineRef: { name: "preview" }, cancel: true }));
    expect(succeeded(await finished("preview-1"))).toMatchObject({ status: "False", reason: "UserCancelled" });
    await eventually("the cancelled Job to be deleted", async () => {
      const jobs = (await operator.client.list(JOB, ns, { labelSelector: "loco.dev/run=preview-1" })).items;
      return jobs.every((j) => j.metadata.deletionTimestamp) ? true : undefined;
    });
    // Read before the deletion, so the lines are there (not an empty capture of a pod already gone).
    const [capture] = await captured("preview-1", ["serve"]);
    expect(capture).toMatchObject({ task: "serve", lineCount: 1 });
    expect(capture?.error).toBeUndefined();
    expect((await store.forRun(ns, "preview-1")).map((l) => l.line)).toEqual([serve[0]?.line]);
  });

  it("reads nothing again: not on a resync, and not after a restart (it asks the database)", async () => {
    const reads = operator.taskLogs!.stats.reads;
    const reconciles = async () =>
      (await operator.metrics.registry.getSingleMetric("controller_runtime_reconcile_total")?.get())?.values
        .filter((v) => v.labels.controller === "run")
        .reduce((n, v) => n + v.value, 0) ?? 0;
    const before = await reconciles();
    operator.resync();
    // (operator.idle() would wait for the Runs' timeout wake-ups, hours away.)
    await eventually("the resync to reconcile every Run", async () =>
      (await reconciles()) >= before + 3 ? true : undefined,
    );
    await operator.taskLogs!.idle();
    expect(operator.taskLogs!.stats.reads).toBe(reads);

    await operator.stop();
    operator = await startTestOperator(shard, {
      databaseUrl: database.url,
      batch: { minTimeoutMs: 1000 },
      taskLogs: { limitBytes: LIMIT },
    });
    // The finished Jobs still in the cluster (checks-1's two) are each checked once against the database.
    await eventually("the restarted capture to check the finished Jobs", async () =>
      operator.taskLogs!.stats.alreadyStored >= 2 ? true : undefined,
    );
    await operator.taskLogs!.idle();
    expect(operator.taskLogs!.stats).toMatchObject({ reads: 0, captured: 0, truncated: 0, failed: 0 });
  });
});
