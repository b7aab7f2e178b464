// GitOps for real: a real Argo CD (application controller and repo server, test/support/argocd.ts) syncs loco's
// objects from a Git repository while the real operator reconciles them. Argo CD judges their health with loco's
// Lua checks, installed from the chart's argocd-cm snippet as docs/gitops.md tells users to, in Argo CD's own Lua
// runtime. The Application is the one docs/gitops.md documents (automated sync with prune and self-heal,
// server-side apply). One Argo CD and one operator serve the whole file; each step builds on the repository the
// previous one left. The operator mirrors into a real Postgres database, where changes synced from Git become
// releases naming their commit, and from which the resurrector rebuilds in the drill at the end.

import { PatchStrategy } from "@kubernetes/client-node";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { APP, PIPELINE, PROFILE } from "../../crds/kinds.ts";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { listTimeline } from "../../db/stores/app-timeline.ts";
import { listReleases } from "../../db/stores/releases.ts";
import { kubectl as runKubectl } from "../../hack/control-plane/control-plane.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { DEPLOYMENT, SERVICE } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { apply as resurrect } from "../../resurrector/resurrect.ts";
import {
  type Application,
  IN_CLUSTER,
  type ResourceStatus,
  type RunningArgoCd,
  startArgoCd,
} from "../support/argocd.ts";
import { createTestDatabase } from "../support/database.ts";
import { eventually } from "../support/kube.ts";
import { newShard, SHARD_LABEL, startTestOperator, testKubeConfig } from "../support/operator.ts";

type Condition = { type: string; status: string; reason: string; message: string };
type LocoStatus = { conditions?: Condition[]; deploymentId?: string; observedGeneration?: number };

const shard = newShard();
const tenant = `gitops${shard}`;
const labels = { [SHARD_LABEL]: shard };
const profile = `gitops-${shard}`;
/** A Profile that Git adds only after an App that names it. */
const lateProfile = `gitops-${shard}-late`;
const hostname = `shop-${shard}.example.com`;
const APPLICATION = "loco";
/** How long the steady-state check watches for drift (set LOCO_GITOPS_STEADY_MS=300000 for the 5-minute soak). */
const steadyMs = Number(process.env.LOCO_GITOPS_STEADY_MS ?? 20_000);

let argocd: RunningArgoCd;
let operator: RunningOperator | undefined;
let client: KubeClient;
let ns: string;
let gatewayNs: string;
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let reader: DatabaseHandle;
/** The commit that first put web in Git. */
let firstRevision: string;

// ---- the repository's manifests: what a platform team would commit ----

const yaml = (object: Record<string, unknown>) => stringify(object);

const profileYaml = (name = profile) =>
  yaml({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Profile",
    metadata: { name, labels },
    spec: {
      baseDomain: "apps.example.com",
      gateway: { name: "public", namespace: gatewayNs },
      defaults: { cpu: "100m", memory: "128Mi", replicas: 1 },
      limits: { maxCpu: "64", maxMemory: "64Gi", maxReplicas: 10 },
      domainGrants: [{ tenant, domains: [hostname] }],
    },
  });

function appYaml(name: string, spec: Record<string, unknown>): string {
  return yaml({
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: { name, namespace: ns, labels },
    spec: { profile, ...spec },
  });
}

/**
 * The HTTP App the repository always holds; Git declares its replica count. It is Jsonnet (JSON is Jsonnet), so
 * that Argo CD stamps it with the commit it syncs: the Application passes $ARGOCD_APP_REVISION as the external
 * variable `revision`, which becomes the annotation loco.dev/git-revision that loco's release of the change names.
 */
const webJsonnet = (image: string) =>
  `// The commit Argo CD syncs, from its build environment (the Application's jsonnet extVars).\n${JSON.stringify(
    {
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: "web", namespace: ns, labels, annotations: { "loco.dev/git-revision": "REVISION" } },
      spec: {
        profile,
        image,
        ports: [{ name: "http", port: 8080 }],
        routes: { http: { hostnames: [hostname] } },
        replicas: 2,
        env: [{ name: "LOG_LEVEL", value: "info" }],
      },
    },
    null,
    2,
  ).replace('"REVISION"', 'std.extVar("revision")')}\n`;

/** A worker without ports; Git leaves its replica count to whoever scales it. */
const workerYaml = (logLevel = "info") =>
  appYaml("worker", { image: "registry.example.com/acme/worker:1.0.0", env: [{ name: "LOG_LEVEL", value: logLevel }] });

const pipelineYaml = () =>
  yaml({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Pipeline",
    metadata: { name: "nightly", namespace: ns, labels },
    spec: { tasks: [{ name: "report", image: "busybox:1.37", command: ["sh", "-c", "echo report"] }] },
  });

