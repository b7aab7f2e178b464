// GitOps soak: a real Argo CD keeps an Application of loco objects (a Profile, two Apps, a Pipeline) synced from a
// Git repository while the real operator runs, for five minutes of steady state; every few seconds the Application
// is compared again (a hard refresh, as a new commit would be) and its sync status sampled. The claim it measures:
// no OutOfSync from fields the operator writes (status, defaults, finalizers, field managers), no sync started by
// self-heal, and an operator that writes nothing to the apiserver at steady state.
//
//   node bench/gitops-soak.ts       (BENCH_SOAK_SECONDS=300, BENCH_SAMPLE_SECONDS=5)
//
// Everything is real and private to the run: a control plane (hack/control-plane), Argo CD's application controller
// and repo server (built by hack/build-argocd.sh; test/support/argocd.ts starts them), the operator with its mirror
// on an embedded database (pglite:memory). CI keeps the shorter check in test/gitops/argocd.test.ts. Prints its
// figures and writes bench/results/gitops-soak.json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { stringify } from "yaml";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { silentLogger } from "../kube/logger.ts";
import { type RunningOperator, startOperator } from "../operator/operator.ts";
import { type Application, IN_CLUSTER, type RunningArgoCd, startArgoCd } from "../test/support/argocd.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";

const soakSeconds = Number(process.env.BENCH_SOAK_SECONDS ?? 300);
const sampleSeconds = Number(process.env.BENCH_SAMPLE_SECONDS ?? 5);
const root = join(import.meta.dirname, "..");
const resultsDir = join(root, "bench", "results");
const argocdVersion = /^ARGOCD_VERSION=(.+)$/m.exec(readFileSync(join(root, "hack", "versions.env"), "utf8"))?.[1];
const log = (message: string) => process.stderr.write(`[gitops-soak] ${message}\n`);

const APPLICATION = "soak";
const tenant = "soak";
const profile = "soak";
const hostname = "shop.soak.example.com";

function manifests(ns: string, gatewayNs: string): Record<string, string> {
  const app = (name: string, spec: Record<string, unknown>) =>
    stringify({
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name, namespace: ns },
      spec: { profile, ...spec },
    });
  return {
    "profile.yaml": stringify({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Profile",
      metadata: { name: profile },
      spec: {
        baseDomain: "apps.example.com",
        gateway: { name: "public", namespace: gatewayNs },
        defaults: { cpu: "100m", memory: "128Mi", replicas: 1 },
        limits: { maxCpu: "16", maxMemory: "32Gi", maxReplicas: 10 },
        domainGrants: [{ tenant, domains: [hostname] }],
      },
    }),
    "web.yaml": app("web", {
      image: "registry.example.com/soak/web:1.0.0",
      ports: [{ name: "http", port: 8080 }],
      routes: { http: { hostnames: [hostname] } },
      replicas: 2,
      env: [{ name: "LOG_LEVEL", value: "info" }],
      health: { readiness: { http: { path: "/healthz" } } },
    }),
    "worker.yaml": app("worker", { image: "registry.example.com/soak/worker:1.0.0" }),
    "pipeline.yaml": stringify({
      apiVersion: "loco.dev/v1alpha1",
      kind: "Pipeline",
      metadata: { name: "nightly", namespace: ns },
      spec: { tasks: [{ name: "report", image: "busybox:1.37", command: ["sh", "-c", "echo report"] }] },
    }),
  };
}

/** The operator's requests that change something (anything but reads and watches), from its own metrics. */
async function operatorWrites(operator: RunningOperator): Promise<number> {
  const text = await operator.metrics.registry.metrics();
  let writes = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith("rest_client_requests_total{")) continue;
    const method = /method="([^"]+)"/.exec(line)?.[1] ?? "";
    if (["POST", "PUT", "PATCH", "DELETE"].includes(method)) writes += Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return writes;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};

