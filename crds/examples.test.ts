// Every example in docs/examples/ is a valid object of its kind (the apiserver's verdict is in test/crds/).
import { describe, expect, it } from "vitest";
import { kinds } from "./index.ts";
import { yamlExamples } from "./testdata/examples.ts";

const examples = yamlExamples();

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
    const kind = kinds.find((k) => k.kind === object.kind);
    expect(kind, `kind ${object.kind}`).toBeDefined();
    const result = kind!.schema.safeParse(object);
    expect(result.error?.issues ?? []).toEqual([]);
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
