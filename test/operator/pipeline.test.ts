// The Pipeline reconciler and Run admission against a real control plane: validation, triggers (including an
// operator restart between slots), jitter, concurrency policies, named locks and history.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PIPELINE, RUN } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { EVENT, SECRET } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";

type Condition = { type: string; status: string; reason: string; message: string };
type TriggerStatus = { name: string; lastScheduleTime?: string; nextScheduleTime?: string; lastRun?: string };
type PipelineStatus = {
  observedGeneration?: number;
  conditions?: Condition[];
  lastScheduleTime?: string;
  nextScheduleTime?: string;
  triggers?: TriggerStatus[];
  activeRuns?: number;
  queuedRuns?: number;
  lastRun?: string;
};
type RunStatus = {
  conditions?: Condition[];
  startTime?: string;
  completionTime?: string;
  tasks?: { name: string; state: string }[];
};

let kube: TestKube;
let operator: RunningOperator;
let client: KubeClient;
let ns: string;
const shard = newShard();
const labels = { [SHARD_LABEL]: shard };
const batch = { minTimeoutMs: 1000, maxTimeoutMs: 8 * 3_600_000, missedSlotToleranceMs: 1500 };
const hold = { "loco.dev/test-hold": "true" };

function pipeline(name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: "loco.dev/v1alpha1", kind: "Pipeline", metadata: { name, namespace: ns, labels }, spec };
}
function run(name: string, pipelineName: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: { name, namespace: ns, labels },
    spec: { pipelineRef: { name: pipelineName }, ...extra },
  };
}

const condition = (object: KubeObject | undefined, type: string) =>
  ((object?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);
const pipelineStatus = (object: KubeObject) => (object.status ?? {}) as PipelineStatus;
const runStatus = (object: KubeObject) => (object.status ?? {}) as RunStatus;

async function pipelineWhen(name: string, predicate: (p: KubeObject) => boolean, what: string, timeoutMs = 60_000) {
  return eventually(
    `Pipeline ${name}: ${what}`,
    async () => {
      const live = await client.find(PIPELINE, ns, name);
      return live && predicate(live) ? live : undefined;
    },
    { timeoutMs },
  );
}

async function runWhen(name: string, predicate: (r: KubeObject) => boolean, what: string, timeoutMs = 60_000) {
  return eventually(
    `Run ${name}: ${what}`,
    async () => {
      const live = await client.find(RUN, ns, name);
      return live && predicate(live) ? live : undefined;
    },
    { timeoutMs },
  );
}

const hasSucceeded = (status: string, reason?: string) => (r: KubeObject) =>
  condition(r, "Succeeded")?.status === status &&
  (reason === undefined || condition(r, "Succeeded")?.reason === reason);
const isRunning = (r: KubeObject) => condition(r, "Succeeded")?.reason === "Running";

async function runsOf(pipelineName: string): Promise<KubeObject[]> {
  return (await client.list(RUN, ns, { labelSelector: `loco.dev/pipeline=${pipelineName}` })).items;
}

const cancel = (name: string, pipelineName: string) => kube.apply(run(name, pipelineName, { cancel: true }));

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("pipe");
  operator = await startTestOperator(shard, { batch });
  client = operator.client;
});

afterAll(async () => {
  await operator?.stop();
  await kube.cleanup();
});

