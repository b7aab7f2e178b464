// The generated CRDs, installed in a real apiserver by the global setup, accept every example in docs/examples/
// under server-side apply with fieldValidation=Strict, and fill in the schema's defaults.
import {
  ApiextensionsV1Api,
  type KubernetesObject,
  type V1CustomResourceDefinition,
  type V1ObjectMeta,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { yamlExamples } from "../../crds/testdata/examples.ts";
import { type StrictApply, strictApplier } from "../support/apply-strict.ts";
import { type TestKube, testKube } from "../support/kube.ts";

let kube: TestKube;
let ns: string;
let apply: StrictApply;
const suffix = Math.random().toString(36).slice(2, 7);
const profiles: string[] = [];

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("crd-examples");
  apply = strictApplier(kube.config);
});
afterAll(async () => {
  await Promise.allSettled(
    profiles.map((name) =>
      kube.objects.delete({ apiVersion: "loco.dev/v1alpha1", kind: "Profile", metadata: { name } }),
    ),
  );
  await kube.cleanup();
});

// biome-ignore lint/suspicious/noExplicitAny: assertions walk stored objects of several kinds.
type Obj = KubernetesObject & { metadata: V1ObjectMeta & { name: string }; spec: Record<string, any> };

/** An example placed in this file's namespace; cluster-scoped Profiles get a unique name instead. */
function localised(object: Obj): Obj {
  if (object.kind === "Profile") {
    const name = `${object.metadata.name}-${suffix}`;
    profiles.push(name);
    return { ...object, metadata: { name } };
  }
  return { ...object, metadata: { ...object.metadata, namespace: ns } };
}

describe("the generated CRDs", () => {
  it("are installed and Established, with loco's names", async () => {
    const extensions = kube.config.makeApiClient(ApiextensionsV1Api);
    const crds: V1CustomResourceDefinition[] = await Promise.all(
      ["profiles", "apps", "pipelines", "runs"].map((plural) =>
        extensions.readCustomResourceDefinition({ name: `${plural}.loco.dev` }),
      ),
    );
    for (const crd of crds) {
      expect(crd.status?.conditions?.find((c) => c.type === "Established")?.status).toBe("True");
      expect(crd.spec.names.categories).toEqual(["loco"]);
    }
    expect(crds.map((c) => c.spec.names.shortNames)).toEqual([["lprof"], ["lapp"], ["lpipe"], ["lrun"]]);
    expect(crds.map((c) => c.status?.acceptedNames?.kind)).toEqual(["Profile", "App", "Pipeline", "Run"]);
  });
});

describe("docs/examples under strict server-side apply", () => {
  const examples = yamlExamples();

  it.each(examples.map((e) => [e.file, e.object as Obj] as const))("%s is accepted", async (_file, example) => {
    const sent = localised(example);
    const stored = (await apply(sent)) as Obj;
    expect(stored.metadata?.uid).toBeTruthy();
    expect(stored.metadata?.managedFields?.some((f) => f.manager === "loco-test" && f.operation === "Apply")).toBe(
      true,
    );
    // Nothing the example says was pruned: every top-level spec field arrived.
    expect(Object.keys(stored.spec)).toEqual(expect.arrayContaining(Object.keys(sent.spec)));
  });

  it("the apiserver fills in the schema's defaults", async () => {
    const ci = examples.find((e) => e.file === "pipeline-ci.yaml")!.object as Obj;
    const stored = (await kube.objects.read(localised(ci))) as Obj;
    const test = stored.spec.tasks.find((t: { name: string }) => t.name === "test");
    expect(test).toMatchObject({ timeout: "8h", retries: 0, logging: true });
    const app = (await kube.objects.read(
      localised(examples.find((e) => e.file === "app-http.yaml")!.object as Obj),
    )) as Obj;
    expect(app.spec.ports.find((p: { name: string }) => p.name === "metrics").protocol).toBe("HTTP");
    expect(app.spec.paused).toBe(false);
    const run = (await kube.objects.read(
      localised(examples.find((e) => e.file === "run-ci.yaml")!.object as Obj),
    )) as Obj;
    expect(run.spec.cancel).toBe(false);
  });
});
