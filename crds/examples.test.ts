// Every example in docs/examples/ is a valid object of its kind (the apiserver's verdict is in test/crds/).
import { describe, expect, it } from "vitest";
import { kinds } from "./index.ts";
import { yamlExamples } from "./testdata/examples.ts";

const examples = yamlExamples();

/** The check each example goes through: the issues its kind's schema finds (none for a valid object). */
function problemsOf(object: { kind: string; [field: string]: unknown }): string[] {
  const kind = kinds.find((k) => k.kind === object.kind);
  if (!kind) return [`no kind ${object.kind}`];
  return (kind.schema.safeParse(object).error?.issues ?? []).map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("docs/examples", () => {
  it("has the examples the docs promise", () => {
    expect(examples.map((e) => e.file)).toEqual([
      "app-grpc.yaml",
      "app-http.yaml",
      "pipeline-build-deploy.yaml",
      "pipeline-ci.yaml",
      "pipeline-cron.yaml",
      "pipeline-hello.yaml",
      "profile-dev.yaml",
      "profile-prod.yaml",
      "run-ci.yaml",
      "run-one-off.yaml",
    ]);
  });

  it.each(examples.map((e) => [e.file, e.object] as const))("%s is valid", (_file, object) => {
    expect(problemsOf(object)).toEqual([]);
  });

  it("would fail on an invalid example: a misspelt field, a bad value, an unknown kind", () => {
    const app = examples.find((e) => e.file === "app-http.yaml")!.object;
    const spec = app.spec as Record<string, unknown>;
    const { replicas, ...withoutReplicas } = spec;
    expect(problemsOf({ ...app, spec: { ...withoutReplicas, replica: replicas ?? 1 } }).join("\n")).toMatch(/replica/);
    expect(problemsOf({ ...app, spec: { ...spec, replicas: -1 } }).join("\n")).toMatch(/^spec\.replicas: /m);
    expect(problemsOf({ ...app, kind: "Ap" })).toEqual(["no kind Ap"]);
  });

  it("wires the build's published digest into a deploy step the Run's permissions allow", () => {
    const spec = examples.find((e) => e.file === "pipeline-build-deploy.yaml")!.object.spec as {
      permissions: { deploy: { app: string }[] };
      tasks: { name: string; script?: string; deploy?: { app: string; image: string } }[];
    };
    const build = spec.tasks.find((t) => t.name === "build")!;
    const deploy = spec.tasks.find((t) => t.name === "deploy")!.deploy!;
    // The build writes the output the deploy step reads, and the credential may deploy that App.
    expect(build.script).toContain('printf \'{"digest":"%s"}\'');
    expect(build.script).toContain("> /dev/termination-log");
    expect(deploy.image).toContain("$(tasks.build.outputs.digest)");
    expect(spec.permissions.deploy.map((d) => d.app)).toContain(deploy.app);
  });

  it("shows the CI pipeline as a DAG with a failure branch", () => {
    const ci = examples.find((e) => e.file === "pipeline-ci.yaml")!.object.spec as {
      tasks: { name: string; dependsOn?: Record<string, string> }[];
    };
    expect(ci.tasks.find((t) => t.name === "build")?.dependsOn).toEqual({ test: "Success", lint: "Success" });
    expect(Object.values(ci.tasks.find((t) => t.name === "notify-failure")?.dependsOn ?? {})).toEqual(["Failure"]);
  });
});
