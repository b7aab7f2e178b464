// Security issue #14, item 1: a Pipeline with a zero or sub-millisecond interval hung the operator's event loop on
// its first reconcile, stopping every tenant's reconciles, the mirror and lease renewal. Now the apiserver refuses
// such intervals (CEL), the operator refuses what breaks the platform's minimum (TriggerTooFrequent), and the
// schedule functions are bounded whatever reaches them (unit tests in schedule.test.ts). Here, the worst Pipelines
// the schema accepts sit beside 50 Apps: the Apps converge as fast as any fleet, and the Pipelines say why not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIELD_MANAGER } from "../../crds/app-names.ts";
import { PIPELINE } from "../../crds/kinds.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { NAMESPACE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { reconcileTimeoutReporter } from "../../operator/runtime/reconcile-timeout.ts";
import { applyApps, countReady, deleteFleet, type Fleet, prepareFleet } from "../support/fleet.ts";
import { eventually, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator, testKubeConfig } from "../support/operator.ts";
import { rejection } from "../support/rejection.ts";

type Condition = { type: string; status: string; reason: string; message: string };

const APPS = 50;
/** The platform minimum this operator runs with: above the schema's floor, so the operator's own check shows. */
const MIN_TRIGGER_INTERVAL_MS = 2 * 60_000;

let client: KubeClient;
let fleet: Fleet;
let operator: RunningOperator | undefined;
let hostileNs: string;

const pipeline = (name: string, triggers: unknown[]): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "Pipeline",
  metadata: { name, namespace: hostileNs, labels: { [SHARD_LABEL]: fleet.shard } },
  spec: { tasks: [{ name: "work", image: "registry.example.com/mallory/work:1" }], triggers },
});

