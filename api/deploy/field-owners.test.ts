import { describe, expect, it } from "vitest";
import { specOwnership } from "./field-owners.ts";

const entry = (manager: string, spec: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  manager,
  operation: "Apply",
  fieldsV1: { "f:spec": spec },
  ...extra,
});

describe("specOwnership", () => {
  const fields = [
    entry("loco-env", {
      "f:env": {
        'k:{"name":"A"}': { ".": {}, "f:name": {}, "f:value": {} },
        // Only the name: loco.toml took the value (a forced deploy), so this is not loco-env's variable.
        'k:{"name":"B"}': { ".": {}, "f:name": {} },
      },
      "f:secretEnv": { 'k:{"name":"S"}': { ".": {}, "f:name": {}, "f:secretKey": {} } },
    }),
    entry("loco-scale", { "f:replicas": {}, "f:resources": { "f:cpu": {} } }),
    entry("loco-operator", { "f:replicas": {} }, { subresource: "status" }),
    { manager: "loco-deploy", operation: "Apply", fieldsV1: { "f:metadata": { "f:labels": {} } } },
  ];

  it("reads env names by owned value, replicas, cpu and memory per manager", () => {
    const env = specOwnership(fields, ["loco-env"]);
    expect([...env.env]).toEqual(["A"]);
    expect([...env.secretEnv]).toEqual(["S"]);
    expect(env.replicas).toBe(false);
    expect(specOwnership(fields, ["loco-scale"])).toMatchObject({
      replicas: true,
      cpu: true,
      memory: false,
      spec: true,
    });
  });

  it("ignores status entries and managers that own nothing of spec", () => {
    expect(specOwnership(fields, ["loco-operator"]).spec).toBe(false);
    expect(specOwnership(fields, ["loco-deploy"]).spec).toBe(false);
    expect(specOwnership(undefined, ["loco-env"]).spec).toBe(false);
  });
});
