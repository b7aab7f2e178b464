// Restarts under churn, short form (the long one is `npm run bench:restart-churn`): the apiserver and etcd of this
// file's own control plane restart while Apps change continuously; every acknowledged change is reconciled within
// 60 s of each restart, none is lost, and no child is missing, doubled or orphaned.
import { describe, expect, it } from "vitest";
import { runRestartChurn } from "../support/restart-churn.ts";

describe("restarts under churn", () => {
  // "Lost" is judged in the order the apiserver stored the changes (their generations), not the order they were sent:
  // writes held up by the etcd outage are stored in any order once it is back. The long form is
  // `npm run bench:restart-churn`.
  it("reconciles every acknowledged change after apiserver and etcd restarts, losing and doubling nothing", async () => {
    const result = await runRestartChurn({
      apps: 20,
      changesPerSecond: 4,
      apiserverRestarts: 1,
      etcdRestarts: 1,
      convergeWithinMs: 60_000,
      gapMs: 2000,
    });
    expect(result.restarts.map((r) => r.component)).toEqual(["kubeApiserver", "etcd"]);
    for (const restart of result.restarts) expect(restart.convergedSeconds, restart.component).toBeLessThan(60);
    expect(result.changesAcknowledged).toBeGreaterThan(0);
    expect(result.lostChanges, JSON.stringify(result.lost)).toBe(0);
    expect(result.unconvergedAtEnd).toBe(0);
    expect(result.operatorExits).toBe(0);
    expect(result.audit.apps).toBe(20);
    expect(result.audit.problems, JSON.stringify(result.audit)).toBe(0);
  }, 240_000);
});