/** A one-off Run whose task exits 3 (kwok plays the container: docs/test-environment.md). */
const failingRunYaml = () =>
  yaml({
    apiVersion: "loco.dev/v1alpha1",
    kind: "Run",
    metadata: { name: "migrate", namespace: ns, labels },
    spec: {
      task: {
        image: "busybox:1.37",
        command: ["sh", "-c", "exit 3"],
        podAnnotations: { "loco.dev/test-exit-code": "3", "loco.dev/test-duration": "1s" },
      },
    },
  });

// ---- reading Argo CD's verdicts ----

function resource(app: Application, kind: string, name: string): ResourceStatus | undefined {
  return app.status?.resources?.find((r) => r.group === "loco.dev" && r.kind === kind && r.name === name);
}

/** Waits until Argo CD compared `revision` and `check` holds; returns what it checked. */
function whenAt<T>(revision: string, what: string, check: (app: Application) => T | undefined, timeoutMs = 60_000) {
  return argocd.until(
    APPLICATION,
    `${what} at ${revision.slice(0, 7)}`,
    (app) => (app.status?.sync?.revision === revision ? check(app) : undefined),
    timeoutMs,
  );
}

/** The health Argo CD reports for a loco object, once it is `status` (and Synced). */
const healthIs = (kind: string, name: string, status: string) => (app: Application) => {
  const r = resource(app, kind, name);
  return r?.health?.status === status && r.status === "Synced" ? r : undefined;
};

/** The id of the last sync (Argo CD keeps the last ten in status.history; ids only grow). */
const lastSync = (app: Application) => Math.max(0, ...(app.status?.history ?? []).map((h) => h.id));

const live = (kind: typeof APP, name: string) => client.find(kind, ns, name);
const locoStatus = (object: KubeObject | undefined) => (object?.status ?? {}) as LocoStatus;
const ready = (object: KubeObject | undefined, type = "Ready") =>
  locoStatus(object).conditions?.find((c) => c.type === type);

/** What a person at a terminal runs (the real kubectl, with the suite's admin kubeconfig). */
const kubectl = (args: string[]) => runKubectl({ kubeconfig: inject("kubeconfig") }, args);

/** What `loco scale worker --replicas n` writes: a forced server-side apply of spec.replicas as loco-scale. */
const setWorkerReplicas = (replicas: number) =>
  argocd.kube.objects.patch(
    { apiVersion: "loco.dev/v1alpha1", kind: "App", metadata: { name: "worker", namespace: ns }, spec: { replicas } },
    undefined,
    undefined,
    "loco-scale",
    true,
    PatchStrategy.ServerSideApply,
  );

const replicasOf = async (name: string) =>
  ((await live(APP, name))?.spec as { replicas?: number } | undefined)?.replicas;

/** The Application docs/gitops.md shows, with Jsonnet's `revision` from Argo CD's build environment. */
const applicationSpec = (automated = true) => ({
  project: "default",
  source: {
    repoURL: argocd.repo.url,
    targetRevision: "main",
    path: ".",
    directory: { jsonnet: { extVars: [{ name: "revision", value: "$ARGOCD_APP_REVISION" }] } },
  },
  destination: { server: IN_CLUSTER, namespace: ns },
  syncPolicy: {
    ...(automated ? { automated: { prune: true, selfHeal: true } } : {}),
    syncOptions: ["ServerSideApply=true"],
  },
});

beforeAll(async () => {
  database = await createTestDatabase("loco_gitops");
  reader = await connectDatabase(database.url);
  // The test's own client: the operator's closes when it stops (the drill stops it).
  client = await KubeClient.create(testKubeConfig());
  argocd = await startArgoCd();
  const kube = argocd.kube;
  ns = await kube.namespace("gitops");
  await kube.core.patchNamespace({
    name: ns,
    body: [{ op: "add", path: "/metadata/labels/loco.dev~1tenant", value: tenant }],
  });
  gatewayNs = await kube.namespace("gitops-gw");
  await kube.apply({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "public", namespace: gatewayNs },
    spec: {
      gatewayClassName: "envoy",
      listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
    },
  });
}, 1_800_000);

afterAll(async () => {
  await operator?.stop();
  await argocd?.stop();
  await argocd?.kube.objects
    .delete({ apiVersion: "loco.dev/v1alpha1", kind: "Profile", metadata: { name: profile } })
    .catch(() => {});
  await argocd?.kube.objects
    .delete({ apiVersion: "loco.dev/v1alpha1", kind: "Profile", metadata: { name: lateProfile } })
    .catch(() => {});
  await argocd?.kube.cleanup();
  client?.close();
  await reader?.close();
  await database?.drop();
});

