import { describe, expect, it } from "vitest";
import { CliError } from "../cli-error.ts";
import { parsePipelineFile } from "./pipeline-file.ts";

describe("parsePipelineFile", () => {
  it("reads a YAML manifest, taking the name from metadata unless --name is given", async () => {
    const text =
      "apiVersion: loco.dev/v1alpha1\nkind: Pipeline\nmetadata:\n  name: ci\nspec:\n  tasks:\n    - name: build\n      image: x:1\n";
    expect(await parsePipelineFile(text, "ci.yaml", undefined)).toEqual({
      name: "ci",
      spec: { tasks: [{ name: "build", image: "x:1" }] },
    });
    expect((await parsePipelineFile(text, "ci.yaml", "other")).name).toBe("other");
  });

  it("reads a bare spec from JSON with --name", async () => {
    expect(await parsePipelineFile('{"tasks":[{"name":"a","image":"x:1"}]}', "spec.json", "nightly")).toEqual({
      name: "nightly",
      spec: { tasks: [{ name: "a", image: "x:1" }] },
    });
  });

  it("refuses bad syntax, other kinds and a missing name, naming the file", async () => {
    const failure = (text: string, file: string, name?: string) =>
      parsePipelineFile(text, file, name).then(
        () => undefined,
        (error: unknown) => error,
      );
    const syntax = (await failure("tasks: [", "ci.yaml")) as CliError;
    expect(syntax).toBeInstanceOf(CliError);
    expect(syntax.what).toBe("Could not read ci.yaml");
    expect(((await failure("kind: App\nspec: {}", "app.yaml")) as CliError).why).toBe("Its kind is App.");
    expect(((await failure("tasks: []", "spec.yaml")) as CliError).what).toBe("No pipeline name for spec.yaml");
  });
});
