import { describe, expect, it } from "vitest";
import type { KubeObject } from "../kube/types.ts";
import { externalChange, lastSpecWriters, specWriters } from "./external-change.ts";

const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";

const specFields = { "f:spec": { "f:image": {} } };
const withRevision = {
  "f:metadata": { "f:annotations": { "f:loco.dev/git-revision": {} } },
  ...specFields,
};
const entry = (manager: string, time: string, fieldsV1: Record<string, unknown>, subresource?: string) => ({
  manager,
  operation: "Apply",
  time,
  fieldsV1,
  ...(subresource ? { subresource } : {}),
});

function app(managedFields: unknown[], extra: { generation?: number; observed?: number; revision?: string } = {}) {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: {
      name: "web",
      namespace: "acme-prod",
      uid: "u1",
      generation: extra.generation ?? 2,
      annotations: extra.revision ? { "loco.dev/git-revision": extra.revision } : {},
      managedFields,
    },
    spec: { image: "web:1.1.0" },
    status: { observedGeneration: extra.observed ?? 2, deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y" },
  } as KubeObject;
}

describe("lastSpecWriters", () => {
  it("names the newest writer of spec fields, not the status subresource's", () => {
    const fields = [
      entry("loco-deploy", "2026-12-05T10:00:00Z", specFields),
      entry("argocd-controller", "2026-12-05T10:05:00Z", specFields),
      entry("loco-operator", "2026-12-05T10:06:00Z", { "f:status": {} }, "status"),
    ];
    expect(lastSpecWriters(fields)).toEqual(["argocd-controller"]);
  });

  it("counts the scale subresource and names every writer of the newest second", () => {
    const fields = [
      entry("argocd-controller", "2026-12-05T10:05:00Z", specFields),
      entry("kubectl", "2026-12-05T10:05:00Z", { "f:spec": { "f:replicas": {} } }, "scale"),
    ];
    expect(lastSpecWriters(fields).sort()).toEqual(["argocd-controller", "kubectl"]);
  });
});

describe("externalChange", () => {
  it("is a change by Argo CD with the commit it stamped, once the operator reported on that spec", () => {
    const change = externalChange(
      app([entry("argocd-controller", "2026-12-05T10:05:00Z", withRevision)], { revision: SHA }),
    );
    expect(change).toEqual({
      actor: "argocd-controller",
      source: { kind: "git", revision: SHA, managers: ["argocd-controller"] },
      spec: { image: "web:1.1.0" },
      deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
      gitRevision: SHA,
    });
  });

  it("waits until the operator has observed the generation (the release names the new deployment)", () => {
    expect(
      externalChange(app([entry("argocd-controller", "2026-12-05T10:05:00Z", withRevision)], { observed: 1 })),
    ).toBe(undefined);
  });

  it("leaves changes by loco's own writers to the API, also when they share the newest second", () => {
    for (const manager of ["loco-deploy", "loco-env", "loco-scale", "loco-api", "loco-rollback", "loco-resurrector"]) {
      expect(externalChange(app([entry(manager, "2026-12-05T10:05:00Z", specFields)])), manager).toBe(undefined);
      const tie = [
        entry("argocd-controller", "2026-12-05T10:05:00Z", specFields),
        entry(manager, "2026-12-05T10:05:00Z", specFields),
      ];
      expect(externalChange(app(tie)), `${manager} tied`).toBe(undefined);
    }
  });

  it("names no commit for a kubectl edit of an App whose revision annotation Argo CD set", () => {
    const fields = [
      entry("argocd-controller", "2026-12-05T10:05:00Z", withRevision),
      entry("kubectl-edit", "2026-12-05T10:07:00Z", { "f:spec": { "f:replicas": {} } }),
    ];
    expect(externalChange(app(fields, { revision: SHA }))).toMatchObject({
      actor: "kubectl-edit",
      source: { kind: "external", managers: ["kubectl-edit"] },
      gitRevision: null,
    });
  });

  it("ignores an annotation that is not a commit id (an unsubstituted variable)", () => {
    const fields = [entry("argocd-controller", "2026-12-05T10:05:00Z", withRevision)];
    expect(externalChange(app(fields, { revision: "$ARGOCD_APP_REVISION" }))?.gitRevision).toBe(null);
  });

  it("is nothing for other kinds and for Apps without managedFields", () => {
    expect(externalChange({ ...app([]), kind: "Pipeline" })).toBe(undefined);
    expect(externalChange(app([]))).toBe(undefined);
  });
});

describe("specWriters", () => {
  it("keeps of managedFields only what externalChange reads, and externalChange reads the same from it", () => {
    const fields = [
      entry("argocd-controller", "2026-12-05T10:05:00Z", {
        ...withRevision,
        "f:spec": { "f:image": {}, "f:env": { 'k:{"name":"A"}': { ".": {}, "f:value": {} } } },
      }),
      entry("kubectl-edit", "2026-12-05T10:07:00Z", { "f:metadata": { "f:labels": { "f:x": {} } } }),
      entry("loco-operator", "2026-12-05T10:08:00Z", { "f:status": { "f:deploymentId": {} } }, "status"),
    ];
    const kept = specWriters(fields);
    expect(kept).toEqual([
      {
        manager: "argocd-controller",
        time: "2026-12-05T10:05:00Z",
        fieldsV1: { "f:spec": {}, "f:metadata": { "f:annotations": { "f:loco.dev/git-revision": {} } } },
      },
      { manager: "kubectl-edit", time: "2026-12-05T10:07:00Z", fieldsV1: {} },
      { manager: "loco-operator", subresource: "status", time: "2026-12-05T10:08:00Z", fieldsV1: {} },
    ]);
    expect(externalChange(app(kept, { revision: SHA }))).toEqual(externalChange(app(fields, { revision: SHA })));
    expect(externalChange(app(kept, { revision: SHA }))?.gitRevision).toBe(SHA);
  });
});