describe("Argo CD syncing loco's objects from Git", () => {
  let revision: string;

  it("syncs a Profile, Apps and a Pipeline; loco's checks say Progressing until the operator reports, then Healthy", async () => {
    revision = await argocd.repo.commit(
      {
        "profile.yaml": profileYaml(),
        "web.jsonnet": webJsonnet("registry.example.com/acme/web:1.0.0"),
        "worker.yaml": workerYaml(),
        "pipeline.yaml": pipelineYaml(),
      },
      "A Profile, two Apps and a Pipeline",
    );
    firstRevision = revision;
    await argocd.applyApplication(APPLICATION, applicationSpec());

    // No operator yet: the objects exist without a status, and loco's App check (not Argo CD's default, which
    // calls any custom resource without a check Healthy) says it waits for the operator.
    const waiting = await whenAt(revision, "web synced and Progressing", healthIs("App", "web", "Progressing"));
    expect(waiting.health?.message).toBe("Waiting for the loco operator to report the App's status.");

    operator = await startTestOperator(shard, { databaseUrl: database.url });
    const app = await whenAt(revision, "everything Healthy", (a) =>
      [`Profile/${profile}`, "App/web", "App/worker", "Pipeline/nightly"].every((key) => {
        const [kind, name] = key.split("/") as [string, string];
        return healthIs(kind, name, "Healthy")(a);
      })
        ? a
        : undefined,
    );
    expect(app.status?.sync?.status).toBe("Synced");
    expect(app.status?.health?.status).toBe("Healthy");
    // The verdict is loco's: Healthy exactly when Ready is True, with the condition's own message.
    const web = await live(APP, "web");
    expect(ready(web)?.status).toBe("True");
    expect(resource(app, "App", "web")?.health?.message).toBe(ready(web)?.message);
  });

  it("reports Progressing while a rollout waits for capacity, and Healthy once a commit lets it finish", async () => {
    // 40 CPUs fit the Profile's limits but not the 32-CPU node: the pods stay Pending, the rollout waits.
    revision = await argocd.repo.commit(
      { "big.yaml": appYaml("big", { image: "registry.example.com/acme/big:1.0.0", resources: { cpu: "40" } }) },
      "An App too big for the node",
    );
    const progressing = await whenAt(revision, "big Progressing", (a) => {
      const r = healthIs("App", "big", "Progressing")(a);
      // The rollout's settled message: the Deployment has observed the spec, no pod can start.
      return /^Rolling out deployment \w+: 0 of 1 new replica\(s\) available\.$/.test(r?.health?.message ?? "")
        ? r
        : undefined;
    });
    expect(ready(await live(APP, "big"))).toMatchObject({ status: "Unknown", reason: "Progressing" });
    expect(progressing.health?.message).toBe(ready(await live(APP, "big"))?.message);

    revision = await argocd.repo.commit(
      { "big.yaml": appYaml("big", { image: "registry.example.com/acme/big:1.0.0", resources: { cpu: "200m" } }) },
      "Make big fit",
    );
    await whenAt(revision, "big Healthy", healthIs("App", "big", "Healthy"));
  });

  it("reports Degraded for a route conflict and for a failed Run", async () => {
    revision = await argocd.repo.commit(
      {
        "squat.yaml": appYaml("squat", {
          image: "registry.example.com/acme/squat:1.0.0",
          ports: [{ name: "http", port: 8080 }],
          routes: { http: { hostnames: [hostname] } },
        }),
        "migrate.yaml": failingRunYaml(),
      },
      "A second App on web's hostname, and a migration that fails",
    );
    const app = await whenAt(revision, "squat and migrate Degraded", (a) =>
      healthIs("App", "squat", "Degraded")(a) && healthIs("Run", "migrate", "Degraded")(a) ? a : undefined,
    );
    expect(resource(app, "App", "squat")?.health?.message).toContain(
      `${hostname} is already served by your App ${ns}/web`,
    );
    expect(ready(await live(APP, "squat"))?.reason).toBe("RouteConflict");
    // web keeps its hostname and stays Healthy; the Application as a whole is as bad as its worst resource.
    expect(resource(app, "App", "web")?.health?.status).toBe("Healthy");
    expect(app.status?.health?.status).toBe("Degraded");
  });

  it("reports Missing for an App whose Profile is not there yet (ProfileNotFound), and Healthy once Git adds it", async () => {
    revision = await argocd.repo.commit(
      { "orphan.yaml": appYaml("orphan", { profile: lateProfile, image: "registry.example.com/acme/orphan:1.0.0" }) },
      "An App on a Profile that is not in Git yet",
    );
    const missing = await whenAt(revision, "orphan Missing", healthIs("App", "orphan", "Missing"));
    const orphan = await live(APP, "orphan");
    // loco's condition says the App is waiting for its Profile; the check passes that on, message and all.
    expect(ready(orphan)).toMatchObject({ status: "False", reason: "ProfileNotFound" });
    expect(missing.health?.message).toBe(ready(orphan)?.message);

    revision = await argocd.repo.commit({ "late-profile.yaml": profileYaml(lateProfile) }, "Add the late Profile");
    await whenAt(revision, "orphan and its Profile Healthy", (a) =>
      healthIs("App", "orphan", "Healthy")(a) && healthIs("Profile", lateProfile, "Healthy")(a) ? a : undefined,
    );
    expect(ready(await live(APP, "orphan"))?.status).toBe("True");
  });

  it(
    "stays Synced while the operator writes status: no drift across refreshes, no self-heal syncs",
    async () => {
      const before = await whenAt(revision, "Synced", (a) => (a.status?.sync?.status === "Synced" ? a : undefined));
      const syncs = lastSync(before);
      const deadline = Date.now() + steadyMs;
      let compared = 0;
      while (Date.now() < deadline || compared < 3) {
        const app = await argocd.compareAgain(APPLICATION);
        compared++;
        const outOfSync = (app.status?.resources ?? []).filter((r) => r.status !== "Synced");
        expect(outOfSync, `compared ${compared} time(s)`).toEqual([]);
        expect(app.status?.sync?.status).toBe("Synced");
        expect(lastSync(app)).toBe(syncs);
        expect(app.status?.operationState?.startedAt).toBe(before.status?.operationState?.startedAt);
      }
    },
    steadyMs + 120_000,
  );

  it("rolls the App out again when a commit changes its image", async () => {
    const before = locoStatus(await live(APP, "web")).deploymentId;
    revision = await argocd.repo.commit(
      { "web.jsonnet": webJsonnet("registry.example.com/acme/web:1.1.0") },
      "web 1.1.0",
    );
    await whenAt(revision, "web Healthy at 1.1.0", healthIs("App", "web", "Healthy"));
    const web = await eventually("web Ready with a new deployment", async () => {
      const object = await live(APP, "web");
      const status = locoStatus(object);
      return ready(object)?.status === "True" && status.deploymentId !== before ? object : undefined;
    });
    const deployment = await client.get(DEPLOYMENT, ns, "web");
    const template = (
      deployment.spec as {
        template: { metadata: { annotations: Record<string, string> }; spec: { containers: { image: string }[] } };
      }
    ).template;
    expect(template.spec.containers[0]!.image).toBe("registry.example.com/acme/web:1.1.0");
    expect(template.metadata.annotations["loco.dev/deployment-id"]).toBe(locoStatus(web).deploymentId);

    // loco records the change as a release, as it does a deploy: the mirror sees a spec Argo CD wrote, once the
    // operator has reported on it, and names the commit Argo CD stamped on the App. The commits between (other
    // files, the same App spec) made none.
    let seen: unknown;
    const releases = await eventually("web's release of the new image", async () => {
      const list = await listReleases(reader.db, { tenant, namespace: ns, app: "web", limit: 10 });
      seen = list;
      return list[0]?.gitRevision === revision ? list : undefined;
    }).catch(async (error: Error) => {
      const object = await live(APP, "web");
      throw new Error(
        `${error.message}: releases ${JSON.stringify(seen)}; web's metadata ${JSON.stringify(object?.metadata)}; status ${JSON.stringify(object?.status)}`,
      );
    });
    expect(releases.map((r) => [r.number, r.kind, r.actor, r.gitRevision])).toEqual([
      [2, "apply", "argocd-controller", revision],
      [1, "apply", "argocd-controller", firstRevision],
    ]);
    expect(releases[0]).toMatchObject({
      source: { kind: "git", revision, managers: ["argocd-controller"] },
      deploymentId: locoStatus(web).deploymentId,
      changes: {
        image: { before: "registry.example.com/acme/web:1.0.0", after: "registry.example.com/acme/web:1.1.0" },
      },
    });
    const timeline = await listTimeline(reader.db, { tenant, namespace: ns, app: "web", limit: 100 });
    expect(timeline.find((e) => e.reason === "Released" && e.message.startsWith("Release 2 "))).toMatchObject({
      message: `Release 2 — apply: image registry.example.com/acme/web:1.1.0 (Git commit ${revision})`,
      actor: "argocd-controller",
    });
    // …next to the deployment it started.
    expect(timeline.map((e) => e.message)).toContain(
      `Deployment ${locoStatus(web).deploymentId} of registry.example.com/acme/web:1.1.0 started`,
    );
  });

  it("keeps the Application Synced through a canary rollout, Progressing while it is paused, then Healthy", async () => {
    // An App with a canary rollout that pauses until promoted (#25): loco changes the routes' weights, runs a canary
    // Deployment and Service beside the App, and writes the rollout into the App's status. None of that is in Git,
    // so none of it may make Argo CD call the Application OutOfSync or prune anything.
    const canaryApp = (image: string) =>
      appYaml("cany", {
        image,
        ports: [{ name: "http", port: 8080 }],
        replicas: 2,
        rollout: { strategy: "canary", steps: [{ setWeight: 50 }, { pause: {} }] },
      });
    revision = await argocd.repo.commit({ "cany.yaml": canaryApp("registry.example.com/acme/cany:1") }, "cany 1");
    try {
      await rollOutCanary(canaryApp);
    } finally {
      // Out of Git again, so that the steps after this one see the repository they expect.
      revision = await argocd.repo.commit({ "cany.yaml": null }, "Remove cany");
      await whenAt(revision, "cany pruned", (app) => (resource(app, "App", "cany") ? undefined : app));
      await eventually("cany gone", async () => ((await live(APP, "cany")) ? undefined : true));
    }
  }, 300_000);

  async function rollOutCanary(canaryApp: (image: string) => string): Promise<void> {
    await whenAt(revision, "cany Healthy at 1", healthIs("App", "cany", "Healthy"), 120_000);
    revision = await argocd.repo.commit({ "cany.yaml": canaryApp("registry.example.com/acme/cany:2") }, "cany 2");
    await whenAt(revision, "cany 2 synced", (app) =>
      app.status?.operationState?.phase === "Succeeded" && app.status.operationState.syncResult?.revision === revision
        ? app
        : undefined,
    );
    const rolloutOf = async () =>
      ((await live(APP, "cany"))?.status as { rollout?: { phase: string; deploymentId: string; weight: number } })
        ?.rollout;
    const paused = await eventually("cany's canary paused at 50%", async () => {
      const rollout = await rolloutOf();
      return rollout?.phase === "Paused" ? rollout : undefined;
    });
    expect(paused.weight).toBe(50);
    const syncedWhilePaused = await whenAt(revision, "the Application compared while cany is paused", (app) =>
      app.status?.sync?.status === "Synced" && resource(app, "App", "cany")?.health?.status === "Progressing"
        ? app
        : undefined,
    );
    expect((syncedWhilePaused.status?.resources ?? []).filter((r) => r.status !== "Synced")).toEqual([]);
    // A hard refresh compares again from scratch: still nothing out of sync with the canary live.
    const compared = await argocd.compareAgain(APPLICATION);
    expect(compared.status?.sync?.status).toBe("Synced");
    expect((compared.status?.resources ?? []).filter((r) => r.status !== "Synced")).toEqual([]);
    expect(await client.find(DEPLOYMENT, ns, "cany-canary")).toBeDefined();

    // `loco rollout promote` writes an annotation naming the rollout under its own field manager, beside Git's.
    await argocd.kube.objects.patch(
      {
        apiVersion: "loco.dev/v1alpha1",
        kind: "App",
        metadata: { name: "cany", namespace: ns, annotations: { "loco.dev/rollout-promote": paused.deploymentId } },
      },
      undefined,
      undefined,
      "loco-rollout",
      true,
      PatchStrategy.ServerSideApply,
    );
    await eventually("cany's rollout Completed", async () =>
      (await rolloutOf())?.phase === "Completed" ? true : undefined,
    );
    await whenAt(revision, "cany Healthy after the promotion", healthIs("App", "cany", "Healthy"));
    expect((await argocd.application(APPLICATION)).status?.sync?.status).toBe("Synced");
  }

  it("puts Git's value back when a person scales a field Git declares (self-heal: Git wins)", async () => {
    // The sync of the last commit is over (so any later sync at the same revision is self-heal's).
    const settled = await whenAt(revision, "the last commit's sync finished", (a) =>
      a.status?.operationState?.phase === "Succeeded" && a.status.operationState.syncResult?.revision === revision
        ? a
        : undefined,
    );
    await kubectl(["-n", ns, "scale", "app/web", "--replicas=5"]);
    // Argo CD watches the objects it manages: the change itself starts a comparison and a self-heal sync of just
    // the drifted App (a partial sync, which Argo CD leaves out of status.history).
    const healed = await whenAt(revision, "a self-heal sync, Synced and Healthy again", (a) => {
      const op = a.status?.operationState;
      return op?.startedAt !== settled.status?.operationState?.startedAt &&
        op?.phase === "Succeeded" &&
        a.status?.sync?.status === "Synced" &&
        healthIs("App", "web", "Healthy")(a)
        ? op
        : undefined;
    });
    expect(healed?.operation?.initiatedBy).toMatchObject({ automated: true });
    expect(healed?.operation?.sync?.autoHealAttemptsCount).toBeGreaterThanOrEqual(1);
    expect(healed?.operation?.sync?.resources).toEqual([expect.objectContaining({ kind: "App", name: "web" })]);
    expect(await replicasOf("web")).toBe(2);
    expect((await client.get(DEPLOYMENT, ns, "web")).spec).toMatchObject({ replicas: 2 });

    // The same for what `loco scale web --replicas 5` writes (a forced server-side apply as loco-scale, which takes
    // the field from Argo CD): self-heal applies Git's manifest, forced too, and takes it back.
    await argocd.kube.objects.patch(
      { apiVersion: "loco.dev/v1alpha1", kind: "App", metadata: { name: "web", namespace: ns }, spec: { replicas: 5 } },
      undefined,
      undefined,
      "loco-scale",
      true,
      PatchStrategy.ServerSideApply,
    );
    const again = await whenAt(revision, "a second self-heal sync", (a) => {
      const op = a.status?.operationState;
      return op?.startedAt !== healed?.startedAt &&
        op?.phase === "Succeeded" &&
        a.status?.sync?.status === "Synced" &&
        healthIs("App", "web", "Healthy")(a)
        ? op
        : undefined;
    });
    expect(again?.operation?.initiatedBy).toMatchObject({ automated: true });
    expect(await replicasOf("web")).toBe(2);
    const managers = ((await live(APP, "web"))?.metadata.managedFields ?? []) as {
      manager: string;
      fieldsV1?: { "f:spec"?: Record<string, unknown> };
    }[];
    expect(managers.find((m) => m.fieldsV1?.["f:spec"]?.["f:replicas"])?.manager).toBe("argocd-controller");
  });

  it("keeps a replica count that loco scale sets on an App whose manifest leaves replicas out, across syncs", async () => {
    // What `loco scale worker --replicas 3` writes: a server-side apply of spec.replicas as its own field manager.
    await argocd.kube.objects.patch(
      {
        apiVersion: "loco.dev/v1alpha1",
        kind: "App",
        metadata: { name: "worker", namespace: ns },
        spec: { replicas: 3 },
      },
      undefined,
      undefined,
      "loco-scale",
      true,
      PatchStrategy.ServerSideApply,
    );
    await eventually("worker's Deployment at 3", async () =>
      ((await client.find(DEPLOYMENT, ns, "worker"))?.spec as { replicas?: number } | undefined)?.replicas === 3
        ? true
        : undefined,
    );
    for (let i = 0; i < 3; i++) {
      const app = await argocd.compareAgain(APPLICATION);
      expect(resource(app, "App", "worker")?.status).toBe("Synced");
    }
    // A later commit that changes the worker syncs it (a new apply by Argo CD) and still leaves the count alone.
    revision = await argocd.repo.commit({ "worker.yaml": workerYaml("debug") }, "worker logs at debug");
    await whenAt(revision, "worker synced", healthIs("App", "worker", "Healthy"));
    const worker = await live(APP, "worker");
    expect((worker?.spec as { env?: unknown[] } | undefined)?.env).toEqual([{ name: "LOG_LEVEL", value: "debug" }]);
    expect(await replicasOf("worker")).toBe(3);
  });

  it("prunes Apps removed from Git, their children with them, and touches nothing else", async () => {
    await argocd.kube.apply({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "by-hand", namespace: ns },
      data: { note: "not in Git" },
    });
    const web = locoStatus(await live(APP, "web")).deploymentId;
    revision = await argocd.repo.commit({ "squat.yaml": null, "big.yaml": null }, "Remove squat and big");
    const app = await whenAt(revision, "squat and big pruned", (a) =>
      resource(a, "App", "squat") === undefined && resource(a, "App", "big") === undefined ? a : undefined,
    );
    expect(app.status?.sync?.status).toBe("Synced");
    for (const name of ["squat", "big"]) {
      await eventually(`${name} and its Deployment and Service gone`, async () => {
        const left = await Promise.all([
          live(APP, name),
          client.find(DEPLOYMENT, ns, name),
          client.find(SERVICE, ns, name),
        ]);
        return left.every((o) => o === undefined) ? true : undefined;
      });
    }
    expect(locoStatus(await live(APP, "web")).deploymentId).toBe(web);
    expect(await client.find(DEPLOYMENT, ns, "web")).toBeDefined();
    expect(await client.find(SERVICE, ns, "web")).toBeDefined();
    expect(await argocd.kube.core.readNamespacedConfigMap({ name: "by-hand", namespace: ns })).toBeDefined();
  });

  // Restoring at once, a re-created App is reconciled again within milliseconds of its first deployment (Argo CD's
  // apply follows the resurrector's create, or the other way round). That is how this step found the operator
  // minting a second deployment for one new App: its Deployment cache had not yet shown the Deployment it had just
  // written (operator/reconcilers/app/reconcile.ts deploymentOfRecord; test/operator/app-cache-lag.test.ts).
  it("after a simulated loss of the tenant's objects, the resurrector and Argo CD restoring at once: the same objects, one deployment each, no flapping", async () => {
    await drill("at once", revision);
  }, 300_000);

  it("after a simulated loss, the resurrector first and then Argo CD: everything restored by the resurrector, the replica count only loco had kept, and Argo CD Synced without a change", async () => {
    await drill("resurrector first", revision);
  }, 300_000);
});

