import { describe, expect, it } from "vitest";
import { parseAppSpec, parsePipelineSpec, parseRunSpec } from "./validation.ts";

describe("parseAppSpec", () => {
  it("returns the spec with the schema's defaults applied", () => {
    const result = parseAppSpec({
      profile: "prod",
      image: "registry.example.com/acme/web:1",
      ports: [{ name: "http", port: 8080 }],
    });
    expect(result).toEqual({
      ok: true,
      value: {
        profile: "prod",
        image: "registry.example.com/acme/web:1",
        ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
        paused: false,
      },
    });
  });

  it("names every offending field the way the apiserver does", () => {
    const result = parseAppSpec({
      profile: "prod",
      image: "registry.example.com/acme/web:1",
      replicas: 2,
      autoscale: { min: 3, max: 2 },
      ports: [{ name: "http", port: 8080, protcol: "HTTP" }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { field: "spec.ports[0].protcol", message: "unknown key; did you mean protocol?" },
      { field: "spec.autoscale.max", message: "must be ≥ autoscale.min (3); raise max or lower min" },
      {
        field: "spec.replicas",
        message: "the App is autoscaled, so replicas can't be set; change autoscale.min/max, or remove autoscale first",
      },
    ]);
  });

  it("reports a spec-level rule alone when nothing else is wrong", () => {
    const result = parseAppSpec({
      profile: "prod",
      image: "registry.example.com/acme/web:1",
      replicas: 2,
      autoscale: { min: 1, max: 4 },
    });
    expect(result.ok ? [] : result.errors.map((e) => e.field)).toEqual(["spec.replicas"]);
  });
});

describe("parsePipelineSpec and parseRunSpec", () => {
  it("apply Pipeline defaults", () => {
    const result = parsePipelineSpec({ tasks: [{ name: "test", image: "node:24" }] });
    expect(result.ok && result.value).toMatchObject({
      tasks: [{ timeout: "8h", retries: 0, logging: true }],
      concurrency: { limit: 1, policy: "Queue" },
      history: { successfulRuns: 10, failedRuns: 10 },
    });
  });

  it("refuse a Run that names neither a pipeline nor a task", () => {
    const result = parseRunSpec({});
    expect(result.ok ? [] : result.errors).toEqual([
      { field: "spec", message: "set exactly one of pipelineRef (run a Pipeline) or task (run a one-off command)" },
    ]);
  });
});
