import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../kube/types.ts";
import { blockedBy } from "./blocked-deployment.ts";

const ID = "01JD0000000000000000000000";
const app = (options: {
  generation?: number;
  observed?: number;
  requested?: string;
  deploymentId?: string;
  ready?: { status: string; reason: string; observedGeneration?: number };
}): KubeObject => ({
  apiVersion: "loco.dev/v1alpha1",
  kind: "App",
  metadata: {
    name: "web",
    generation: options.generation ?? 2,
    ...(options.requested ? { annotations: { "loco.dev/requested-deployment-id": options.requested } } : {}),
  },
  status: {
    observedGeneration: options.observed ?? 2,
    ...(options.deploymentId ? { deploymentId: options.deploymentId } : {}),
    conditions: options.ready ? [{ type: "Ready", message: "Fix it.", ...options.ready }] : [],
  },
});

describe("blockedBy", () => {
  it("is the Ready reason when the operator judged this deployment's spec with a reason no waiting fixes", () => {
    const blocked = app({ requested: ID, ready: { status: "False", reason: "RouteConflict", observedGeneration: 2 } });
    expect(blockedBy(ID, blocked)).toEqual({ reason: "RouteConflict", message: "Fix it." });
    expect(blockedBy(ID, app({ deploymentId: ID, ready: { status: "False", reason: "RegistryNotAllowed" } }))).toEqual({
      reason: "RegistryNotAllowed",
      message: "Fix it.",
    });
  });

  it("fails a deployment whose canary rolled back or was aborted (loco deploy --wait exits 4), not one in flight", () => {
    const rolledBack = app({ requested: ID, ready: { status: "False", reason: "RolledBack", observedGeneration: 2 } });
    expect(blockedBy(ID, rolledBack)?.reason).toBe("RolledBack");
    expect(blockedBy(ID, app({ requested: ID, ready: { status: "False", reason: "RolloutAborted" } }))?.reason).toBe(
      "RolloutAborted",
    );
    expect(blockedBy(ID, app({ requested: ID, ready: { status: "Unknown", reason: "RolloutInProgress" } }))).toBe(
      undefined,
    );
  });

  it("is nothing while progressing, for an older generation, or for a deployment a newer request replaced", () => {
    expect(blockedBy(ID, app({ requested: ID, ready: { status: "Unknown", reason: "Progressing" } }))).toBeUndefined();
    expect(
      blockedBy(ID, app({ requested: ID, ready: { status: "False", reason: "ReconcileTimeout" } })),
    ).toBeUndefined();
    expect(
      blockedBy(ID, app({ requested: ID, observed: 1, ready: { status: "False", reason: "RouteConflict" } })),
    ).toBeUndefined();
    expect(
      blockedBy(ID, app({ requested: ID, ready: { status: "False", reason: "RouteConflict", observedGeneration: 1 } })),
    ).toBeUndefined();
    expect(
      blockedBy(
        ID,
        app({
          requested: "01JD0000000000000000000001",
          deploymentId: ID,
          ready: { status: "False", reason: "RouteConflict" },
        }),
      ),
    ).toBeUndefined();
    expect(blockedBy(ID, undefined)).toBeUndefined();
  });
});
