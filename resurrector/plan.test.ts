import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube/types.ts";
import { desiredObjects, manifestOf, type StoredResource } from "./objects.ts";
import { objectKey, planRestore } from "./plan.ts";

const row = (over: Partial<StoredResource>): StoredResource => ({
  uid: "00000000-0000-0000-0000-000000000001",
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  namespace: "acme-dev",
  name: "web",
  tenant: "acme",
  labels: { team: "a" },
  annotations: {},
  spec: { image: "web:1" },
  status: { conditions: [] },
  clusterUid: "old-cluster",
  ...over,
});

const live = (object: KubeObject, extra: Record<string, unknown> = {}): KubeObject => ({
  ...object,
  metadata: { ...object.metadata, uid: "new", resourceVersion: "7", creationTimestamp: "2026-11-01T00:00:00Z" },
  status: { observedGeneration: 1 },
  ...extra,
});

describe("manifestOf", () => {
  it("restores what the user decided and nothing the cluster assigned", () => {
    const app = manifestOf(row({ annotations: { note: "x" } }));
    expect(app).toEqual({
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: "web", namespace: "acme-dev", labels: { team: "a" }, annotations: { note: "x" } },
      spec: { image: "web:1" },
    });
    const binding = manifestOf(
      row({
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        name: "devs",
        spec: { roleRef: { kind: "ClusterRole", name: "edit" }, subjects: [{ kind: "Group", name: "acme" }] },
      }),
    );
    expect(binding).toMatchObject({ roleRef: { name: "edit" }, subjects: [{ name: "acme" }] });
    expect(binding).not.toHaveProperty("spec");
    const profile = manifestOf(row({ kind: "Profile", namespace: "", name: "dev" }));
    expect(profile.metadata).not.toHaveProperty("namespace");
  });
});

describe("planRestore", () => {
  const stored = {
    resources: [
      row({}),
      row({ name: "api", uid: "00000000-0000-0000-0000-000000000002", namespace: "scratch" }),
      row({ kind: "Profile", apiVersion: "loco.dev/v1alpha1", namespace: "", name: "dev", spec: { baseDomain: "x" } }),
    ],
    secrets: new Map([["acme-dev/web", { "db-password": "s3cret" }]]),
  };

  it("creates what is missing, parents first, with the App's Secret after its App and a namespace for strays", () => {
    const plan = planRestore({
      desired: desiredObjects(stored),
      live: new Map(),
      reportable: [],
      runs: [],
      liveRunUids: new Set(),
      force: false,
      currentCluster: "new-cluster",
    });
    expect(plan.items.map((i) => `${i.action} ${i.kind} ${i.namespace ?? ""}/${i.name}`)).toEqual([
      "create CustomResourceDefinition /apps.loco.dev",
      "create CustomResourceDefinition /hostnameclaims.loco.dev",
      "create CustomResourceDefinition /pipelines.loco.dev",
      "create CustomResourceDefinition /profiles.loco.dev",
      "create CustomResourceDefinition /runs.loco.dev",
      "create Profile /dev",
      "create Namespace /acme-dev",
      "create Namespace /scratch",
      "create App acme-dev/web",
      "create App scratch/api",
      "create Secret acme-dev/web-secrets",
    ]);
    expect(plan.pending).toBe(11);
    const secret = plan.items.find((i) => i.kind === "Secret")?.object;
    expect(secret?.data).toEqual({ "db-password": Buffer.from("s3cret").toString("base64") });
  });

  it("leaves what exists alone, reports differences and strangers, and overwrites only with --force", () => {
    const desired = desiredObjects({ resources: [row({})], secrets: new Map() }).filter((d) => d.object.kind === "App");
    const app = desired[0]!.object;
    const changed = live({ ...app, spec: { image: "web:2" } });
    const stranger = live({ ...app, metadata: { ...app.metadata, name: "stranger" } });
    const input = {
      desired,
      live: new Map([[objectKey(app), changed]]),
      reportable: [changed, stranger],
      runs: [],
      liveRunUids: new Set<string>(),
      currentCluster: "new-cluster",
    };
    const plan = planRestore({ ...input, force: false });
    expect(plan.items.map((i) => [i.action, i.name])).toEqual([
      ["extra", "stranger"],
      ["differs", "web"],
    ]);
    expect(plan.pending).toBe(0);
    expect(planRestore({ ...input, force: true }).items[1]).toMatchObject({ action: "update", object: app });
    // Defaults the apiserver adds do not count as a difference.
    const defaulted = live({ ...app, spec: { image: "web:1", replicas: 1 } });
    expect(planRestore({ ...input, live: new Map([[objectKey(app), defaulted]]), force: false }).items[1]?.action).toBe(
      "unchanged",
    );
  });

  it("never undoes a deletion in the cluster the row came from", () => {
    const desired = desiredObjects({ resources: [row({ clusterUid: "this-cluster" })], secrets: new Map() }).filter(
      (d) => d.object.kind === "App",
    );
    const base = { desired, live: new Map(), reportable: [], runs: [], liveRunUids: new Set<string>() };
    expect(planRestore({ ...base, force: false, currentCluster: "this-cluster" }).items[0]?.action).toBe("stale");
    expect(planRestore({ ...base, force: true, currentCluster: "this-cluster" }).items[0]?.action).toBe("create");
  });

  it("retires the lost cluster's Runs: running ones are interrupted, finished ones archived, none re-created", () => {
    const running = row({ kind: "Run", name: "running", status: {} });
    const done = row({
      kind: "Run",
      name: "done",
      uid: "00000000-0000-0000-0000-000000000003",
      status: { conditions: [{ type: "Succeeded", status: "True" }] },
    });
    const plan = planRestore({
      desired: [],
      live: new Map(),
      reportable: [],
      runs: [running, done],
      liveRunUids: new Set(),
      force: false,
      currentCluster: "new-cluster",
    });
    expect(plan.items.map((i) => [i.action, i.name])).toEqual([
      ["archive", "done"],
      ["interrupt", "running"],
    ]);
    expect(plan.items.every((i) => i.object === undefined)).toBe(true);
  });
});
