import { describe, expect, it } from "vitest";
import { appKind, kinds, runKind } from "../index.ts";
import { crdDocument } from "./crd-document.ts";

// biome-ignore lint/suspicious/noExplicitAny: assertions walk generated, untyped JSON.
type Json = Record<string, any>;
const version = (kind: (typeof kinds)[number]): Json => (crdDocument(kind).spec as Json).versions[0];

describe("crdDocument", () => {
  it("names each CRD <plural>.loco.dev with short names that leave Argo CD's app/apps/application alone", () => {
    for (const kind of kinds) {
      const crd = crdDocument(kind) as Json;
      expect(crd.metadata.name).toBe(`${kind.plural}.loco.dev`);
      expect(crd.spec.names.categories).toEqual(["loco"]);
      for (const taken of ["app", "apps", "application", "applications"]) {
        expect(crd.spec.names.shortNames).not.toContain(taken);
      }
    }
    expect(kinds.map((k) => k.shortNames[0])).toEqual(["lprof", "lapp", "lpipe", "lrun", "lhost"]);
  });

  it("makes Profile and HostnameClaim cluster-scoped and the other kinds namespaced", () => {
    expect(Object.fromEntries(kinds.map((k) => [k.kind, (crdDocument(k).spec as Json).scope]))).toEqual({
      Profile: "Cluster",
      App: "Namespaced",
      Pipeline: "Namespaced",
      Run: "Namespaced",
      HostnameClaim: "Cluster",
    });
  });

  it("gives every kind a status subresource and App a scale subresource", () => {
    for (const kind of kinds) expect(version(kind).subresources.status).toEqual({});
    expect(version(appKind).subresources.scale).toEqual({
      specReplicasPath: ".spec.replicas",
      statusReplicasPath: ".status.replicas",
      labelSelectorPath: ".status.selector",
    });
    expect(version(runKind).subresources.scale).toBeUndefined();
  });

  it("leaves metadata to the apiserver and requires spec", () => {
    const schema = version(appKind).schema.openAPIV3Schema;
    expect(schema.properties.metadata).toEqual({ type: "object" });
    expect(schema.required).toEqual(["spec"]);
    expect(Object.keys(schema.properties)).toEqual(["apiVersion", "kind", "metadata", "spec", "status"]);
  });

  it("reads the Ready condition into App's printer columns", () => {
    const columns = version(appKind).additionalPrinterColumns as Json[];
    expect(columns.filter((c) => !c.priority).map((c) => c.name)).toEqual(["Ready", "Reason", "URL", "Image", "Age"]);
    expect(columns[0]).toMatchObject({ jsonPath: '.status.conditions[?(@.type=="Ready")].status' });
  });

  it("shows Run's outcome, pipeline, start and duration", () => {
    const columns = version(runKind).additionalPrinterColumns as Json[];
    expect(columns.map((c) => c.name)).toEqual(["Succeeded", "Reason", "Pipeline", "Started", "Duration", "Age"]);
    expect(columns.find((c) => c.name === "Started")).toMatchObject({ type: "date", jsonPath: ".status.startTime" });
  });

  it("carries the schema's CEL rules into the CRD", () => {
    const spec = version(appKind).schema.openAPIV3Schema.properties.spec;
    expect(spec.properties.autoscale["x-kubernetes-validations"]).toEqual([
      expect.objectContaining({ rule: "self.max >= self.min", fieldPath: ".max" }),
    ]);
  });
});
