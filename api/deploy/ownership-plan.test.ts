import { describe, expect, it } from "vitest";
import { AppSpec } from "../../crds/app.ts";
import { noOwnership, type SpecOwnership } from "./field-owners.ts";
import { deployPlan, envShare, rollbackPlan, scaleShare, shareSpec } from "./ownership-plan.ts";

const spec = (extra: Record<string, unknown> = {}) => AppSpec.parse({ image: "nginx", profile: "dev", ...extra });
const owning = (fields: Partial<SpecOwnership>): SpecOwnership => ({ ...noOwnership(), spec: true, ...fields });

describe("deployPlan", () => {
  const live = spec({
    env: [
      { name: "LOG_LEVEL", value: "debug" },
      { name: "DATABASE_URL", value: "postgres://db" },
    ],
    secretEnv: [{ name: "TOKEN", secretKey: "TOKEN" }],
    replicas: 3,
    resources: { cpu: "500m", memory: "64Mi" },
  });
  const env = owning({ env: new Set(["LOG_LEVEL", "DATABASE_URL"]), secretEnv: new Set(["TOKEN"]) });
  const scale = owning({ replicas: true, cpu: true });
  const declared = spec({
    image: "nginx:2",
    env: [
      { name: "LOG_LEVEL", value: "info" },
      { name: "PORT", value: "8080" },
    ],
    secretEnv: [{ name: "TOKEN", secretKey: "TOKEN" }],
    replicas: 1,
    resources: { cpu: "250m", memory: "128Mi" },
  });

  it("leaves out the fields the commands own and reports those loco.toml sets otherwise", () => {
    const plan = deployPlan(declared, live, env, scale, false);
    expect(plan.spec.env).toEqual([{ name: "PORT", value: "8080" }]);
    expect(plan.spec.secretEnv).toBeUndefined();
    expect(plan.spec.replicas).toBeUndefined();
    expect(plan.spec.resources).toEqual({ memory: "128Mi" });
    expect(plan.spec.image).toBe("nginx:2");
    expect(plan.handBack).toBeUndefined();
    expect(plan.overrides).toEqual([
      { field: "spec.env[LOG_LEVEL]", setBy: "loco env", current: "debug", declared: "info", inEffect: "command" },
      { field: "spec.env[TOKEN]", setBy: "loco env", current: "(secret)", declared: "(secret)", inEffect: "command" },
      { field: "spec.replicas", setBy: "loco scale", current: 3, declared: 1, inEffect: "command" },
      { field: "spec.resources.cpu", setBy: "loco scale", current: "500m", declared: "250m", inEffect: "command" },
    ]);
  });

  it("reports nothing for a field both set to the same value", () => {
    const plan = deployPlan(spec({ replicas: 3 }), live, noOwnership(), scale, false);
    expect(plan.overrides).toEqual([]);
    expect(plan.spec.replicas).toBeUndefined();
  });

  it("drops loco.toml's autoscale while `loco scale` owns the replica count, and says so", () => {
    const plan = deployPlan(spec({ autoscale: { min: 2, max: 4 } }), live, noOwnership(), scale, false);
    expect(plan.spec.autoscale).toBeUndefined();
    expect(plan.overrides[0]).toMatchObject({ field: "spec.autoscale", current: 3, inEffect: "command" });
  });

  it("forced: applies loco.toml as it is and has the commands give up only what it declares", () => {
    const plan = deployPlan(declared, live, env, scale, true);
    expect(plan.spec).toEqual(declared);
    expect(plan.overrides.every((o) => o.inEffect === "loco.toml")).toBe(true);
    expect(plan.handBack).toEqual({
      env: { env: [{ name: "DATABASE_URL", value: "postgres://db" }], secretEnv: [] },
      scale: {},
    });
    expect(shareSpec(plan.handBack?.scale ?? {})).toBeUndefined();
    expect(plan.handBackFirst).toBeUndefined();
  });

  it("forced: lets go first of what would break a rule beside loco.toml's values", () => {
    const retyped = spec({ env: [{ name: "TOKEN", value: "plain" }], autoscale: { min: 1, max: 3 } });
    const plan = deployPlan(retyped, live, env, scale, true);
    expect(plan.handBackFirst).toEqual({
      env: {
        env: [
          { name: "LOG_LEVEL", value: "debug" },
          { name: "DATABASE_URL", value: "postgres://db" },
        ],
        secretEnv: [],
      },
      scale: { resources: { cpu: "500m" } },
    });
  });

  it("without a live App or owners, applies loco.toml unchanged", () => {
    expect(deployPlan(declared, undefined, noOwnership(), noOwnership(), false)).toEqual({
      spec: declared,
      overrides: [],
    });
  });
});

describe("shares", () => {
  it("take from the live spec only what the manager owns", () => {
    const live = spec({
      env: [
        { name: "A", value: "1" },
        { name: "B", value: "2" },
      ],
      replicas: 2,
    });
    expect(envShare(live, { env: new Set(["B"]), secretEnv: new Set() })).toEqual({
      env: [{ name: "B", value: "2" }],
      secretEnv: [],
    });
    expect(scaleShare(live, { replicas: true, cpu: true, memory: false })).toEqual({ replicas: 2 });
    expect(shareSpec({ env: [], secretEnv: [], replicas: 2 })).toEqual({ replicas: 2 });
  });
});

describe("rollbackPlan", () => {
  it("gives the commands their recorded values (and drops what the record lacks), the rest to deploy", () => {
    const recorded = spec({
      image: "nginx:1",
      env: [
        { name: "LOG_LEVEL", value: "info" },
        { name: "FEATURE", value: "on" },
      ],
      resources: { cpu: "100m", memory: "64Mi" },
    });
    const env = owning({ env: new Set(["FEATURE"]), secretEnv: new Set(["TOKEN"]) });
    const plan = rollbackPlan(recorded, env, owning({ replicas: true }));
    expect(plan.env).toEqual({ env: [{ name: "FEATURE", value: "on" }], secretEnv: [] });
    expect(plan.scale).toEqual({});
    expect(plan.spec.env).toEqual([{ name: "LOG_LEVEL", value: "info" }]);
    expect(plan.spec.resources).toEqual({ cpu: "100m", memory: "64Mi" });
    expect(rollbackPlan(recorded, noOwnership(), noOwnership())).toEqual({
      spec: recorded,
      env: undefined,
      scale: undefined,
    });
  });
});
