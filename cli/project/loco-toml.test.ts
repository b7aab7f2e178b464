import { describe, expect, it } from "vitest";
import { locoTomlExample } from "../../crds/testdata/examples.ts";
import { LocoTomlError, loadLocoToml, mergeProfile, parseLocoToml } from "./loco-toml.ts";

const example = locoTomlExample();

/** The messages a broken loco.toml yields for a profile. */
function problems(text: string, profile = "prod"): string[] {
  try {
    loadLocoToml(text, profile);
  } catch (error) {
    if (error instanceof LocoTomlError) return error.message.split("\n");
    throw error;
  }
  throw new Error("expected loco.toml to be refused");
}

describe("loadLocoToml with docs/examples/loco.toml", () => {
  it("turns --profile prod into the App spec of DESIGN.md §9", () => {
    expect(loadLocoToml(example, "prod")).toEqual({
      name: "shop-api",
      spec: {
        profile: "prod",
        project: "shop",
        image: "registry.example.com/acme/shop-api:1.4.2",
        ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
        health: { readiness: { http: { path: "/healthz" } } },
        resources: { cpu: "1", memory: "1Gi" },
        autoscale: { min: 2, max: 10, targetCPU: 70 },
        idleTimeout: "120s",
        env: [{ name: "LOG_LEVEL", value: "info" }],
        paused: false,
      },
    });
  });

  it("keeps the top-level settings a profile does not override", () => {
    const { spec } = loadLocoToml(example, "dev");
    expect(spec.replicas).toBe(1);
    expect(spec.autoscale).toBeUndefined();
    expect(spec.resources).toEqual({ cpu: "250m", memory: "256Mi" });
  });
});

describe("loco.toml errors name the file, the key, the problem and what to do", () => {
  it("a cross-field rule broken in a profile", () => {
    const text = example.replace("autoscale = { min = 2, max = 10", "autoscale = { min = 2, max = 1");
    expect(problems(text)).toEqual([
      "loco.toml: profile.prod.autoscale.max: must be ≥ autoscale.min (2); raise max or lower min",
    ]);
  });

  it("a misspelt key, with a suggestion", () => {
    expect(problems(example.replace("replicas = 1", "replica = 1"), "dev")).toEqual([
      "loco.toml: profile.dev.replica: unknown key; did you mean replicas?",
    ]);
  });

  it("a value of the wrong type", () => {
    expect(problems(example.replace("port = 8080", 'port = "8080"'))).toEqual([
      "loco.toml: ports[0].port: must be a number, not a string; write the number without quotes",
    ]);
  });

  it("a TOML syntax error, by line and column", () => {
    const [message] = problems(example.replace("[env]", "[env"));
    expect(message).toMatch(/^loco\.toml:\d+:\d+: .+; fix the TOML syntax here$/);
    const line = example.split("\n").indexOf("[env]") + 1;
    expect(message).toContain(`loco.toml:${line}:`);
  });

  it("an env variable name that is not one", () => {
    expect(problems(example.replace('LOG_LEVEL = "info"', 'LOG_LEVEL = "info"\nlog-level = "debug"'))).toEqual([
      "loco.toml: env.log-level: is not a valid key: must be letters, digits and '_', not starting with a digit (like LOG_LEVEL); rename it",
    ]);
  });

  it("a required setting missing everywhere", () => {
    expect(problems(example.replace('image = "registry.example.com/acme/shop-api:1.4.2"', ""))).toEqual([
      "loco.toml: image: is required; set it at the top level or in [profile.prod]",
    ]);
  });

  it("a rule spanning the top level and a profile points at the profile's key", () => {
    const text = example.replace("[profile.dev]\nreplicas = 1", "[profile.dev]\nreplicas = 1\nautoscale = { max = 3 }");
    expect(problems(text, "dev")).toEqual([
      "loco.toml: profile.dev.replicas: the App is autoscaled, so replicas can't be set; change autoscale.min/max, or remove autoscale first",
    ]);
  });

  it("a variable in both env tables, located by its name", () => {
    const text = example.replace(
      '[env]\nLOG_LEVEL = "info"',
      '[env]\nLOG_LEVEL = "info"\n\n[secretEnv]\nLOG_LEVEL = "log-level"',
    );
    expect(problems(text)).toEqual([
      "loco.toml: secretEnv: LOG_LEVEL is in both env and secretEnv; remove it from one of them",
    ]);
  });

  it("a profile the file does not define", () => {
    expect(problems(example, "uat")).toEqual([
      "loco.toml: profile.uat: there is no [profile.uat] table; add one or use dev, prod",
    ]);
  });

  it("uses the file name it is given", () => {
    expect(() => parseLocoToml("name = 5", "services/api/loco.toml")).toThrow(
      "services/api/loco.toml: name: must be a string, not an integer; put it in quotes",
    );
  });
});

describe("mergeProfile", () => {
  it("replaces top-level keys whole, merges env, and lets replicas and autoscale displace each other", () => {
    const merged = mergeProfile(
      { replicas: 2, resources: { cpu: "250m", memory: "256Mi" }, env: { A: "1", B: "2" } },
      { autoscale: { min: 1, max: 5, targetCPU: 80 }, resources: { cpu: "1" }, env: { B: "3" } },
    );
    expect(merged).toEqual({
      autoscale: { min: 1, max: 5, targetCPU: 80 },
      resources: { cpu: "1" },
      env: { A: "1", B: "3" },
    });
  });

  it("applies the top level to every profile when the file defines none", () => {
    const text = 'name = "worker"\nprofile = {}\nimage = "registry.example.com/acme/worker:1"\n';
    expect(loadLocoToml(text, "uat").spec).toMatchObject({
      profile: "uat",
      image: "registry.example.com/acme/worker:1",
    });
  });
});
