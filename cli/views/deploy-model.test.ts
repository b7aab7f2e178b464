import { describe, expect, it } from "vitest";
import { type DeployState, deployChanges, deployLines, finalLine } from "./deploy-model.ts";

const base: DeployState = {
  app: "shop-api",
  profile: "prod",
  deploymentId: "01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
  image: "registry.example.com/acme/shop-api:1.4.2",
  outcome: "Progressing",
  replicas: { desired: 2, ready: 1 },
  pods: [
    { name: "shop-api-7d9f-b", phase: "Pending", ready: false, restarts: 0, reason: "ContainerCreating" },
    { name: "shop-api-7d9f-a", phase: "Running", ready: true, restarts: 1 },
  ],
  conditions: [{ type: "Ready", status: "False", reason: "Progressing", message: "1 of 2 replicas ready" }],
  url: null,
  elapsedMs: 12_400,
};

describe("deployLines", () => {
  it("shows progress, pods (sorted) and conditions while rolling out, without a final line", () => {
    expect(deployLines(base).map((l) => l.text)).toEqual([
      "Deploying shop-api to prod — deployment 01JD6Z7Q5V8K2M4N6P8R0T2W4Y",
      "  image registry.example.com/acme/shop-api:1.4.2",
      "Progressing — 1/2 ready (12s)",
      "Pods",
      "  ● shop-api-7d9f-a  Ready, 1 restart",
      "  ○ shop-api-7d9f-b  ContainerCreating",
      "Conditions",
      "  Ready False — Progressing: 1 of 2 replicas ready",
    ]);
    expect(finalLine(base)).toBeUndefined();
  });

  it("ends with the deployment id and URL when Available", () => {
    const done: DeployState = {
      ...base,
      outcome: "Available",
      elapsedMs: 75_000,
      url: "https://shop-api-acme.apps.example.com",
      conditions: [{ type: "Ready", status: "True", reason: "Available" }],
    };
    const lines = deployLines(done);
    expect(lines.at(-1)).toEqual({
      text: "✓ Deployed shop-api (prod) 01JD6Z7Q5V8K2M4N6P8R0T2W4Y in 1m15s → https://shop-api-acme.apps.example.com",
      tone: "good",
    });
    expect(lines.some((l) => l.spinner)).toBe(false);
  });

  it("ends with the Ready condition's reason when Failed, and names the timeout when it ran out", () => {
    const failed = {
      ...base,
      outcome: "Failed" as const,
      conditions: [{ type: "Ready", status: "False", reason: "ProgressDeadlineExceeded", message: "pods crash" }],
    };
    expect(finalLine(failed)?.text).toBe(
      "✗ Deployment 01JD6Z7Q5V8K2M4N6P8R0T2W4Y of shop-api (prod) failed after 12s: ProgressDeadlineExceeded: pods crash",
    );
    expect(finalLine({ ...base, outcome: "TimedOut", timeoutMs: 300_000 })?.text).toContain(
      "was not Ready within 5m00s",
    );
  });
});

describe("deployChanges (plain output)", () => {
  it("prints only what changed", () => {
    const first = deployChanges(undefined, base);
    expect(first[0]).toBe("Deploying shop-api to prod (deployment 01JD6Z7Q5V8K2M4N6P8R0T2W4Y)");
    expect(first).toContain("pod shop-api-7d9f-b  ContainerCreating");
    expect(deployChanges(base, { ...base, elapsedMs: 20_000 })).toEqual([]);
    const podReady = {
      ...base,
      pods: base.pods.map((p) => ({ ...p, ready: true, phase: "Running", reason: undefined })),
    };
    expect(deployChanges(base, podReady)).toEqual(["pod shop-api-7d9f-b  Ready"]);
    const done = { ...podReady, outcome: "Available" as const, url: "https://x.example.com" };
    expect(deployChanges(podReady, done)).toEqual([]);
  });
});
