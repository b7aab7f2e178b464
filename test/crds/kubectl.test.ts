// What users see with kubectl: the `loco` category, printer columns fed by status, short names, and
// `kubectl scale` through App's scale subresource.
import type { KubernetesObject } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { yamlExamples } from "../../crds/testdata/examples.ts";
import { kubectl as runKubectl } from "../../hack/control-plane/control-plane.ts";
import { type StrictApply, strictApplier } from "../support/apply-strict.ts";
import { type TestKube, testKube } from "../support/kube.ts";

let kube: TestKube;
let ns: string;
let apply: StrictApply;

const kubectl = (...args: string[]) => runKubectl({ kubeconfig: inject("kubeconfig") }, args);

/** The failure output of a kubectl command that must fail. */
async function kubectlFailure(...args: string[]): Promise<string> {
  try {
    await kubectl(...args);
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
  throw new Error(`kubectl ${args.join(" ")} succeeded`);
}

const now = new Date(Date.now() - 95_000).toISOString().replace(/\.\d+Z$/, "Z");
const ready = (type: string, reason: string) => ({
  type,
  status: "True",
  reason,
  message: `${type} is True.`,
  lastTransitionTime: now,
});

async function setStatus(resource: string, status: Record<string, unknown>): Promise<void> {
  await kubectl("patch", resource, "-n", ns, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status }));
}

function example(file: string): KubernetesObject {
  const object = yamlExamples().find((e) => e.file === file)!.object as KubernetesObject;
  return { ...object, metadata: { ...object.metadata, namespace: ns } };
}

/** kubectl's table for one kind: its header cells and the row of one object. */
function table(output: string, name: string): { header: string[]; row: string } {
  const blocks = output.trim().split(/\n\s*\n/);
  const block = blocks.find((b) => b.split("\n").some((line) => line.startsWith(`${name} `)));
  if (!block) throw new Error(`No row for ${name} in:\n${output}`);
  const [header = "", ...rows] = block.split("\n");
  return { header: header.trim().split(/\s{2,}/), row: rows.find((line) => line.startsWith(`${name} `))! };
}

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("crd-kubectl");
  apply = strictApplier(kube.config);
  for (const file of ["app-http.yaml", "app-grpc.yaml", "pipeline-ci.yaml", "run-ci.yaml", "run-one-off.yaml"]) {
    await apply(example(file));
  }
  // What the operator will write; here it proves the columns read the right fields.
  await setStatus("apps.loco.dev/shop-api", {
    observedGeneration: 1,
    conditions: [ready("Ready", "Available")],
    url: "https://shop-api-acme.apps.example.com",
    image: "registry.example.com/acme/shop-api:1.4.2",
    replicas: 2,
    readyReplicas: 2,
    selector: "loco.dev/app=shop-api",
  });
  await setStatus("runs.loco.dev/ci-7f3k2", {
    conditions: [ready("Succeeded", "Completed")],
    startTime: now,
    completionTime: now,
    duration: "1m32s",
  });
  await setStatus("pipelines.loco.dev/ci", { conditions: [ready("Ready", "Scheduled")], lastRunTime: now });
});
afterAll(() => kube.cleanup());