const condition = (object: KubeObject | undefined, type: string) =>
  ((object?.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

async function pipelineWhen(name: string, predicate: (p: KubeObject) => boolean, what: string) {
  return eventually(
    `Pipeline ${name}: ${what}`,
    async () => {
      const live = await client.find(PIPELINE, hostileNs, name);
      return live && predicate(live) ? live : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

beforeAll(async () => {
  client = await KubeClient.create(testKubeConfig());
  fleet = await prepareFleet(client, { shard: newShard(), shardLabel: SHARD_LABEL, apps: APPS, namespaces: 2 });
  hostileNs = `hostile-${fleet.shard}`;
  await client.apply(
    NAMESPACE,
    {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: hostileNs, labels: { "loco.dev/test": "true", "loco.dev/tenant": "mallory" } },
    },
    "loco-test",
  );
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await client.delete(NAMESPACE, undefined, hostileNs).catch(() => {});
  await deleteFleet(client, fleet).catch(() => {});
  client.close();
});

describe("the apiserver", () => {
  it.each([
    ["0s", "zero"],
    ["1ns", "one-nanosecond"],
    ["999ms", "sub-second"],
  ])("refuses a trigger interval of %s", async (every, name) => {
    const refused = await rejection(testKube().apply(pipeline(name, [{ interval: { every } }]))).finally(() =>
      // Should the apiserver ever accept one, it must not outlive this test: before the fix, the operator's
      // first reconcile of it never returned (and took this test process with it).
      client.delete(PIPELINE, hostileNs, name).catch(() => {}),
    );
    expect(refused.code).toBe(422);
    expect(refused.message).toContain("spec.triggers[0].interval.every");
    expect(refused.message).toContain("every must be at least 1s");
  });
});

describe(`hostile Pipelines beside ${APPS} Apps`, () => {
  it("leave the Apps converging within the fleet bound, and say what is wrong with them", async () => {
    // The worst the schema accepts, applied before the Apps so that they are reconciled first.
    await client.apply(
      PIPELINE,
      pipeline("at-the-minimum", [
        { name: "jittery", interval: { every: "2m", jitter: "2m" } },
        { name: "every-2m", cron: { schedule: "*/2 * * * *" } },
      ]),
      "loco-test",
    );
    await client.apply(
      PIPELINE,
      pipeline("every-second-cron", [{ name: "tick", cron: { schedule: "* * * * * *" } }]),
      "loco-test",
    );
    // Passes the schema's 1s floor, breaks the platform's 2m minimum.
    await client.apply(
      PIPELINE,
      pipeline("below-platform-minimum", [{ name: "fast", interval: { every: "1s", jitter: "1s" } }]),
      "loco-test",
    );
    await applyApps(client, fleet.apps);
    const started = Date.now();
    operator = await startTestOperator(fleet.shard, {
      batch: { minTriggerIntervalMs: MIN_TRIGGER_INTERVAL_MS },
      reconcileTimeoutMs: 10_000,
    });

    // The bound the steady-state fleet test gives 200 Apps.
    await eventually(
      `all ${APPS} Apps Ready`,
      async () => ((await countReady(client, fleet)) === APPS ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(Date.now() - started).toBeLessThan(120_000);

    const cron = await pipelineWhen(
      "every-second-cron",
      (p) => condition(p, "Ready")?.reason === "TriggerTooFrequent",
      "TriggerTooFrequent",
    );
    expect(condition(cron, "Ready")).toMatchObject({
      status: "False",
      message:
        'Trigger tick: cron schedule "* * * * * *" fires as often as every 1s, more often than the platform\'s minimum of 2m; change spec.triggers[0].cron.schedule so that its runs are at least 2m apart.',
    });
    expect(condition(cron, "TriggersReady")).toMatchObject({ status: "False", reason: "TriggerTooFrequent" });

    const fast = await pipelineWhen(
      "below-platform-minimum",
      (p) => condition(p, "Ready")?.reason === "TriggerTooFrequent",
      "TriggerTooFrequent",
    );
    expect(condition(fast, "Ready")?.message).toBe(
      "Trigger fast: interval 1s is shorter than the platform's minimum of 2m; set spec.triggers[0].interval.every to 2m or more.",
    );

    // At the minimum, with jitter as long as the interval: scheduled like any Pipeline, nothing started yet.
    const ok = await pipelineWhen("at-the-minimum", (p) => condition(p, "Ready")?.status === "True", "Ready");
    const triggers = (ok.status as { triggers?: { name: string; nextScheduleTime?: string }[] }).triggers ?? [];
    expect(triggers.map((t) => t.name)).toEqual(["jittery", "every-2m"]);
    for (const t of triggers) expect(Date.parse(t.nextScheduleTime ?? "")).toBeGreaterThan(started);

    // No reconcile of anything was abandoned on the way.
    const timeouts = await operator.metrics.reconcileTimeouts.get();
    expect(timeouts.values.reduce((sum, v) => sum + v.value, 0)).toBe(0);
  }, 240_000);

  it("a reconcile timeout is recorded on the object's summary condition, its other status kept", async () => {
    // What the controller's onReconcileTimeout hook writes, against the real status subresource. The operator
    // would rewrite the condition on its next reconcile, so it is stopped first.
    await operator?.stop();
    operator = undefined;
    const live = await client.find(PIPELINE, hostileNs, "at-the-minimum");
    const report = reconcileTimeoutReporter({
      client,
      resource: PIPELINE,
      cache: { get: (key) => (key === `${hostileNs}/at-the-minimum` ? live : undefined) },
      fieldManager: FIELD_MANAGER,
      now: () => new Date(),
      summary: "Ready",
      status: "False",
    });
    await report(`${hostileNs}/at-the-minimum`, 60_000);
    await report(`${hostileNs}/gone`, 60_000); // an object no longer there is left alone
    const after = await client.find(PIPELINE, hostileNs, "at-the-minimum");
    expect(condition(after, "Ready")).toMatchObject({
      status: "False",
      reason: "ReconcileTimeout",
      message:
        "Reconciling this Pipeline took longer than the operator's budget of 60s, so the attempt was abandoned; it is retried with backoff. If this persists, ask your platform admin to check the operator's logs.",
    });
    expect(condition(after, "TriggersReady")?.status).toBe("True");
    expect((after?.status as { triggers?: unknown[] } | undefined)?.triggers).toHaveLength(2);
  });
});