describe("Pipeline validation", () => {
  it("is Ready for a valid DAG and creates the Secret its tasks read", async () => {
    await kube.apply(
      pipeline("valid", {
        tasks: [
          { name: "a", image: "busybox:1" },
          { name: "b", image: "busybox:1", dependsOn: { a: "Success" } },
        ],
      }),
    );
    const ready = await pipelineWhen("valid", (p) => condition(p, "Ready")?.status === "True", "Ready");
    expect(pipelineStatus(ready).observedGeneration).toBe(ready.metadata.generation);
    const secret = await client.find(SECRET, ns, "valid.pipeline-secrets");
    expect(secret?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Pipeline", name: "valid" });
  });

  it.each([
    [
      "unknown",
      [
        { name: "a", image: "busybox:1" },
        { name: "b", image: "busybox:1", dependsOn: { nope: "Success" } },
      ],
      "UnknownDependency",
      /Task b depends on nope/,
    ],
    [
      "cycle",
      [
        { name: "a", image: "busybox:1", dependsOn: { c: "Success" } },
        { name: "b", image: "busybox:1", dependsOn: { a: "Success" } },
        { name: "c", image: "busybox:1", dependsOn: { b: "Any" } },
      ],
      "DependencyCycle",
      /a → c → b → a/,
    ],
    ["too-long", [{ name: "a", image: "busybox:1", timeout: "9h" }], "TimeoutOutOfBounds", /Task a: timeout 9h/],
  ])("reports %s with a reason naming the task", async (name, tasks, reason, message) => {
    await kube.apply(pipeline(name, { tasks }));
    const failed = await pipelineWhen(name, (p) => condition(p, "Ready")?.reason === reason, reason);
    expect(condition(failed, "Ready")?.status).toBe("False");
    expect(condition(failed, "Ready")?.message).toMatch(message);
  });

  it("reports a cron expression that doesn't parse, and fires nothing", async () => {
    await kube.apply(
      pipeline("bad-cron", {
        tasks: [{ name: "a", image: "busybox:1" }],
        triggers: [{ name: "nightly", cron: { schedule: "0 25 * * *" } }],
      }),
    );
    const failed = await pipelineWhen("bad-cron", (p) => condition(p, "Ready")?.reason === "InvalidSchedule", "bad");
    expect(condition(failed, "TriggersReady")).toMatchObject({ status: "False", reason: "InvalidSchedule" });
    expect(condition(failed, "Ready")?.message).toMatch(/Trigger nightly/);
  });

  it("fails a Run of an invalid Pipeline with the same reason", async () => {
    await kube.apply(run("cycle-1", "cycle"));
    const done = await runWhen("cycle-1", hasSucceeded("False"), "failed");
    expect(condition(done, "Succeeded")?.reason).toBe("DependencyCycle");
  });
});

describe("triggers", () => {
  it("fire an interval trigger on schedule, with last and next schedule in status", async () => {
    await kube.apply(
      pipeline("ticker", {
        concurrency: { policy: "Allow" },
        triggers: [{ name: "tick", interval: { every: "3s" } }],
        tasks: [{ name: "a", image: "busybox:1" }],
      }),
    );
    const fired = await pipelineWhen("ticker", (p) => (pipelineStatus(p).triggers?.[0]?.lastRun ?? "") !== "", "fired");
    const status = pipelineStatus(fired);
    expect(Date.parse(status.nextScheduleTime ?? "")).toBeGreaterThan(Date.parse(status.lastScheduleTime ?? ""));
    await eventually("three Runs", async () => ((await runsOf("ticker")).length >= 3 ? true : undefined), {
      timeoutMs: 30_000,
    });
    const runs = await runsOf("ticker");
    const slots = runs.map((r) => Date.parse(r.metadata.annotations?.["loco.dev/scheduled-time"] ?? "")).sort();
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBe(3000);
    expect(runs[0]?.spec).toMatchObject({ startedBy: { kind: "Trigger", trigger: "tick" } });
    await runWhen(runs[0]!.metadata.name!, hasSucceeded("True"), "succeeded");
    await kube.objects.delete(pipeline("ticker", {}) as never);
  });

  it("fire a cron trigger (with seconds) in its time zone", async () => {
    await kube.apply(
      pipeline("cron", {
        concurrency: { policy: "Allow" },
        triggers: [{ name: "every-2s", cron: { schedule: "*/2 * * * * *", timeZone: "Europe/Berlin" } }],
        tasks: [{ name: "a", image: "busybox:1" }],
      }),
    );
    await eventually("two cron Runs", async () => ((await runsOf("cron")).length >= 2 ? true : undefined), {
      timeoutMs: 30_000,
    });
    const slots = (await runsOf("cron")).map((r) =>
      Date.parse(r.metadata.annotations?.["loco.dev/scheduled-time"] ?? ""),
    );
    for (const slot of slots) expect(slot % 2000).toBe(0);
    await kube.objects.delete(pipeline("cron", {}) as never);
  });

  it("neither double-fires nor drops a slot across an operator restart (RunOnce), and Skip records what it drops", async () => {
    await kube.apply(
      pipeline("restart-once", {
        concurrency: { policy: "Allow" },
        triggers: [{ name: "tick", interval: { every: "4s" }, missedPolicy: "RunOnce" }],
        tasks: [{ name: "a", image: "busybox:1" }],
      }),
    );
    await kube.apply(
      pipeline("restart-skip", {
        concurrency: { policy: "Allow" },
        triggers: [{ name: "tick", interval: { every: "4s" }, missedPolicy: "Skip" }],
        tasks: [{ name: "a", image: "busybox:1" }],
      }),
    );
    await eventually("a first Run of each", async () =>
      (await runsOf("restart-once")).length >= 1 && (await runsOf("restart-skip")).length >= 1 ? true : undefined,
    );
    const slotsOf = async (name: string) =>
      (await runsOf(name))
        .map((r) => Date.parse(r.metadata.annotations?.["loco.dev/scheduled-time"] ?? ""))
        .sort((a, b) => a - b);
    // Restart between slots: the new operator fires the next slot once, on time, and nothing else.
    await operator.stop();
    operator = await startTestOperator(shard, { batch });
    client = operator.client;
    const next = Date.parse(pipelineStatus((await client.find(PIPELINE, ns, "restart-once"))!).nextScheduleTime ?? "");
    // Waits for the Run rather than sleeping to its time: a loaded machine may take seconds to sync the caches.
    const between = await eventually(
      "the next slot's Run after a restart",
      async () => {
        const slots = await slotsOf("restart-once");
        return slots.includes(next) ? slots : undefined;
      },
      { timeoutMs: 150_000 },
    );
    for (let i = 1; i < between.length; i++) expect(between[i]! - between[i - 1]!).toBe(4000);

    // Down across a slot: RunOnce catches up with one Run; Skip starts none and records the slot as skipped.
    await operator.stop();
    const downFrom = Date.now();
    const lastBeforeStop = (await slotsOf("restart-once")).at(-1)!;
    // 9 s down with a 4 s interval: at least two slots fall due, so at least one is late however they fall.
    await new Promise((resolve) => setTimeout(resolve, 9000));
    const downTo = Date.now();
    operator = await startTestOperator(shard, { batch });
    client = operator.client;
    // How soon the fresh operator reconciles is up to the machine (it first syncs its caches; at load 15–19 that
    // took over a minute), and RunOnce fires the newest slot due *then* — one missed while down, or a later one if
    // the operator came back after it. Either way: one Run, never for an older slot, and every slot between it and
    // the last Run before the stop is recorded as skipped (none dropped silently).
    const caughtUp = await eventually(
      "RunOnce to catch up",
      async () => {
        const slots = (await slotsOf("restart-once")).filter((slot) => slot > lastBeforeStop);
        return slots.length > 0 ? slots[0]! : undefined;
      },
      { timeoutMs: 150_000 },
    );
    const newestMissed = next + Math.floor((downTo - next) / 4000) * 4000;
    expect(newestMissed).toBeGreaterThanOrEqual(downFrom);
    expect(caughtUp).toBeGreaterThanOrEqual(newestMissed);
    const passedOver: number[] = [];
    for (let slot = lastBeforeStop + 4000; slot < caughtUp; slot += 4000) {
      passedOver.push(slot);
    }
    expect(passedOver.length).toBeGreaterThan(0);
    const onceSkipped = await eventually("RunOnce's Skipped event", async () => {
      const newest = new Date(passedOver.at(-1)!).toISOString();
      const messages = (await client.list(EVENT, ns)).items
        .filter(
          (e) =>
            (e.involvedObject as { name?: string }).name === "restart-once" &&
            (e as { reason?: string }).reason === "Skipped",
        )
        .map((e) => (e as { message?: string }).message ?? "");
      return messages.find((m) => m.includes(newest));
    });
    expect(onceSkipped).toContain(`skipped ${passedOver.length} slot(s)`);
    for (const slot of passedOver.slice(-5)) expect(onceSkipped).toContain(new Date(slot).toISOString());
    const onceSlots = await slotsOf("restart-once");
    expect(new Set(onceSlots).size).toBe(onceSlots.length);
    for (const slot of passedOver) expect(onceSlots).not.toContain(slot);

    const skipped = await eventually("a Skipped event", async () => {
      const events = (await client.list(EVENT, ns)).items.filter(
        (e) =>
          (e.involvedObject as { name?: string }).name === "restart-skip" &&
          (e as { reason?: string }).reason === "Skipped",
      );
      return events.length > 0 ? events : undefined;
    });
    const message = (skipped[0] as { message?: string }).message ?? "";
    expect(message).toMatch(/Trigger tick skipped \d+ slot\(s\) missed/);
    const skippedSlots = [...message.matchAll(/\d{4}-\d\d-\d\dT[\d:.]+Z/g)].map((m) => Date.parse(m[0]));
    expect(skippedSlots.length).toBeGreaterThan(0);
    const skipSlots = await slotsOf("restart-skip");
    for (const slot of skippedSlots) expect(skipSlots).not.toContain(slot);
    await kube.objects.delete(pipeline("restart-once", {}) as never);
    await kube.objects.delete(pipeline("restart-skip", {}) as never);
  }, 300_000);

  it("jitter spreads 50 interval Pipelines created together across the window", async () => {
    const names = Array.from({ length: 50 }, (_, i) => `jitter-${i}`);
    await Promise.all(
      names.map((name) =>
        kube.apply(
          pipeline(name, {
            triggers: [{ name: "hourly", interval: { every: "1h", jitter: "1h" } }],
            tasks: [{ name: "a", image: "busybox:1" }],
          }),
        ),
      ),
    );
    const nexts = await eventually(
      "every jitter Pipeline scheduled",
      async () => {
        const items = (await client.list(PIPELINE, ns)).items.filter((p) => p.metadata.name?.startsWith("jitter-"));
        const times = items.map((p) => pipelineStatus(p).nextScheduleTime).filter((t): t is string => t !== undefined);
        return times.length === 50 ? times.map((t) => Date.parse(t)) : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const earliest = Math.min(...nexts);
    const spread = Math.max(...nexts) - earliest;
    expect(spread).toBeGreaterThan(30 * 60_000);
    const buckets = new Set(nexts.map((t) => Math.floor((t - earliest) / (6 * 60_000))));
    expect(buckets.size).toBeGreaterThanOrEqual(8);
    await Promise.all(names.map((name) => kube.objects.delete(pipeline(name, {}) as never)));
  });
});

describe("concurrency", () => {
  it("Queue runs one at a time, first in first out", async () => {
    await kube.apply(
      pipeline("queue", {
        concurrency: { limit: 1, policy: "Queue" },
        tasks: [{ name: "a", image: "busybox:1", podAnnotations: { "loco.dev/test-duration": "1s" } }],
      }),
    );
    for (const name of ["queue-1", "queue-2", "queue-3"]) {
      await kube.apply(run(name, "queue"));
      await new Promise((resolve) => setTimeout(resolve, 1100));
    }
    const queued = await client.find(RUN, ns, "queue-3");
    expect(["Queued", "Running", "Completed"]).toContain(condition(queued, "Succeeded")?.reason);
    const done = await Promise.all(
      ["queue-1", "queue-2", "queue-3"].map((n) => runWhen(n, hasSucceeded("True"), "succeeded", 90_000)),
    );
    const spans = done.map((r) => [Date.parse(runStatus(r).startTime!), Date.parse(runStatus(r).completionTime!)]);
    expect(spans[1]![0]).toBeGreaterThanOrEqual(spans[0]![1]!);
    expect(spans[2]![0]).toBeGreaterThanOrEqual(spans[1]![1]!);
  });

  it("Forbid fails a new Run at once while one is in flight", async () => {
    await kube.apply(
      pipeline("forbid", {
        concurrency: { limit: 1, policy: "Forbid" },
        tasks: [{ name: "a", image: "busybox:1", podAnnotations: hold }],
      }),
    );
    await kube.apply(run("forbid-1", "forbid"));
    await runWhen("forbid-1", isRunning, "running");
    await kube.apply(run("forbid-2", "forbid"));
    const refused = await runWhen("forbid-2", hasSucceeded("False"), "refused");
    expect(condition(refused, "Succeeded")?.reason).toBe("ConcurrencyLimited");
    expect(condition(refused, "Succeeded")?.message).toMatch(/forbid-1/);
    await cancel("forbid-1", "forbid");
    await runWhen("forbid-1", hasSucceeded("False", "UserCancelled"), "cancelled");
  });

  it("Replace cancels the running Run in favour of the new one", async () => {
    await kube.apply(
      pipeline("replace", {
        concurrency: { limit: 1, policy: "Replace" },
        tasks: [{ name: "a", image: "busybox:1", podAnnotations: hold }],
      }),
    );
    await kube.apply(run("replace-1", "replace"));
    await runWhen("replace-1", isRunning, "running");
    await kube.apply(run("replace-2", "replace"));
    const replaced = await runWhen("replace-1", hasSucceeded("False"), "replaced");
    expect(condition(replaced, "Succeeded")?.reason).toBe("Replaced");
    expect(runStatus(replaced).tasks?.[0]?.state).toBe("Cancelled");
    await runWhen("replace-2", isRunning, "running");
    await cancel("replace-2", "replace");
  });

  it("Allow runs beyond the limit", async () => {
    await kube.apply(
      pipeline("allow", {
        concurrency: { limit: 1, policy: "Allow" },
        tasks: [{ name: "a", image: "busybox:1", podAnnotations: hold }],
      }),
    );
    await kube.apply(run("allow-1", "allow"));
    await kube.apply(run("allow-2", "allow"));
    await runWhen("allow-1", isRunning, "running");
    await runWhen("allow-2", isRunning, "running");
    const status = pipelineStatus(await pipelineWhen("allow", (p) => pipelineStatus(p).activeRuns === 2, "2 active"));
    expect(status.queuedRuns).toBe(0);
    await cancel("allow-1", "allow");
    await cancel("allow-2", "allow");
  });

  it("a named lock spans Pipelines, and is released when its holder's pod is killed", async () => {
    await kube.apply(
      pipeline("holder", { locks: ["db"], tasks: [{ name: "migrate", image: "busybox:1", podAnnotations: hold }] }),
    );
    await kube.apply(pipeline("waiter", { locks: ["db"], tasks: [{ name: "backup", image: "busybox:1" }] }));
    await kube.apply(run("holder-1", "holder"));
    await runWhen("holder-1", isRunning, "running");
    await kube.apply(run("waiter-1", "waiter"));
    const waiting = await runWhen("waiter-1", (r) => condition(r, "Succeeded")?.reason === "Queued", "queued");
    expect(condition(waiting, "Succeeded")?.message).toMatch(/lock db, held by Run holder-1/);

    const pod = await eventually("the holder's pod", async () => {
      const pods = (await kube.core.listNamespacedPod({ namespace: ns, labelSelector: "loco.dev/run=holder-1" })).items;
      return pods.find((p) => p.status?.phase === "Running");
    });
    await kube.core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: ns, gracePeriodSeconds: 0 });
    const failed = await runWhen("holder-1", hasSucceeded("False"), "failed after its pod was killed", 90_000);
    expect(condition(failed, "Succeeded")?.reason).toBe("TaskFailed");
    await runWhen("waiter-1", hasSucceeded("True"), "succeeded once the lock was free", 90_000);
  });
});

describe("history", () => {
  it("deletes the oldest finished Runs beyond the limits", async () => {
    await kube.apply(
      pipeline("history", {
        concurrency: { policy: "Allow" },
        history: { successfulRuns: 2, failedRuns: 1 },
        tasks: [{ name: "a", image: "busybox:1" }],
      }),
    );
    for (let i = 1; i <= 4; i++) {
      await kube.apply(run(`history-${i}`, "history"));
      await runWhen(`history-${i}`, hasSucceeded("True"), "succeeded");
    }
    await eventually("two Runs kept", async () => {
      const names = (await client.list(RUN, ns)).items
        .filter((r) => (r.spec as { pipelineRef?: { name: string } }).pipelineRef?.name === "history")
        .map((r) => r.metadata.name)
        .sort();
      return JSON.stringify(names) === JSON.stringify(["history-3", "history-4"]) ? true : undefined;
    });
    // The reconcile that pruned history-2 had seen history-4 finish, and it writes its status before it deletes
    // (run-report.ts): one read after the prune, without waiting, must find that status — not the one written
    // while history-4 ran ({lastRun: history-4, activeRuns: 1}, which a loaded machine once showed here).
    const status = pipelineStatus((await client.find(PIPELINE, ns, "history"))!);
    expect(status.lastRun).toBe("history-4");
    expect(status.activeRuns).toBe(0);
    expect(status.queuedRuns).toBe(0);
  });
});
