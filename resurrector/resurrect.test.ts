import { describe, expect, it } from "vitest";
import type { ClusterHealth } from "./cluster.ts";
import { watchAction } from "./resurrect.ts";

const healthy = (over: Partial<ClusterHealth> = {}): ClusterHealth => ({
  server: "https://127.0.0.1:6443",
  ready: true,
  clusterUid: "uid-1",
  missingCrds: [],
  sentinel: { present: false },
  locoObjects: 0,
  ...over,
});

describe("watchAction", () => {
  it("waits while the cluster is unavailable, whatever the database holds", () => {
    expect(watchAction(healthy({ ready: false, problem: "down" }), () => true)).toBe("wait");
  });

  it("restores only a healthy cluster with no loco state, and only when the database has some", () => {
    expect(watchAction(healthy(), () => true)).toBe("restore");
    expect(watchAction(healthy(), () => false)).toBe("none");
  });

  it("never restores into a cluster that has the sentinel or loco objects", () => {
    expect(watchAction(healthy({ sentinel: { present: true, clusterUid: "uid-1" } }), () => true)).toBe("none");
    // Someone deleted every App on purpose: the sentinel says this cluster was already restored or adopted.
    expect(watchAction(healthy({ sentinel: { present: true }, locoObjects: 0 }), () => true)).toBe("none");
    expect(watchAction(healthy({ locoObjects: 12 }), () => true)).toBe("adopt");
  });
});
