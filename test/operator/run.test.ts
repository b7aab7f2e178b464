// The Run reconciler against a real control plane: kube-controller-manager runs the Jobs, kwok plays their pods
// (annotations steer them: hack/kwok/loco-stages.yaml), and the operator drives the DAG from what it sees.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PIPELINE, RUN } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { JOB } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";

type Condition = { type: string; status: string; reason: string; message: string };
type TaskStatus = {
  name: string;
  state: string;
  job?: string;
  attempts?: number;
  startTime?: string;
  completionTime?: string;
  exitCode?: number;
  reason?: string;
  message?: string;
};
type RunStatus = {
  observedGeneration?: number;
  conditions?: Condition[];
  pipelineGeneration?: number;
  tasks?: TaskStatus[];
  startTime?: string;
  completionTime?: string;
  duration?: string;
};

let kube: TestKube;
let operator: RunningOperator;
let client: KubeClient;
let ns: string;
const shard = newShard();
const labels = { [SHARD_LABEL]: shard };

const exitWith = (code: number, duration = "0s") => ({
  "loco.dev/test-exit-code": String(code),
  "loco.dev/test-duration": duration,
});
const succeedAfter = (duration: string) => ({ "loco.dev/test-duration": duration });
const hold = { "loco.dev/test-hold": "true" };

function pipeline(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "loco.dev/v1alpha1", kind: "Pipeline", metadata: { name, namespace: ns, labels }, spec };
}

function run(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "loco.dev/v1alpha1", kind: "Run", metadata: { name, namespace: ns, labels }, spec };
}

const statusOf = (object: KubeObject | undefined) => (object?.status ?? {}) as RunStatus;
const succeeded = (object: KubeObject | undefined) => statusOf(object).conditions?.find((c) => c.type === "Succeeded");
const task = (object: KubeObject, name: string) =>
  (statusOf(object).tasks ?? []).find((t) => t.name === name) as TaskStatus;

async function runWhen(name: string, predicate: (run: KubeObject) => boolean, what: string, timeoutMs = 90_000) {
  return eventually(
    `Run ${name}: ${what}`,
    async () => {
      const live = await client.find(RUN, ns, name);
      return live && predicate(live) ? live : undefined;
    },
    { timeoutMs },
  );
}

const finished = (name: string, timeoutMs?: number) =>
  runWhen(name, (r) => ["True", "False"].includes(succeeded(r)?.status ?? ""), "finished", timeoutMs);

async function jobsOf(runName: string): Promise<KubeObject[]> {
  return (await client.list(JOB, ns, { labelSelector: `loco.dev/run=${runName}` })).items;
}

const jobFinished = (job: KubeObject) =>
  ((job.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );

/** No Job of the Run is still running: each ended, or was deleted (and its pods with it). */
async function expectNoRunningJob(runName: string): Promise<void> {
  await eventually(`no running Job or pod of ${runName}`, async () => {
    const active = (await jobsOf(runName)).filter((j) => !jobFinished(j) && !j.metadata.deletionTimestamp);
    const pods = (await kube.core.listNamespacedPod({ namespace: ns, labelSelector: `loco.dev/run=${runName}` })).items;
    const running = pods.filter((p) => p.status?.phase === "Running" && !p.metadata?.deletionTimestamp);
    return active.length === 0 && running.length === 0 ? true : undefined;
  });
}

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("run");
  await kube.core.patchNamespace({
    name: ns,
    body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: "acme" }],
  });
  operator = await startTestOperator(shard, {
    batch: { minTimeoutMs: 1000, retryBaseDelayMs: 300, retryMaxDelayMs: 1000 },
  });
  client = operator.client;
});

afterAll(async () => {
  await operator?.stop();
  await kube.cleanup();
});

