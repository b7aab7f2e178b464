// The apiserver refuses every object of the invalid-object table (crds/testdata/invalid-objects.ts), naming the
// offending field. The same table runs through zod in crds/invalid-objects.test.ts.
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { invalidObjects, namesField } from "../../crds/testdata/invalid-objects.ts";
import { type StrictApply, strictApplier } from "../support/apply-strict.ts";
import { type TestKube, testKube } from "../support/kube.ts";
import { rejection } from "../support/rejection.ts";

let kube: TestKube;
let ns: string;
let apply: StrictApply;

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("crd-invalid");
  apply = strictApplier(kube.config);
});
afterAll(() => kube.cleanup());

const place = (object: Record<string, unknown>, kind: string): KubernetesObject => {
  const metadata = object.metadata as Record<string, unknown>;
  return (kind === "Profile" ? object : { ...object, metadata: { ...metadata, namespace: ns } }) as KubernetesObject;
};

describe("invalid objects, judged by the apiserver", () => {
  it("are at least 25", () => {
    expect(invalidObjects.length).toBeGreaterThanOrEqual(25);
  });

  it.each(invalidObjects.map((c) => [`${c.kind}: ${c.name}`, c] as const))("%s", async (_name, c) => {
    if (c.before) await apply(place(c.before, c.kind));
    const { code, message } = await rejection(apply(place(c.object, c.kind)));
    // 422 from validation; an apply patch that doesn't fit the schema's shape at all (unknown field, wrong type,
    // duplicate key) fails while the apiserver builds the typed patch, which it reports as a 500.
    expect([422, 500]).toContain(code);
    expect(namesField(message, c.field), `expected the error to name ${c.field}: ${message}`).toBe(true);
  });
});
