import { describe, expect, it } from "vitest";
import type { KubeObject } from "../../../kube/types.ts";
import type { AppObject } from "./objects.ts";
import { chooseRollout, runsTemplate } from "./rollout.ts";

const NEW_ID = "01JNEWNEWNEWNEWNEWNEWNEWNE";
const REQUESTED = "01JREQREQREQREQREQREQREQRE";
const fresh = { newDeploymentId: () => NEW_ID, now: "2026-12-05T10:00:00.000Z" };
const app = (annotations: Record<string, string> = {}): AppObject =>
  ({ metadata: { name: "web", uid: "u1", annotations }, spec: {} }) as unknown as AppObject;
const deployment = (hash: string, id: string, uid = "u1"): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: {
    name: "web",
    ownerReferences: [{ apiVersion: "loco.dev/v1alpha1", kind: "App", name: "web", uid, controller: true }],
    annotations: {
      "loco.dev/template-hash": hash,
      "loco.dev/deployment-id": id,
      "loco.dev/deployed-at": "2026-12-01T00:00:00.000Z",
    },
  },
});

describe("chooseRollout", () => {
  it("keeps the deployment id while the pod template is unchanged", () => {
    expect(chooseRollout(app(), deployment("h1", "01JOLD"), "h1", fresh)).toEqual({
      deploymentId: "01JOLD",
      deployedAt: "2026-12-01T00:00:00.000Z",
    });
  });

  it("starts a new deployment when the template changes, or the Deployment is not the App's", () => {
    expect(chooseRollout(app(), deployment("h1", "01JOLD"), "h2", fresh)).toEqual({
      deploymentId: NEW_ID,
      deployedAt: fresh.now,
    });
    expect(chooseRollout(app(), deployment("h1", "01JOLD", "other"), "h1", fresh).deploymentId).toBe(NEW_ID);
  });

  it("uses the id the API asked for when it is a fresh ULID", () => {
    const asked = app({ "loco.dev/requested-deployment-id": REQUESTED });
    expect(chooseRollout(asked, deployment("h1", "01JOLD"), "h2", fresh).deploymentId).toBe(REQUESTED);
    expect(chooseRollout(asked, deployment("h1", REQUESTED), "h2", fresh).deploymentId).toBe(NEW_ID);
    const malformed = app({ "loco.dev/requested-deployment-id": "not-a-ulid" });
    expect(chooseRollout(malformed, undefined, "h2", fresh).deploymentId).toBe(NEW_ID);
  });
});

describe("runsTemplate", () => {
  it("holds only for the App's own Deployment with the same template and an id (else a new id would be minted)", () => {
    expect(runsTemplate(app(), deployment("h1", "01JOLD"), "h1")).toBe(true);
    expect(runsTemplate(app(), deployment("h1", "01JOLD"), "h2")).toBe(false);
    expect(runsTemplate(app(), deployment("h1", "01JOLD", "other"), "h1")).toBe(false);
    expect(runsTemplate(app(), deployment("h1", ""), "h1")).toBe(false);
    expect(runsTemplate(app(), undefined, "h1")).toBe(false);
  });
});
