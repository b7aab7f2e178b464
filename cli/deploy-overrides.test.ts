import { describe, expect, it } from "vitest";
import type { DeployDiff } from "./client/api-client.ts";
import { dryRunText, overrideLines, overridesText } from "./deploy-overrides.ts";

const kept = {
  field: "spec.env[LOG_LEVEL]",
  setBy: "loco env" as const,
  current: "debug",
  declared: "info",
  inEffect: "command" as const,
};

describe("overrides", () => {
  it("say whose value is in effect and how to choose the other", () => {
    expect(overrideLines([kept])).toEqual([
      'spec.env[LOG_LEVEL]: "debug" from `loco env set` stays in effect over loco.toml\'s "info"',
    ]);
    expect(overridesText([kept])).toContain("deploy with --force-conflicts to use loco.toml's");
    expect(
      overrideLines([
        { ...kept, field: "spec.replicas", setBy: "loco scale", current: 3, declared: 1, inEffect: "loco.toml" },
      ]),
    ).toEqual(["spec.replicas: loco.toml's 1 replaces 3 from `loco scale`"]);
    expect(overridesText([])).toBe("");
  });
});

describe("dryRunText", () => {
  const diff: DeployDiff = {
    name: "web",
    profile: "dev",
    exists: true,
    changed: true,
    generation: 4,
    changes: [],
    diff: '~ spec.image: "web:1" → "web:2"\n+ spec.env[NEW]: {"name":"NEW","value":"1"}',
    env: { added: ["NEW"], removed: ["OLD"] },
    replicas: { before: 2, after: 2 },
    overrides: [kept],
  };

  it("lists the changes, variable names and overrides, and says nothing changed", () => {
    const text = dryRunText(diff, "web", "dev");
    expect(text).toContain("Deploying would change web (dev, generation 4):\n  ~ spec.image");
    expect(text).toContain("Variables added: NEW\nVariables removed: OLD\n");
    expect(text).not.toContain("Replicas:");
    expect(text).toContain("Fields loco.toml and a command both set:\n  spec.env[LOG_LEVEL]");
    expect(text.endsWith("Nothing was changed (--dry-run).\n")).toBe(true);
    expect(dryRunText({ ...diff, changed: false, overrides: [] }, "web", "dev")).toBe(
      "No changes: web (dev) already runs this configuration.\nNothing was changed (--dry-run).\n",
    );
  });
});
