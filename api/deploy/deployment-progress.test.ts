import { describe, expect, it } from "vitest";
import type { DeploymentView } from "../../db/stores/deployments.ts";
import { deploymentSnapshot } from "./deployment-progress.ts";

const deployment = (outcome: DeploymentView["outcome"]): DeploymentView => ({
  id: "01JD0000000000000000000000",
  app: "web",
  namespace: "acme-dev",
  image: "nginx",
  outcome,
  requestedBy: "alice",
  createdAt: "2026-12-05T12:00:00.000Z",
  finishedAt: null,
});

describe("deploymentSnapshot", () => {
  it("adds the App's Ready condition and replicas, and ends once the outcome is final", () => {
    const ready = { type: "Ready", status: "True", reason: "Available" };
    const progressing = deploymentSnapshot({
      deployment: deployment("Progressing"),
      app: { spec: { replicas: 2 }, status: { conditions: [ready], readyReplicas: 1 } },
      pods: [],
    });
    expect(progressing).toEqual({
      state: {
        ...deployment("Progressing"),
        ready,
        conditions: [ready],
        pods: [],
        replicas: { desired: 2, ready: 1 },
      },
      end: false,
    });
    for (const outcome of ["Available", "Failed", "Superseded"] as const) {
      expect(deploymentSnapshot({ deployment: deployment(outcome), app: undefined, pods: [] })).toMatchObject({
        state: { ready: null, conditions: [], replicas: { desired: null, ready: 0 } },
        end: true,
      });
    }
  });
});