/**
 * The disaster drill with Argo CD. What it covers: the tenant's loco objects vanish while the operator is down and
 * Argo CD is away, and the mirror holds them as a lost cluster leaves them (rows stamped with another cluster's
 * identity); then the operator, the resurrector and Argo CD's automated sync come back, at once or the resurrector
 * first. What it does not: etcd itself is not wiped (test/db/disaster-drill.test.ts does that, without Argo CD), and
 * Argo CD's own state survives.
 */
async function drill(order: "at once" | "resurrector first", revision: string) {
  const objects = [
    [PROFILE, undefined, profile],
    [PROFILE, undefined, lateProfile],
    [APP, ns, "web"],
    [APP, ns, "worker"],
    [APP, ns, "orphan"],
    [PIPELINE, ns, "nightly"],
  ] as const;
  const apps = ["web", "worker", "orphan"];
  const keyOf = (kind: string, name: string) => `${kind}/${name}`;
  await whenAt(revision, "Synced and Healthy before the loss", (a) =>
    a.status?.sync?.status === "Synced" &&
    a.status.operationState?.phase === "Succeeded" &&
    apps.every((name) => healthIs("App", name, "Healthy")(a))
      ? a
      : undefined,
  );
  const oldUids = new Map<string, string | undefined>();
  for (const [kind, namespace, name] of objects)
    oldUids.set(keyOf(kind.kind, name), (await client.get(kind, namespace, name)).metadata.uid);
  // worker's replica count, which only loco scale set (a forced apply as loco-scale, as in the test above).
  await setWorkerReplicas(3);
  await eventually("worker's replica count in the mirror", async () => {
    const { rows } = await sql<{ replicas: string | null }>`
      SELECT spec->>'replicas' AS replicas FROM resources
      WHERE kind = 'App' AND namespace = ${ns} AND name = 'worker' AND deleted_at IS NULL`.execute(reader.db);
    return rows[0]?.replicas === "3" ? true : undefined;
  });
  const releaseCount = async (app: string) =>
    (await listReleases(reader.db, { tenant, namespace: ns, app, limit: 100 })).length;
  const webReleases = await releaseCount("web");

  // The loss. Argo CD is away (automated sync off), the operator down, and the mirror's rows of these objects
  // carry the identity of the cluster they came from, which is no longer the one running.
  await argocd.applyApplication(APPLICATION, applicationSpec(false));
  await operator?.stop();
  operator = undefined;
  await sql`
        UPDATE resources SET cluster_uid = 'lost-cluster'
        WHERE deleted_at IS NULL
          AND ((namespace = ${ns} AND kind IN ('App', 'Pipeline')) OR (kind = 'Profile' AND name IN (${profile}, ${lateProfile})))`.execute(
    reader.db,
  );
  for (const [kind, namespace, name] of objects) await client.delete(kind, namespace, name);
  await eventually("the objects and the Apps' Deployments gone", async () => {
    const left = await Promise.all([
      ...objects.map(([kind, namespace, name]) => client.find(kind, namespace, name)),
      ...apps.map((name) => client.find(DEPLOYMENT, ns, name)),
    ]);
    return left.every((o) => o === undefined) ? true : undefined;
  });
  await whenAt(revision, "Argo CD seeing them missing, and leaving them so", (a) =>
    a.status?.sync?.status === "OutOfSync" && resource(a, "App", "web")?.status === "OutOfSync" ? a : undefined,
  );

  // The platform comes back: the operator, then the resurrector and Argo CD's automated sync — at once, or the
  // resurrector first (what docs/gitops.md recommends).
  operator = await startTestOperator(shard, { databaseUrl: database.url });
  const server = argocd.kube.config.getCurrentCluster()?.server ?? "";
  const resurrector = () =>
    resurrect({ client, server, db: reader.db, keyRing: undefined }, { force: false, concurrency: 4 });
  const [restored] =
    order === "at once"
      ? await Promise.all([resurrector(), argocd.applyApplication(APPLICATION, applicationSpec())])
      : [await resurrector()];
  if (order === "resurrector first") await argocd.applyApplication(APPLICATION, applicationSpec());
  expect(restored.outcome.failed).toEqual([]);
  const ours = restored.plan.items.filter(
    (i) => oldUids.has(keyOf(i.kind, i.name)) && (i.kind === "Profile" || i.namespace === ns),
  );
  // Each one either restored by the resurrector, or found already re-created by Argo CD and left alone.
  expect(ours.map((i) => keyOf(i.kind, i.name)).sort()).toEqual([...oldUids.keys()].sort());
  for (const item of ours)
    expect(["create", "unchanged", "differs"], keyOf(item.kind, item.name)).toContain(item.action);
  // Nothing outside this tenant was touched.
  expect(restored.plan.items.filter((i) => i.action === "create" && !ours.includes(i))).toEqual([]);
  // A planned create finds the object there when Argo CD made it between the plan and the write: skipped, not made.
  const overtaken = new Set(restored.outcome.skipped.map(({ item }) => keyOf(item.kind, item.name)));
  const byResurrector = new Set(
    ours
      .filter((i) => i.action === "create")
      .map((i) => keyOf(i.kind, i.name))
      .filter((key) => !overtaken.has(key)),
  );

  const app = await whenAt(
    revision,
    "everything back, Synced and Healthy",
    (a) =>
      a.status?.sync?.status === "Synced" &&
      a.status.operationState?.phase === "Succeeded" &&
      objects.every(([kind, , name]) => healthIs(kind.kind, name, "Healthy")(a))
        ? a
        : undefined,
    120_000,
  );
  expect(app.status?.health?.status).toBe("Degraded"); // the failed Run from Git is still there, as before

  // No flapping: over a window of repeated comparisons, no sync starts, and no App or Deployment changes.
  const snapshot = async () => {
    const last = await argocd.application(APPLICATION);
    return {
      syncStarted: last.status?.operationState?.startedAt,
      apps: await Promise.all(
        apps.map(async (name) => {
          const object = await live(APP, name);
          const deployment = await client.get(DEPLOYMENT, ns, name);
          return {
            name,
            uid: object?.metadata.uid,
            generation: object?.metadata.generation,
            deploymentId: locoStatus(object).deploymentId,
            deploymentGeneration: deployment.metadata.generation,
          };
        }),
      ),
    };
  };
  const settled = await eventually("every App Ready", async () => {
    const shot = await snapshot();
    const readyAll = await Promise.all(apps.map(async (name) => ready(await live(APP, name))?.status === "True"));
    return readyAll.every(Boolean) ? shot : undefined;
  });
  for (let i = 0; i < 4; i++) {
    const compared = await argocd.compareAgain(APPLICATION);
    expect((compared.status?.resources ?? []).filter((r) => r.status !== "Synced")).toEqual([]);
  }
  expect(await snapshot()).toEqual(settled);

  for (const entry of settled.apps) {
    // Re-created (a new object), and rolled out once: one deployment of the new App, not one per restorer.
    expect(entry.uid).not.toBe(oldUids.get(keyOf("App", entry.name)));
    const rows = await eventually(`the mirror's deployments of ${entry.name}`, async () => {
      const { rows } = await sql<{ id: string }>`
            SELECT id FROM deployments WHERE app_uid = ${entry.uid}::uuid`.execute(reader.db);
      return rows.length > 0 ? rows : undefined;
    });
    // On failure, the rows and the App's timeline say which writes made them.
    const detail =
      rows.length === 1
        ? ""
        : JSON.stringify({
            deployments: (
              await sql`SELECT id, created_at, spec_hash, image FROM deployments WHERE app_uid = ${entry.uid}::uuid`.execute(
                reader.db,
              )
            ).rows,
            timeline: (await listTimeline(reader.db, { tenant, namespace: ns, app: entry.name, limit: 40 })).map(
              (e) => [e.occurredAt, e.reason, e.actor, e.message],
            ),
          });
    expect(
      rows.map((r) => r.id),
      `${entry.name}: ${detail}`,
    ).toEqual([entry.deploymentId]);
  }
  // web came back as Git and the mirror both had it: no release for the restore, whoever made it.
  expect(await releaseCount("web")).toBe(webReleases);
  // worker's replica count is not in Git, only in the mirror (loco scale set it). Restored by the resurrector, it
  // keeps 3 and Argo CD's sync leaves it so; re-created by Argo CD first, it has Git's spec and the resurrector
  // reports the difference and leaves it alone (docs/gitops.md: run the resurrector before Argo CD syncs) — or, when
  // the mirror had already followed Argo CD's new object before the resurrector read it (the operator is up, and
  // the mirror keeps one row per object), finds the row and the object alike: unchanged (loaded run 23).
  if (order === "resurrector first") expect([...byResurrector].sort()).toEqual([...oldUids.keys()].sort());
  if (byResurrector.has("App/worker")) {
    const worker = await live(APP, "worker");
    expect(
      await replicasOf("worker"),
      `worker restored by the resurrector; skipped ${JSON.stringify([...overtaken])}; managed fields ${JSON.stringify(worker?.metadata.managedFields)}; plan ${JSON.stringify(ours.map((i) => [i.kind, i.name, i.action]))}; timeline ${JSON.stringify((await listTimeline(reader.db, { tenant, namespace: ns, app: "worker", limit: 40 })).map((e) => [e.occurredAt, e.reason, e.actor, e.message]))}`,
    ).toBe(3);
  } else {
    const planned = ours.find((i) => i.kind === "App" && i.name === "worker")?.action;
    expect(
      planned === "differs" || planned === "unchanged" || overtaken.has("App/worker"),
      `worker planned ${planned}`,
    ).toBe(true);
    expect(await replicasOf("worker")).toBeUndefined();
    const [newest] = await listReleases(reader.db, { tenant, namespace: ns, app: "worker", limit: 1 });
    expect(newest).toMatchObject({ actor: "argocd-controller", changes: { replicas: { before: 3, after: null } } });
  }
  // A restore is not a change: nothing is recorded in the resurrector's name.
  for (const name of apps) {
    const list = await listReleases(reader.db, { tenant, namespace: ns, app: name, limit: 100 });
    expect(list.filter((r) => r.actor.includes("loco-resurrector"))).toEqual([]);
  }
  console.log(
    `Restore (${order}): the resurrector created ${[...byResurrector].join(", ") || "nothing"}; Argo CD the rest.`,
  );
}
