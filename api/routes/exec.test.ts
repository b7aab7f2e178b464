import { describe, expect, it } from "vitest";
import { pickPod } from "./exec.ts";

const pod = (name: string, phase: string, ready = true, deleting = false) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, ...(deleting ? { deletionTimestamp: "2026-12-05T00:00:00Z" } : {}) },
  status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

describe("pickPod", () => {
  it("takes the first ready running replica by name, else the first running one", () => {
    expect(pickPod([pod("web-b", "Running"), pod("web-a", "Running", false), pod("web-0", "Pending")], undefined)).toBe(
      "web-b",
    );
    expect(pickPod([pod("web-b", "Running", false), pod("web-a", "Running", false)], undefined)).toBe("web-a");
  });

  it("takes a named replica only when it is one of the App's running pods", () => {
    const pods = [pod("web-a", "Running"), pod("web-b", "Running", true, true), pod("web-c", "Succeeded")];
    expect(pickPod(pods, "web-a")).toBe("web-a");
    expect(pickPod(pods, "web-b")).toBeUndefined();
    expect(pickPod(pods, "web-c")).toBeUndefined();
    expect(pickPod(pods, "other")).toBeUndefined();
    expect(pickPod([], undefined)).toBeUndefined();
  });
});
