import { describe, expect, it } from "vitest";
import { AppSpec } from "../../crds/app.ts";
import { noOwnership } from "../deploy/field-owners.ts";
import { editedEnv, envChange, scaleChange, scaledSpec } from "./spec-edits.ts";

const spec = (extra: Record<string, unknown> = {}) => AppSpec.parse({ image: "nginx", profile: "dev", ...extra });

describe("scaledSpec", () => {
  it("changes only the fields given, keeping the rest of resources", () => {
    const scaled = scaledSpec(spec({ replicas: 2, resources: { cpu: "250m", memory: "256Mi" } }), { memory: "1Gi" });
    expect(scaled.replicas).toBe(2);
    expect(scaled.resources).toMatchObject({ cpu: "250m", memory: "1Gi" });
    expect(scaledSpec(spec(), { replicas: 0 }).replicas).toBe(0);
  });
});

describe("editedEnv", () => {
  it("sets plain values, replacing a secret of the same name, and writes the Secret for that removal", () => {
    const before = spec({ env: [{ name: "A", value: "1" }], secretEnv: [{ name: "B", secretKey: "B" }] });
    const { spec: after, touchesSecret } = editedEnv(before, { set: { B: "plain" }, unset: [], secret: false });
    expect(after.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "plain" },
    ]);
    expect(after.secretEnv).toBeUndefined();
    expect(touchesSecret).toBe(true);
  });

  it("sets secrets by name only, and unsets plain values without touching the Secret", () => {
    const set = editedEnv(spec(), { set: { TOKEN: "s3cret" }, unset: [], secret: true });
    expect(set.spec.secretEnv).toEqual([{ name: "TOKEN", secretKey: "TOKEN" }]);
    expect(JSON.stringify(set.spec)).not.toContain("s3cret");
    expect(set.touchesSecret).toBe(true);
    const unset = editedEnv(spec({ env: [{ name: "A", value: "1" }] }), { set: {}, unset: ["A"], secret: false });
    expect(unset.spec.env).toBeUndefined();
    expect(unset.touchesSecret).toBe(false);
  });
});

describe("envChange and scaleChange", () => {
  const live = spec({
    env: [
      { name: "LOG_LEVEL", value: "info" },
      { name: "FEATURE", value: "on" },
    ],
    replicas: 2,
    resources: { cpu: "250m", memory: "64Mi" },
  });
  const envOwns = { ...noOwnership(), env: new Set(["FEATURE"]), spec: true };

  it("edit only the command's own fields, and give the whole spec the App would have", () => {
    const change = envChange(live, envOwns, {
      set: { LOG_LEVEL: "debug", NEW: "1" },
      unset: ["FEATURE"],
      secret: false,
    });
    expect(change.before).toEqual({ env: [{ name: "FEATURE", value: "on" }] });
    expect(change.after).toEqual({
      env: [
        { name: "LOG_LEVEL", value: "debug" },
        { name: "NEW", value: "1" },
      ],
    });
    expect(change.merged.env).toEqual(change.after?.env);
    const scaled = scaleChange(live, { ...noOwnership(), cpu: true, spec: true }, { replicas: 3 });
    expect(scaled).toMatchObject({
      before: { resources: { cpu: "250m" } },
      after: { replicas: 3, resources: { cpu: "250m" } },
    });
    expect(scaled.merged).toMatchObject({ replicas: 3, resources: { cpu: "250m", memory: "64Mi" } });
  });

  it("refuse to unset or retype a variable another writer declared, naming it", () => {
    expect(() => envChange(live, envOwns, { set: {}, unset: ["LOG_LEVEL"], secret: false })).toThrow(
      /LOG_LEVEL comes from the App's declared spec/,
    );
    expect(() => envChange(live, envOwns, { set: { LOG_LEVEL: "x" }, unset: [], secret: true })).toThrow(
      /LOG_LEVEL is a plain variable of the App's declared spec/,
    );
  });
});