describe("kubectl get", () => {
  it("lists every loco kind through the `loco` category, each with its columns", async () => {
    const output = await kubectl("get", "loco", "-n", ns);
    const app = table(output, "app.loco.dev/shop-api");
    expect(app.header).toEqual(["NAME", "READY", "REASON", "URL", "IMAGE", "AGE"]);
    expect(app.row.split(/\s+/).slice(1, 5)).toEqual([
      "True",
      "Available",
      "https://shop-api-acme.apps.example.com",
      "registry.example.com/acme/shop-api:1.4.2",
    ]);
    const run = table(output, "run.loco.dev/ci-7f3k2");
    expect(run.header).toEqual(["NAME", "SUCCEEDED", "REASON", "PIPELINE", "STARTED", "DURATION", "AGE"]);
    expect(run.row.split(/\s+/).slice(1, 6)).toEqual([
      "True",
      "Completed",
      "ci",
      expect.stringMatching(/^\d+s$|^\dm/),
      "1m32s",
    ]);
    const pipeline = table(output, "pipeline.loco.dev/ci");
    expect(pipeline.header).toEqual(["NAME", "READY", "REASON", "LAST RUN", "AGE"]);
    expect(pipeline.row.split(/\s+/).slice(1, 3)).toEqual(["True", "Scheduled"]);
  });

  it("shows the columns for apps.loco.dev,runs.loco.dev, and empty cells before the operator writes status", async () => {
    const output = await kubectl("get", "apps.loco.dev,runs.loco.dev", "-n", ns);
    expect(table(output, "app.loco.dev/shop-api").row).toContain("https://shop-api-acme.apps.example.com");
    const cart = table(output, "app.loco.dev/cart");
    expect(cart.header).toEqual(["NAME", "READY", "REASON", "URL", "IMAGE", "AGE"]);
    expect(cart.row.split(/\s+/)).toEqual([
      "app.loco.dev/cart",
      "registry.example.com/acme/cart:2.0.0",
      expect.stringMatching(/^\d+s$/),
    ]);
    expect(table(output, "run.loco.dev/ci-7f3k2").row).toContain("1m32s");
    // Nothing has run yet and a one-off has no Pipeline: only the name and the age.
    expect(table(output, "run.loco.dev/run-m3x9k2ab").row.split(/\s+/)).toHaveLength(2);
  });

  it("answers to the short names, which Argo CD's don't shadow", async () => {
    expect(await kubectl("get", "lapp", "-n", ns, "-o", "name")).toBe("app.loco.dev/cart\napp.loco.dev/shop-api\n");
    expect(await kubectl("get", "lrun,lpipe", "-n", ns, "-o", "name")).toBe(
      "run.loco.dev/ci-7f3k2\nrun.loco.dev/run-m3x9k2ab\npipeline.loco.dev/ci\n",
    );
  });

  it("adds the Profile and replica columns with -o wide", async () => {
    const { header, row } = table(await kubectl("get", "apps.loco.dev", "-n", ns, "-o", "wide"), "shop-api");
    expect(header).toEqual(["NAME", "READY", "REASON", "URL", "IMAGE", "PROFILE", "REPLICAS", "AGE"]);
    expect(row.split(/\s+/).slice(5, 7)).toEqual(["prod", "2"]);
  });

  it("selects Apps by profile and Runs by pipeline with --field-selector", async () => {
    expect(await kubectl("get", "apps.loco.dev", "-n", ns, "--field-selector", "spec.profile=prod", "-o", "name")).toBe(
      "app.loco.dev/cart\napp.loco.dev/shop-api\n",
    );
    expect(
      await kubectl("get", "runs.loco.dev", "-n", ns, "--field-selector", "spec.pipelineRef.name=ci", "-o", "name"),
    ).toBe("run.loco.dev/ci-7f3k2\n");
  });
});

describe("kubectl scale", () => {
  const replicasOf = async (name: string) =>
    (
      (await kube.objects.read({
        apiVersion: "loco.dev/v1alpha1",
        kind: "App",
        metadata: { name, namespace: ns },
      })) as {
        spec: { replicas?: number };
      }
    ).spec.replicas;

  it("sets spec.replicas through the scale subresource", async () => {
    expect(await replicasOf("cart")).toBe(3);
    expect(await kubectl("scale", "app/cart", "--replicas=5", "-n", ns)).toMatch(/scaled/);
    expect(await replicasOf("cart")).toBe(5);
    await kubectl("scale", "apps.loco.dev/cart", "--replicas=2", "-n", ns);
    expect(await replicasOf("cart")).toBe(2);
    const scale = JSON.parse(await kubectl("get", "apps.loco.dev/cart", "-n", ns, "--subresource=scale", "-o", "json"));
    expect(scale).toMatchObject({ kind: "Scale", spec: { replicas: 2 } });
  });

  it("reads status replicas and the selector from status", async () => {
    await setStatus("apps.loco.dev/cart", { replicas: 2, readyReplicas: 1, selector: "loco.dev/app=cart" });
    const scale = JSON.parse(await kubectl("get", "apps.loco.dev/cart", "-n", ns, "--subresource=scale", "-o", "json"));
    expect(scale.status).toEqual({ replicas: 2, selector: "loco.dev/app=cart" });
  });

  it("scales an App that left its replicas to the Profile's default", async () => {
    await apply({
      apiVersion: "loco.dev/v1alpha1",
      kind: "App",
      metadata: { name: "worker", namespace: ns },
      spec: { profile: "prod", image: "registry.example.com/acme/worker:1" },
    });
    await kubectl("scale", "apps.loco.dev/worker", "--replicas=3", "-n", ns);
    expect(await replicasOf("worker")).toBe(3);
  });

  it("refuses to scale an autoscaled App, saying why", async () => {
    const failure = await kubectlFailure("scale", "apps.loco.dev/shop-api", "--replicas=3", "-n", ns);
    expect(failure).toContain("spec.replicas: Forbidden: the App is autoscaled");
    expect(await replicasOf("shop-api")).toBeUndefined();
  });
});
