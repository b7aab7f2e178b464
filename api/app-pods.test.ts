import { describe, expect, it } from "vitest";
import { appPods } from "./app-pods.ts";

describe("appPods", () => {
  it("adds the deployment each pod runs and its start time to the progress summary, sorted by name", () => {
    expect(
      appPods([
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "web-b", creationTimestamp: "2026-12-05T10:00:00Z" },
          status: { phase: "Pending" },
        },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: "web-a",
            creationTimestamp: "2026-12-05T09:59:58Z",
            annotations: { "loco.dev/deployment-id": "01JD0000000000000000000000" },
          },
          status: {
            phase: "Running",
            startTime: "2026-12-05T10:00:01Z",
            conditions: [{ type: "Ready", status: "True" }],
            containerStatuses: [{ restartCount: 3 }],
          },
        },
        { apiVersion: "v1", kind: "Pod", metadata: { name: "web-old", deletionTimestamp: "2026-12-05T10:00:00Z" } },
      ]),
    ).toEqual([
      {
        name: "web-a",
        phase: "Running",
        ready: true,
        restarts: 3,
        deploymentId: "01JD0000000000000000000000",
        startedAt: "2026-12-05T10:00:01Z",
        createdAt: "2026-12-05T09:59:58Z",
      },
      {
        name: "web-b",
        phase: "Pending",
        ready: false,
        restarts: 0,
        deploymentId: null,
        startedAt: null,
        createdAt: "2026-12-05T10:00:00Z",
      },
    ]);
  });
});
