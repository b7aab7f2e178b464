import { describe, expect, it } from "vitest";
import { PipelineSpec } from "../../../crds/pipeline.ts";
import { stepWiringProblems } from "./step-wiring.ts";

const spec = (input: unknown) => PipelineSpec.parse(input);
const build = { name: "build", image: "r.example.com/kaniko:1", script: "build" };
const deploy = (extra: Record<string, unknown> = {}) => ({
  name: "deploy",
  dependsOn: { build: "Success" },
  deploy: { app: "web", image: "r.example.com/web@$(tasks.build.outputs.digest)" },
  ...extra,
});

describe("step wiring", () => {
  it("accepts a deploy step of a permitted App that runs after the task whose outputs it reads", () => {
    expect(stepWiringProblems(spec({ permissions: { deploy: [{ app: "web" }] }, tasks: [build, deploy()] }))).toEqual(
      [],
    );
  });

  it("names a deploy step whose App the permissions do not list", () => {
    const problems = stepWiringProblems(spec({ permissions: { deploy: [{ app: "api" }] }, tasks: [build, deploy()] }));
    expect(problems).toEqual([
      {
        reason: "DeployNotPermitted",
        message:
          "Task deploy deploys App web, which spec.permissions.deploy does not list, so the Run's credential could not; add { app: web } there.",
      },
    ]);
    const otherProfile = spec({
      permissions: { deploy: [{ app: "web", profile: "dev" }] },
      tasks: [build, deploy({ deploy: { app: "web", profile: "prod", image: "r.example.com/web:1" } })],
    });
    expect(stepWiringProblems(otherProfile).map((p) => p.reason)).toEqual(["DeployNotPermitted"]);
  });

  it("names a task that reads outputs of a task it does not run after", () => {
    const problems = stepWiringProblems(
      spec({ permissions: { deploy: [{ app: "web" }] }, tasks: [build, deploy({ dependsOn: undefined })] }),
    );
    expect(problems).toEqual([
      {
        reason: "UnknownDependency",
        message:
          "Task deploy reads outputs of build, which it does not run after; add build: Success to its dependsOn.",
      },
    ]);
  });

  it("follows dependencies through other tasks", () => {
    const tasks = [
      build,
      { name: "scan", image: "r.example.com/scan:1", dependsOn: { build: "Success" } },
      {
        name: "push",
        image: "r.example.com/push:1",
        args: ["$(tasks.build.outputs.digest)"],
        dependsOn: { scan: "Success" },
      },
    ];
    expect(stepWiringProblems(spec({ tasks }))).toEqual([]);
  });
});
