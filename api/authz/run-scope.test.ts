import { describe, expect, it } from "vitest";
import type { RunScope } from "../auth/principal.ts";
import { checkRunScope } from "./run-scope.ts";

const scope: RunScope = {
  namespace: "acme-dev",
  name: "ci-1",
  tenant: "acme",
  profile: "dev",
  pipeline: "ci",
  deploy: [{ app: "web", profile: "prod" }],
};
const code = (f: () => void) => {
  try {
    f();
    return "allowed";
  } catch (error) {
    return (error as { code: string }).code;
  }
};

describe("a Run's credential", () => {
  it("deploys what its Pipeline declares", () => {
    expect(code(() => checkRunScope(scope, "deployApp", { tenant: "acme", app: "web" }, { profile: "prod" }))).toBe(
      "allowed",
    );
    expect(code(() => checkRunScope(scope, "getApp", { tenant: "acme", app: "web" }, { profile: "prod" }))).toBe(
      "allowed",
    );
  });

  it("is refused for another App, profile, tenant or route", () => {
    expect(code(() => checkRunScope(scope, "deployApp", { tenant: "acme", app: "api" }, { profile: "prod" }))).toBe(
      "Forbidden",
    );
    expect(code(() => checkRunScope(scope, "deployApp", { tenant: "acme", app: "web" }, { profile: "dev" }))).toBe(
      "Forbidden",
    );
    expect(code(() => checkRunScope(scope, "deployApp", { tenant: "globex", app: "web" }, { profile: "prod" }))).toBe(
      "Forbidden",
    );
    expect(code(() => checkRunScope(scope, "deleteApp", { tenant: "acme", app: "web" }, { profile: "prod" }))).toBe(
      "Forbidden",
    );
    expect(code(() => checkRunScope(scope, "createToken", { tenant: "acme" }, {}))).toBe("Forbidden");
  });
});