async function soak(argocd: RunningArgoCd, operator: RunningOperator, ns: string) {
  const kube = argocd.kube;
  const appState = async () =>
    Promise.all(
      ["web", "worker"].map(async (name) => {
        const object = (await kube.objects.read({
          apiVersion: "loco.dev/v1alpha1",
          kind: "App",
          metadata: { name, namespace: ns },
        })) as { metadata: { generation?: number }; status?: { deploymentId?: string } };
        return `${name}:${object.metadata.generation}:${object.status?.deploymentId}`;
      }),
    );
  const before = await argocd.application(APPLICATION);
  const apps = (await appState()).join(",");
  const writesBefore = await operatorWrites(operator);
  const started = Date.now();
  let samples = 0;
  let outOfSyncSamples = 0;
  let notHealthySamples = 0;
  let maxOutOfSyncResources = 0;
  let syncsStarted = 0;
  let appChanges = 0;
  let lastStarted = before.status?.operationState?.startedAt;
  let lastApps = apps;
  const compareMs: number[] = [];
  while (Date.now() - started < soakSeconds * 1000) {
    const tick = Date.now();
    const app: Application = await argocd.compareAgain(APPLICATION);
    compareMs.push(Date.now() - tick);
    samples++;
    const outOfSync = (app.status?.resources ?? []).filter((r) => r.status !== "Synced");
    if (app.status?.sync?.status !== "Synced" || outOfSync.length > 0) {
      outOfSyncSamples++;
      log(`OutOfSync at ${Math.round((Date.now() - started) / 1000)}s: ${outOfSync.map((r) => `${r.kind}/${r.name}`)}`);
    }
    if (app.status?.health?.status !== "Healthy") notHealthySamples++;
    maxOutOfSyncResources = Math.max(maxOutOfSyncResources, outOfSync.length);
    const startedAt = app.status?.operationState?.startedAt;
    if (startedAt !== lastStarted) {
      syncsStarted++;
      lastStarted = startedAt;
    }
    const now = (await appState()).join(",");
    if (now !== lastApps) {
      appChanges++;
      lastApps = now;
    }
    await sleep(Math.max(0, sampleSeconds * 1000 - (Date.now() - tick)));
  }
  return {
    durationS: Math.round((Date.now() - started) / 1000),
    samples,
    outOfSyncSamples,
    notHealthySamples,
    maxOutOfSyncResources,
    syncOperationsStarted: syncsStarted,
    appGenerationOrDeploymentChanges: appChanges,
    operatorWritesDuringSoak: (await operatorWrites(operator)) - writesBefore,
    compareP50Ms: quantile(compareMs, 0.5),
    compareMaxMs: Math.max(...compareMs),
  };
}

const dir = mkdtempSync(join(tmpdir(), "loco-bench-gitops-"));
const plane = await startControlPlane({ dir, ownerPid: process.pid });
let argocd: RunningArgoCd | undefined;
let operator: RunningOperator | undefined;
try {
  await installLocoCrds(plane.kubeconfig);
  argocd = await startArgoCd({ kubeconfig: plane.kubeconfig });
  const kube = argocd.kube;
  const ns = await kube.namespace("soak");
  await kube.core.patchNamespace({
    name: ns,
    body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: tenant }],
  });
  const gatewayNs = await kube.namespace("soak-gw");
  await kube.apply({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "public", namespace: gatewayNs },
    spec: {
      gatewayClassName: "envoy",
      listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
    },
  });
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  // The operator as it runs in production: every object, its default resync, the mirror on.
  operator = await startOperator({ kubeConfig: config, log: silentLogger, databaseUrl: "pglite:memory" });
  const revision = await argocd.repo.commit(manifests(ns, gatewayNs), "A Profile, two Apps and a Pipeline");
  await argocd.applyApplication(APPLICATION, {
    project: "default",
    source: { repoURL: argocd.repo.url, targetRevision: "main", path: "." },
    destination: { server: IN_CLUSTER, namespace: ns },
    syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ["ServerSideApply=true"] },
  });
  const settleStarted = Date.now();
  await argocd.until(
    APPLICATION,
    "Synced and Healthy",
    (app) =>
      app.status?.sync?.revision === revision &&
      app.status.sync.status === "Synced" &&
      app.status.health?.status === "Healthy" &&
      app.status.operationState?.phase === "Succeeded"
        ? app
        : undefined,
    180_000,
  );
  const settleS = Math.round((Date.now() - settleStarted) / 1000);
  log(`Synced and Healthy after ${settleS}s; soaking for ${soakSeconds}s, a sample every ${sampleSeconds}s`);
  const figures = await soak(argocd, operator, ns);
  const results = {
    argocdVersion,
    resources: 4,
    sampleIntervalS: sampleSeconds,
    settleS,
    ...figures,
    loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
    measuredAt: new Date().toISOString(),
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, "gitops-soak.json"), `${JSON.stringify(results, null, 2)}\n`);
  log(JSON.stringify(results, null, 2));
  if (results.outOfSyncSamples > 0) process.exitCode = 1;
} finally {
  await operator?.stop();
  await argocd?.stop();
  await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
}
