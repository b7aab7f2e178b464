// The Argo CD health checks run by a real Lua interpreter (Debian's lua5.4; hack/lib.sh installs it) the way
// Argo CD runs them: `obj` is the only global besides Lua's base and table libraries (Argo CD's default, with
// useOpenLibs off), and the script's returned table is the verdict.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { argocdSnippets, healthChecks, healthKey, readHealthCheck } from "./argocd-health-checks.ts";

const lua = ["lua5.4", "lua5.3", "lua"].find((bin) => {
  try {
    execFileSync(bin, ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
});

/** A JSON value as a Lua table constructor (what Argo CD's decoder builds from the unstructured object). */
function toLua(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(", ")}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([key, v]) => `[${JSON.stringify(key)}] = ${toLua(v)}`)
    .join(", ")}}`;
}

interface Verdict {
  status: string;
  message: string;
}

/** Runs `script` once per object in one interpreter and returns each verdict. */
function evaluate(script: string, objects: unknown[]): Verdict[] {
  if (!lua)
    throw new Error(
      "No Lua interpreter (lua5.4) on PATH: run hack/test.sh, which installs it, or apt-get install lua5.4",
    );
  const harness = `
local script = [==[
${script}]==]
local objects = {${objects.map(toLua).join(",\n")}}
for i = 1, ${objects.length} do
  local env = { obj = objects[i], ipairs = ipairs, pairs = pairs, next = next, tostring = tostring,
    tonumber = tonumber, type = type, error = error, pcall = pcall, select = select, table = table }
  local chunk = assert(load(script, "health.lua", "t", env))
  local hs = chunk()
  io.write(tostring(hs.status), "\\t", tostring(hs.message), "\\n")
