// A canary rollout survives its operator: SIGKILL the leader mid-rollout, let another process win the Lease, and the
// rollout goes on from the step status records — same deployment id, same canary Deployment, never back to step 0,
// and a timed pause still counted from when it began (ADR 0010).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP } from "../../crds/kinds.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { DEPLOYMENT, GRPC_ROUTE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, testKubeConfig } from "../support/operator.ts";
import { type OperatorProcess, spawnOperator } from "../support/operator-process.ts";
import { createTenantGateway, removeTenantGateway } from "../support/tenant-gateway.ts";

type Rollout = { deploymentId: string; step: number; weight: number; phase: string; stepStartedAt: string };

const shard = newShard();
const tenant = `resume${shard}`;
const profileName = `resume-${shard}`;
const gatewayNs = `gw-resume-${shard}`;
const labels = { [SHARD_LABEL]: shard };
const world = { prefix: "resume", tenant, gatewayNs, profileName, labels };
// Short leases, so the second process takes over within seconds of the first one's death — but not so short that
// a starved process misses its renew deadline: with 2 s, three suites on two cores (load 15–19) made the only
// replica step down and exit before the App was first Ready.
const LEASE = [
  ...["--leader-election-namespace", gatewayNs, "--lease-name", `loco-operator-${shard}`],
  ...["--lease-duration", "8s", "--renew-deadline", "6s", "--retry-period", "1s"],
];
const STEPS = [{ setWeight: 25 }, { pause: { duration: "8s" } }, { setWeight: 75 }, { pause: {} }];

let kube: TestKube;
let client: KubeClient;
let ns: string;
let operator: OperatorProcess | undefined;

const app = (image: string): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: { name: "cart", namespace: ns, labels },
  spec: {
    profile: profileName,
    image,
    replicas: 4,
    ports: [{ name: "grpc", port: 9090, protocol: "GRPC" }],
    rollout: { strategy: "canary", steps: STEPS },
  },
});

const rollout = async () => ((await client.get(APP, ns, "cart")).status as { rollout?: Rollout }).rollout;
const weights = async () => {
  const route = await client.get(GRPC_ROUTE, ns, "cart");
  const rules = (route.spec as { rules: { backendRefs: { name: string; weight: number }[] }[] }).rules;
  return rules[0]?.backendRefs.map((r) => `${r.name}=${r.weight}`).join(",");
};

beforeAll(async () => {
  kube = testKube();
  client = await KubeClient.create(testKubeConfig());
  ns = await createTenantGateway(kube, world);
  operator = await spawnOperator(shard, LEASE);
}, 60_000);

afterAll(async () => {
  await operator?.kill();
  await removeTenantGateway(kube, world);
  client.close();
});

describe("a canary rollout and its operator's death", () => {
  // Two RolloutStarted events for one deployment id were seen under load before the App reconciler awaited its own
  // status writes in its cache (operator/runtime/status-expectations.ts): a reconcile of an older copy started the
  // rollout again.
  it("resumes at the same step under the next leader, never restarting the rollout", async () => {
    await kube.apply(app("registry.example.com/cart:1"));
    await eventually(
      "cart Ready",
      async () => {
        const conditions = (
          (await client.get(APP, ns, "cart")).status as { conditions?: { type: string; status: string }[] }
        )?.conditions;
        return conditions?.find((c) => c.type === "Ready")?.status === "True" ? true : undefined;
      },
      { timeoutMs: 60_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${operator?.output().slice(-4000)}`);
    });
    await kube.apply(app("registry.example.com/cart:2"));
    const paused = await eventually("cart paused at 25%", async () => {
      const r = await rollout();
      return r?.phase === "Paused" && r.step === 1 ? r : undefined;
    });
    expect(await weights()).toBe("cart=75,cart-canary=25");
    const canaryUid = (await client.get(DEPLOYMENT, ns, "cart-canary")).metadata.uid;

    // Mid-pause: the leader dies without releasing its Lease; a new process must wait it out and take over.
    await operator?.kill("SIGKILL");
    operator = await spawnOperator(shard, LEASE);

    const seen: Rollout[] = [];
    const resumed = await eventually(
      "cart at 75%, paused until promoted",
      async () => {
        const r = await rollout();
        if (r) seen.push(r);
        return r?.step === 3 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    // Same rollout, never back to its start, and the pause counted from when it began before the kill.
    expect(seen.every((r) => r.deploymentId === paused.deploymentId && r.step >= 1 && r.weight >= 25)).toBe(true);
    expect(resumed).toMatchObject({ deploymentId: paused.deploymentId, weight: 75, phase: "Paused" });
    const step2Started = Date.parse(seen.find((r) => r.step >= 2)?.stepStartedAt ?? resumed.stepStartedAt);
    expect(step2Started - Date.parse(paused.stepStartedAt)).toBeGreaterThanOrEqual(8000 - 1000);
    expect(await weights()).toBe("cart=25,cart-canary=75");
    expect((await client.get(DEPLOYMENT, ns, "cart-canary")).metadata.uid).toBe(canaryUid);
    const events = await kube.core.listNamespacedEvent({ namespace: ns });
    const started = events.items.filter((e) => e.reason === "RolloutStarted");
    expect(started.map((e) => [e.message?.includes(paused.deploymentId), e.count ?? 1])).toEqual([[true, 1]]);

    // The new leader obeys a promotion of the same rollout.
    await client.apply(
      APP,
      {
        apiVersion: "loco.dev/v1alpha1",
        kind: "App",
        metadata: { name: "cart", namespace: ns, annotations: { "loco.dev/rollout-promote": paused.deploymentId } },
      },
      "test-user",
    );
    const done = await eventually(
      "cart promoted",
      async () => {
        const r = await rollout();
        return r?.phase === "Completed" ? r : undefined;
      },
      { timeoutMs: 120_000 },
    ).catch(async (error: Error) => {
      const live = await client.get(APP, ns, "cart");
      throw new Error(`${error.message}\n${JSON.stringify(live.status)}\n${operator?.output().slice(-3000)}`);
    });
    expect(done.deploymentId).toBe(paused.deploymentId);
    expect(await weights()).toBe("cart=100,cart-canary=0");
  }, 240_000);
});
