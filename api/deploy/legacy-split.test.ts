import { describe, expect, it } from "vitest";
import { AppSpec } from "../../crds/app.ts";
import { noOwnership, type SpecOwnership } from "./field-owners.ts";
import { legacySplit } from "./legacy-split.ts";

const spec = (extra: Record<string, unknown> = {}) => AppSpec.parse({ image: "nginx", profile: "dev", ...extra });
const everything: SpecOwnership = {
  env: new Set(["LOG_LEVEL", "DATABASE_URL"]),
  secretEnv: new Set(["TOKEN"]),
  replicas: true,
  autoscale: false,
  cpu: true,
  memory: true,
  spec: true,
};
const live = spec({
  args: ["--old"],
  env: [
    { name: "LOG_LEVEL", value: "warn" },
    { name: "DATABASE_URL", value: "postgres://db" },
  ],
  secretEnv: [{ name: "TOKEN", secretKey: "TOKEN" }],
  replicas: 3,
  resources: { cpu: "100m", memory: "64Mi" },
});
const none = { env: noOwnership(), scale: noOwnership() };

describe("legacySplit", () => {
  it("at a deploy: keeps for the commands what loco.toml does not declare; the rest is loco.toml's", () => {
    const declared = spec({ env: [{ name: "LOG_LEVEL", value: "info" }], resources: { cpu: "250m" } });
    const split = legacySplit(live, everything, none, declared);
    expect(split.env).toEqual({
      env: [{ name: "DATABASE_URL", value: "postgres://db" }],
      secretEnv: [{ name: "TOKEN", secretKey: "TOKEN" }],
    });
    expect(split.scale).toEqual({ replicas: 3, resources: { memory: "64Mi" } });
    // The rest goes to deploy with its live values (LOG_LEVEL still "warn": the deploy's own apply changes it).
    expect(split.deploy).toEqual({
      image: "nginx",
      profile: "dev",
      paused: false,
      args: ["--old"],
      env: [{ name: "LOG_LEVEL", value: "warn" }],
      resources: { cpu: "100m" },
    });
  });

  it("at a deploy that declares autoscale, the old replica count is not kept", () => {
    const split = legacySplit(live, everything, none, spec({ autoscale: { min: 1, max: 3 } }));
    expect(split.scale).toEqual({ resources: { cpu: "100m", memory: "64Mi" } });
  });

  it("at an env or scale change: variables to env, replicas to scale, the rest (resources too) to deploy", () => {
    const split = legacySplit(live, everything, none, undefined);
    expect(split.env?.env.map((e) => e.name)).toEqual(["LOG_LEVEL", "DATABASE_URL"]);
    expect(split.scale).toEqual({ replicas: 3 });
    expect(split.deploy).toEqual({
      image: "nginx",
      profile: "dev",
      paused: false,
      args: ["--old"],
      resources: { cpu: "100m", memory: "64Mi" },
    });
  });

  it("keeps what the env manager owns already in its share", () => {
    const owners = { env: { ...noOwnership(), env: new Set(["FEATURE"]), spec: true }, scale: noOwnership() };
    const withFeature = spec({ ...live, env: [...(live.env ?? []), { name: "FEATURE", value: "on" }] });
    const split = legacySplit(
      withFeature,
      { ...noOwnership(), env: new Set(["LOG_LEVEL"]), spec: true },
      owners,
      undefined,
    );
    expect(split.env?.env.map((e) => e.name)).toEqual(["LOG_LEVEL", "FEATURE"]);
  });
});