end
`;
  const output = execFileSync(lua, ["-"], { input: harness, encoding: "utf8" });
  return output
    .trimEnd()
    .split("\n")
    .map((line) => {
      const [status, message] = line.split("\t") as [string, string];
      return { status, message };
    });
}

const condition = (type: string, status: string, reason: string, message: string) => ({
  type,
  status,
  reason,
  message,
  observedGeneration: 2,
  lastTransitionTime: "2026-11-23T10:00:00Z",
});

const app = (status?: Record<string, unknown>) => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: { name: "shop-api", namespace: "acme-prod", generation: 2 },
  spec: { profile: "prod", image: "registry.example.com/acme/shop-api:1.4.2" },
  ...(status ? { status } : {}),
});

const appReady = (ready: ReturnType<typeof condition>, observedGeneration = 2) =>
  app({
    observedGeneration,
    deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
    conditions: [condition("ProfileResolved", "True", "Resolved", "Profile prod resolved."), ready],
  });

const run = (status?: Record<string, unknown>) => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "Run",
  metadata: { name: "ci-7", namespace: "acme-dev", generation: 1 },
  spec: { pipelineRef: { name: "ci" } },
  ...(status ? { status } : {}),
});

const runWith = (succeeded: ReturnType<typeof condition>) =>
  run({
    observedGeneration: 1,
    conditions: [succeeded],
    tasks: [{ name: "test", state: "Running", attempts: 1 }],
  });

describe("the App health check", () => {
  const cases: [string, unknown, Verdict][] = [
    [
      "Healthy: Ready True",
      appReady(condition("Ready", "True", "Available", "Deployment 01JD is available with 2 replica(s).")),
      { status: "Healthy", message: "Deployment 01JD is available with 2 replica(s)." },
    ],
    [
      "Progressing: Ready Unknown while the Deployment rolls out",
      appReady(condition("Ready", "Unknown", "Progressing", "Rolling out deployment 01JD.")),
      { status: "Progressing", message: "Rolling out deployment 01JD." },
    ],
    [
      "Progressing: no status yet (the operator has not seen the App)",
      app(),
      { status: "Progressing", message: "Waiting for the loco operator to report the App's status." },
    ],
    [
      "Progressing: the status describes an older generation, even if it said Ready",
      appReady(condition("Ready", "True", "Available", "Available."), 1),
      { status: "Progressing", message: "Waiting for the loco operator to observe generation 2." },
    ],
    [
      "Degraded: Ready False for a route conflict",
      appReady(condition("Ready", "False", "RouteConflict", "shop.example.com is already served by App a/b.")),
      { status: "Degraded", message: "shop.example.com is already served by App a/b." },
    ],
    [
      "Degraded: the rollout made no progress",
      appReady(condition("Ready", "False", "ProgressDeadlineExceeded", "Deployment made no progress.")),
      { status: "Degraded", message: "Deployment made no progress." },
    ],
    [
      "Missing: the Profile it names does not exist",
      appReady(condition("Ready", "False", "ProfileNotFound", "Profile prod does not exist.")),
      { status: "Missing", message: "Profile prod does not exist." },
    ],
  ];
  it.each(cases)("%s", (_name, object, expected) => {
    expect(evaluate(readHealthCheck("app.lua"), [object])).toEqual([expected]);
  });
});

describe("the Run health check", () => {
  const cases: [string, unknown, Verdict][] = [
    [
      "Healthy: Succeeded True",
      runWith(condition("Succeeded", "True", "Completed", "All 3 task(s) succeeded.")),
      { status: "Healthy", message: "All 3 task(s) succeeded." },
    ],
    [
      "Progressing: Succeeded Unknown while running",
      runWith(condition("Succeeded", "Unknown", "Running", "1 of 3 task(s) running.")),
      { status: "Progressing", message: "1 of 3 task(s) running." },
    ],
    [
      "Progressing: queued for a concurrency slot",
      runWith(condition("Succeeded", "Unknown", "Queued", "Waiting for Run ci-6 to finish.")),
      { status: "Progressing", message: "Waiting for Run ci-6 to finish." },
    ],
    [
      "Progressing: not started yet",
      run(),
      { status: "Progressing", message: "Waiting for the loco operator to start the Run." },
    ],
    [
      "Degraded: a task failed",
      runWith(condition("Succeeded", "False", "TaskFailed", "Task test failed with exit code 1.")),
      { status: "Degraded", message: "Task test failed with exit code 1." },
    ],
    [
      "Degraded: timed out",
      runWith(condition("Succeeded", "False", "TimedOut", "The Run exceeded its timeout of 1h.")),
      { status: "Degraded", message: "The Run exceeded its timeout of 1h." },
    ],
    [
      "Missing: the Pipeline it names does not exist",
      runWith(condition("Succeeded", "Unknown", "PipelineNotFound", "Pipeline ci does not exist.")),
      { status: "Missing", message: "Pipeline ci does not exist." },
    ],
  ];
  it.each(cases)("%s", (_name, object, expected) => {
    expect(evaluate(readHealthCheck("run.lua"), [object])).toEqual([expected]);
  });
});

describe("the Profile and Pipeline health checks", () => {
  const living = (kind: string, ready?: ReturnType<typeof condition>) => ({
    apiVersion: "loco.dev/v1alpha1",
    kind,
    metadata: { name: "x", generation: 2 },
    ...(ready ? { status: { observedGeneration: 2, conditions: [ready] } } : {}),
  });
  it("maps Ready to Healthy, Progressing, Degraded and (Profile without its Gateway) Missing", () => {
    const profile = evaluate(readHealthCheck("profile.lua"), [
      living("Profile", condition("Ready", "True", "Available", "Apps attach to gateway gw/public.")),
      living("Profile", condition("Ready", "False", "GatewayNotFound", "Gateway gw/public does not exist.")),
      living("Profile"),
    ]);
    expect(profile.map((v) => v.status)).toEqual(["Healthy", "Missing", "Progressing"]);
    expect(profile[1]?.message).toBe("Gateway gw/public does not exist.");
    const pipeline = evaluate(readHealthCheck("pipeline.lua"), [
      living("Pipeline", condition("Ready", "True", "Scheduled", "1 trigger(s) scheduled.")),
      living("Pipeline", condition("Ready", "False", "DependencyCycle", "Tasks a and b depend on each other.")),
      living("Pipeline", condition("Ready", "Unknown", "Pending", "Triggers not evaluated yet.")),
      living("Pipeline"),
    ]);
    expect(pipeline.map((v) => v.status)).toEqual(["Healthy", "Degraded", "Progressing", "Progressing"]);
    expect(pipeline[1]?.message).toBe("Tasks a and b depend on each other.");
  });
});

describe("the Argo CD snippets", () => {
  it("are up to date with the .lua files and carry every script under its argocd-cm key", () => {
    for (const [path, content] of argocdSnippets()) {
      expect(readFileSync(join(import.meta.dirname, "..", path), "utf8"), `${path} is stale`).toBe(content);
    }
    const configMap = parse(readFileSync(join(import.meta.dirname, "..", "charts/loco/argocd/argocd-cm.yaml"), "utf8"));
    for (const { kind, file } of healthChecks) {
      expect(configMap.data[healthKey(kind)]).toBe(readHealthCheck(file));
    }
  });

  it("use only what Argo CD's sandbox offers (no string, os or io library)", () => {
    for (const { file } of healthChecks) {
      expect(readHealthCheck(file), file).not.toMatch(/\b(string|os|io|require|math)\s*\./);
    }
  });
});
