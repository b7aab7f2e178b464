// The operator exports to a real OTLP receiver: an OpenTelemetry Collector built from Go modules (hack/otelcol)
// listens on loopback, the operator runs in-process with OTLP pointed at it, and the spans and metrics of an App's
// reconciles arrive carrying loco.tenant and loco.app.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelemetry, type Telemetry } from "../../kube/telemetry.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "../support/operator.ts";
import { type RunningCollector, startCollector } from "../support/otel-collector.ts";

let kube: TestKube;
let collector: RunningCollector;
let telemetry: Telemetry;
let operator: RunningOperator;
let ns: string;
const shard = newShard();
const tenant = `t${shard}`;
const appName = `shop-${shard}`;
const profileName = `otel-${shard}`;
const labels = { [SHARD_LABEL]: shard };

beforeAll(async () => {
  // The first run on a machine builds the collector (a few minutes); later runs reuse the cached binary.
  collector = await startCollector();
  telemetry = await startTelemetry({
    endpoint: collector.endpoint,
    headers: {},
    serviceName: "loco-operator",
    metricIntervalMs: 500,
  });
  kube = testKube();
  ns = await kube.namespace("otel");
  await kube.core.patchNamespace({
    name: ns,
    body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: tenant }],
  });
  await kube.apply({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Profile",
    metadata: { name: profileName, labels },
    spec: {
      baseDomain: "apps.example.com",
      gateway: { name: "public", namespace: `gw-${shard}` },
      defaults: { cpu: "100m", memory: "128Mi", replicas: 1 },
    },
  });
  operator = await startTestOperator(shard);
  await kube.apply({
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: { name: appName, namespace: ns, labels },
    spec: { profile: profileName, image: "registry.example.com/shop:1.0" },
  });
}, 900_000);

afterAll(async () => {
  await operator?.stop();
  await telemetry?.shutdown();
  await collector?.stop();
  await kube.objects
    .delete({ apiVersion: "loco.dev/v1alpha1", kind: "Profile", metadata: { name: profileName } })
    .catch(() => {});
  await kube?.cleanup();
});

describe("OpenTelemetry export to a real collector", () => {
  it("delivers reconcile spans with the tenant, app, key and result", async () => {
    const span = await eventually(
      "a 'reconcile App' span at the collector",
      async () => {
        await telemetry.flush();
        return collector.spans().find((s) => s.name === "reconcile App" && s.attributes["loco.app"] === appName);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\ncollector output:\n${collector.output()}`);
    });
    expect(span.attributes).toMatchObject({
      "loco.tenant": tenant,
      "loco.app": appName,
      "loco.key": `${ns}/${appName}`,
      "loco.controller": "app",
    });
    expect(["success", "requeue_after", "requeue", "error"]).toContain(span.attributes["loco.reconcile.result"]);
    expect(span.attributes["loco.reconcile.duration_seconds"]).toBeTypeOf("number");
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.resource["service.name"]).toBe("loco-operator");
  });

  it("delivers reconcile metrics under controller-runtime's names with the tenant and app", async () => {
    const point = await eventually(
      "controller_runtime_reconcile_total for the App at the collector",
      async () => {
        await telemetry.flush();
        return collector
          .points()
          .find((p) => p.metric === "controller_runtime_reconcile_total" && p.attributes["loco.app"] === appName);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(point.attributes).toMatchObject({ controller: "app", "loco.tenant": tenant, "loco.app": appName });
    expect(point.value).toBeGreaterThanOrEqual(1);
    const time = collector
      .points()
      .find((p) => p.metric === "controller_runtime_reconcile_time_seconds" && p.attributes["loco.app"] === appName);
    expect(time?.attributes["loco.tenant"]).toBe(tenant);
    expect(time?.value).toBeGreaterThanOrEqual(1);
  });

  it("delivers the App's deployments and replicas, counted where the operator writes its status", async () => {
    const deployments = await eventually(
      "loco.app.deployments for the App at the collector",
      async () => {
        await telemetry.flush();
        return collector
          .points()
          .find((p) => p.metric === "loco.app.deployments" && p.attributes["loco.app"] === appName);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(deployments.attributes).toEqual({ "loco.tenant": tenant, "loco.app": appName });
    expect(deployments.value).toBe(1);
    const replicas = collector
      .points()
      .filter((p) => p.metric === "loco.app.replicas" && p.attributes["loco.app"] === appName);
    expect(replicas.map((p) => p.attributes.state)).toContain("desired");
    for (const point of replicas) expect(point.attributes["loco.tenant"]).toBe(tenant);
  });
});