describe("a Pipeline Run", () => {
  it("runs a 5-task DAG in dependency order: a failure branch, an Any join, a skipped task", async () => {
    await kube.apply(
      pipeline("dag", {
        parameters: [{ name: "TARGET", default: "staging" }],
        tasks: [
          { name: "checkout", image: "busybox:1", podAnnotations: succeedAfter("1s") },
          {
            name: "test",
            image: "busybox:1",
            command: ["sh", "-c", "exit 3"],
            dependsOn: { checkout: "Success" },
            podAnnotations: exitWith(3, "1s"),
            env: [{ name: "LOG_LEVEL", value: "debug" }],
            secretEnv: [{ name: "TOKEN", secretKey: "token" }],
            resources: { cpu: "250m", memory: "64Mi" },
          },
          { name: "publish", image: "busybox:1", dependsOn: { test: "Success" } },
          {
            name: "report-failure",
            image: "busybox:1",
            dependsOn: { test: "Failure" },
            podAnnotations: succeedAfter("1s"),
          },
          { name: "cleanup", image: "busybox:1", dependsOn: { publish: "Any", "report-failure": "Any" } },
        ],
      }),
    );
    await kube.apply(run("dag-1", { pipelineRef: { name: "dag" } }));
    const done = await finished("dag-1");

    expect(succeeded(done)).toMatchObject({ status: "False", reason: "TaskFailed" });
    expect(succeeded(done)?.message).toMatch(/Task test failed/);
    const status = statusOf(done);
    expect(status.observedGeneration).toBe(done.metadata.generation);
    expect(status.pipelineGeneration).toBe(1);
    expect(status.completionTime).toBeDefined();
    expect(status.duration).toMatch(/^\d/);
    const states = Object.fromEntries((status.tasks ?? []).map((t) => [t.name, t.state]));
    expect(states).toEqual({
      checkout: "Succeeded",
      test: "Failed",
      publish: "Skipped",
      "report-failure": "Succeeded",
      cleanup: "Succeeded",
    });
    expect(task(done, "checkout").exitCode).toBe(0);
    expect(task(done, "test")).toMatchObject({ exitCode: 3, reason: "AbnormalExit", attempts: 1 });
    expect(task(done, "publish")).toMatchObject({ reason: "DependencyFailed" });
    expect(task(done, "publish").job).toBeUndefined();
    // Order: each task starts only after what it depends on has finished.
    const t = (name: string, field: "startTime" | "completionTime") => Date.parse(task(done, name)[field] ?? "");
    expect(t("test", "startTime")).toBeGreaterThanOrEqual(t("checkout", "completionTime"));
    expect(t("report-failure", "startTime")).toBeGreaterThanOrEqual(t("test", "completionTime"));
    expect(t("cleanup", "startTime")).toBeGreaterThanOrEqual(t("report-failure", "completionTime"));
    expect(t("checkout", "completionTime")).toBeGreaterThan(t("checkout", "startTime"));

    // One Job per task that ran, labelled and built from the task.
    const jobs = await jobsOf("dag-1");
    expect(jobs.map((j) => j.metadata.labels?.["loco.dev/task"]).sort()).toEqual([
      "checkout",
      "cleanup",
      "report-failure",
      "test",
    ]);
    const testJob = jobs.find((j) => j.metadata.labels?.["loco.dev/task"] === "test")!;
    expect(testJob.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "loco",
      "loco.dev/run": "dag-1",
      "loco.dev/pipeline": "dag",
      "loco.dev/tenant": "acme",
      "loco.dev/attempt": "1",
    });
    expect(testJob.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Run", name: "dag-1", controller: true });
    const container = (
      testJob.spec as {
        template: {
          spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[]; resources: unknown }[] };
        };
      }
    ).template.spec.containers[0]!;
    expect(Object.fromEntries(container.env.map((e) => [e.name, e.value ?? e.valueFrom]))).toEqual({
      TARGET: "staging",
      LOG_LEVEL: "debug",
      TOKEN: { secretKeyRef: { name: "dag.pipeline-secrets", key: "token" } },
    });
    expect(container.resources).toMatchObject({
      requests: { cpu: "250m", memory: "64Mi" },
      limits: { memory: "64Mi" },
    });
  });

  it("runs a one-off command as a single-task Run", async () => {
    await kube.apply(
      run("one-off", {
        task: {
          image: "registry.example.com/acme/shop-api:1.4.2",
          command: ["./manage", "migrate"],
          timeout: "10m",
          podAnnotations: succeedAfter("500ms"),
        },
        startedBy: { kind: "Manual", user: "jane@example.com" },
      }),
    );
    const done = await finished("one-off");
    expect(succeeded(done)).toMatchObject({ status: "True", reason: "Completed" });
    expect(statusOf(done).tasks).toEqual([
      expect.objectContaining({
        name: "run-task",
        state: "Succeeded",
        exitCode: 0,
        attempts: 1,
        job: "one-off-run-task-1",
      }),
    ]);
  });

  it("fails a task that exceeds its timeout with TimedOut and leaves no running Job", async () => {
    await kube.apply(run("slow", { task: { image: "busybox:1", timeout: "2s", podAnnotations: hold } }));
    const done = await finished("slow");
    expect(succeeded(done)).toMatchObject({ status: "False", reason: "TaskFailed" });
    expect(task(done, "run-task")).toMatchObject({ state: "Failed", reason: "TimedOut" });
    await expectNoRunningJob("slow");
  });

  it("ends a Run that exceeds its global timeout with TimedOut, stopping what runs and skipping what waits", async () => {
    await kube.apply(
      pipeline("global-timeout", {
        timeout: "3s",
        tasks: [
          { name: "forever", image: "busybox:1", podAnnotations: hold },
          { name: "after", image: "busybox:1", dependsOn: { forever: "Any" } },
        ],
      }),
    );
    await kube.apply(run("global-timeout-1", { pipelineRef: { name: "global-timeout" } }));
    const done = await finished("global-timeout-1");
    expect(succeeded(done)).toMatchObject({ status: "False", reason: "TimedOut" });
    expect(task(done, "forever")).toMatchObject({ state: "Failed", reason: "TimedOut" });
    expect(task(done, "after")).toMatchObject({ state: "Skipped", reason: "TimedOut" });
    await expectNoRunningJob("global-timeout-1");
  });

  it("retries a failing task with backoff, one Job per attempt, then fails it", async () => {
    await kube.apply(
      pipeline("flaky", {
        tasks: [{ name: "flaky", image: "busybox:1", retries: 2, podAnnotations: exitWith(7) }],
      }),
    );
    await kube.apply(run("flaky-1", { pipelineRef: { name: "flaky" } }));
    const done = await finished("flaky-1");
    expect(succeeded(done)).toMatchObject({ status: "False", reason: "TaskFailed" });
    expect(task(done, "flaky")).toMatchObject({
      state: "Failed",
      attempts: 3,
      exitCode: 7,
      reason: "AbnormalExit",
      job: "flaky-1-flaky-3",
    });
    const jobs = await jobsOf("flaky-1");
    expect(jobs.map((j) => j.metadata.labels?.["loco.dev/attempt"]).sort()).toEqual(["1", "2", "3"]);
    // Backoff: each attempt starts a while after the previous one was created.
    const created = jobs.map((j) => Date.parse(j.metadata.creationTimestamp ?? "")).sort((a, b) => a - b);
    expect(created[2]! - created[0]!).toBeGreaterThanOrEqual(1000);
    // Each failed attempt's pod stays, for `kubectl describe` and `kubectl logs`, as long as the Run does.
    const pods = (await kube.core.listNamespacedPod({ namespace: ns, labelSelector: "loco.dev/run=flaky-1" })).items;
    expect(pods.map((p) => [p.metadata?.labels?.["loco.dev/attempt"], p.status?.phase]).sort()).toEqual([
      ["1", "Failed"],
      ["2", "Failed"],
      ["3", "Failed"],
    ]);
  });

  it("cancels a Run on spec.cancel: UserCancelled, running tasks Cancelled, no running Job", async () => {
    await kube.apply(
      pipeline("cancel-me", {
        tasks: [
          { name: "long", image: "busybox:1", podAnnotations: hold },
          { name: "next", image: "busybox:1", dependsOn: { long: "Success" } },
        ],
      }),
    );
    await kube.apply(run("cancel-me-1", { pipelineRef: { name: "cancel-me" } }));
    await runWhen("cancel-me-1", (r) => task(r, "long")?.state === "Running", "long running");
    await eventually("the Job's pod running", async () => {
      const pods = (await kube.core.listNamespacedPod({ namespace: ns, labelSelector: "loco.dev/run=cancel-me-1" }))
        .items;
      return pods.some((p) => p.status?.phase === "Running") ? true : undefined;
    });
    await kube.apply(run("cancel-me-1", { pipelineRef: { name: "cancel-me" }, cancel: true }));
    const done = await finished("cancel-me-1");
    expect(succeeded(done)).toMatchObject({ status: "False", reason: "UserCancelled" });
    expect(task(done, "long")).toMatchObject({ state: "Cancelled", reason: "UserCancelled" });
    expect(task(done, "next")).toMatchObject({ state: "Cancelled", reason: "UserCancelled" });
    await expectNoRunningJob("cancel-me-1");
  });

  it("runs the snapshot it took: editing the Pipeline mid-run changes only the next Run", async () => {
    await kube.apply(
      pipeline("edited", {
        tasks: [
          { name: "first", image: "busybox:1", podAnnotations: succeedAfter("3s") },
          { name: "second", image: "busybox:1", dependsOn: { first: "Success" } },
        ],
      }),
    );
    await kube.apply(run("edited-1", { pipelineRef: { name: "edited" } }));
    await runWhen("edited-1", (r) => task(r, "first")?.state === "Running", "first running");
    await kube.apply(
      pipeline("edited", {
        tasks: [
          { name: "first", image: "busybox:2", podAnnotations: succeedAfter("500ms") },
          { name: "second", image: "busybox:2", dependsOn: { first: "Success" } },
          { name: "third", image: "busybox:2", dependsOn: { second: "Success" } },
        ],
      }),
    );
    const edited = (await client.find(PIPELINE, ns, "edited"))!;
    expect(edited.metadata.generation).toBe(2);
    const first = await finished("edited-1");
    expect(succeeded(first)?.status).toBe("True");
    expect(statusOf(first).pipelineGeneration).toBe(1);
    expect(statusOf(first).tasks?.map((t) => t.name)).toEqual(["first", "second"]);
    const images = (await jobsOf("edited-1")).map(
      (j) => (j.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image,
    );
    expect(images).toEqual(["busybox:1", "busybox:1"]);

    await kube.apply(run("edited-2", { pipelineRef: { name: "edited" } }));
    const second = await finished("edited-2");
    expect(succeeded(second)?.status).toBe("True");
    expect(statusOf(second).pipelineGeneration).toBe(2);
    expect(statusOf(second).tasks?.map((t) => t.name)).toEqual(["first", "second", "third"]);
  });

  it("writes nothing for finished Runs at steady state", async () => {
    // (Not operator.idle(): a Run that ran keeps a far-off timeout timer in the queue.)
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = new Map(
      (await client.list(RUN, ns)).items.map((r) => [r.metadata.name, r.metadata.resourceVersion] as const),
    );
    const writes = operator.metrics.writes();
    operator.resync();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(operator.metrics.writes() - writes).toBe(0);
    const after = (await client.list(RUN, ns)).items;
    expect(after.length).toBe(before.size);
    for (const r of after) expect(r.metadata.resourceVersion).toBe(before.get(r.metadata.name));
  });
});
