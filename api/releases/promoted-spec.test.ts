import { describe, expect, it } from "vitest";
import { AppSpec } from "../../crds/app.ts";
import { pinnedByDigest, promotedSpec } from "./promoted-spec.ts";

const V1 = "01JD6Z7Q5V8K2M4N6P8R0T2W41";
const V2 = "01JD6Z7Q5V8K2M4N6P8R0T2W42";
const DIGEST = `registry.example.com/acme/shop@sha256:${"a".repeat(64)}`;
const none = { env: new Set<string>(), secretEnv: new Set<string>() };
const from = { namespace: "acme-dev", app: "shop" };
/** A first promotion into prod: no target App, nothing it set itself. */
const into = { target: undefined, targetEnvOwned: none, profile: "prod", from };

const source = AppSpec.parse({
  profile: "dev",
  image: DIGEST,
  command: ["shop"],
  ports: [{ name: "http", port: 8080 }],
  replicas: 1,
  resources: { cpu: "10m", memory: "32Mi" },
  env: [
    { name: "LOG_LEVEL", value: "debug" },
    { name: "FEATURE", value: "on" },
  ],
  secretEnv: [
    { name: "DB_PASSWORD", secretKey: "DB_PASSWORD" },
    { name: "API_KEY", secretKey: "API_KEY" },
  ],
  routes: { http: { hostnames: ["shop-dev.example.com"] } },
});

describe("promotedSpec", () => {
  it("carries image, command, ports, env and secrets; leaves placement to the target Profile for a first promotion", () => {
    const result = promotedSpec({
      source,
      sourceSecrets: { DB_PASSWORD: V1, API_KEY: V2 },
      ...into,
      restoreId: "r1",
    });
    expect(result.spec).toEqual({
      profile: "prod",
      image: DIGEST,
      command: ["shop"],
      ports: source.ports,
      env: source.env,
      secretEnv: source.secretEnv,
    });
    expect(result.restore).toEqual({ id: "r1", versions: { DB_PASSWORD: V1, API_KEY: V2 }, keep: [], from });
    expect(result.unknownVersions).toEqual([]);
  });

  it("keeps the target's placement and the variables it set itself, and keeps those secrets' values", () => {
    const target = AppSpec.parse({
      profile: "prod",
      image: "registry.example.com/acme/shop:old",
      ports: [{ name: "http", port: 8080 }],
      autoscale: { min: 2, max: 6 },
      resources: { cpu: "1", memory: "1Gi" },
      env: [
        { name: "LOG_LEVEL", value: "warn" },
        { name: "OLD", value: "x" },
      ],
      secretEnv: [{ name: "DB_PASSWORD", secretKey: "DB_PASSWORD" }],
      rollout: { strategy: "canary", steps: [{ setWeight: 10 }] },
    });
    const result = promotedSpec({
      source,
      sourceSecrets: { DB_PASSWORD: V1, API_KEY: V2 },
      target,
      targetEnvOwned: { env: new Set(["LOG_LEVEL"]), secretEnv: new Set(["DB_PASSWORD"]) },
      profile: "prod",
      restoreId: "r2",
      from,
    });
    expect(result.spec.image).toBe(DIGEST);
    expect(result.spec.autoscale).toEqual(target.autoscale);
    expect(result.spec.replicas).toBeUndefined();
    expect(result.spec.resources).toEqual({ cpu: "1", memory: "1Gi" });
    expect(result.spec.rollout).toEqual(target.rollout);
    expect(result.spec.routes).toBeUndefined();
    // OLD came from the target's last deploy, not its own `loco env set`: the source's env replaces it.
    expect(result.spec.env).toEqual([
      { name: "FEATURE", value: "on" },
      { name: "LOG_LEVEL", value: "warn" },
    ]);
    expect(result.spec.secretEnv?.map((s) => s.name)).toEqual(["API_KEY", "DB_PASSWORD"]);
    expect(result.restore).toEqual({ id: "r2", versions: { API_KEY: V2 }, keep: ["DB_PASSWORD"], from });
    expect(result.overridden).toEqual(["DB_PASSWORD", "LOG_LEVEL"]);
    expect(AppSpec.safeParse(result.spec).success).toBe(true);
  });

  it("names secrets the source ran without a version id, which cannot be carried", () => {
    const result = promotedSpec({
      source,
      sourceSecrets: { DB_PASSWORD: null, API_KEY: V2 },
      ...into,
      restoreId: "r3",
    });
    expect(result.unknownVersions).toEqual(["DB_PASSWORD"]);
  });

  it("asks for no restore when neither side has a secret", () => {
    const plain = AppSpec.parse({ profile: "dev", image: "nginx:1.27" });
    const result = promotedSpec({
      source: plain,
      sourceSecrets: {},
      ...into,
      restoreId: "r4",
    });
    expect(result.restore).toBeUndefined();
    expect(result.spec).toEqual({ profile: "prod", image: "nginx:1.27" });
  });
});

describe("pinnedByDigest", () => {
  it("tells a digest from a tag", () => {
    expect(pinnedByDigest(DIGEST)).toBe(true);
    expect(pinnedByDigest(`registry.example.com/acme/shop:1.4.2@sha256:${"b".repeat(64)}`)).toBe(true);
    expect(pinnedByDigest("registry.example.com/acme/shop:1.4.2")).toBe(false);
  });
});
