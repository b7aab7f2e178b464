import { describe, expect, it } from "vitest";
import { capacityOf, judgeCapacity, requestedBy } from "./capacity.ts";

const node = (name: string, ready: boolean, cpu = "4", memory = "8Gi") => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name },
  status: { allocatable: { cpu, memory }, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});
const pod = (nodeName: string, cpu: string, memory: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p" },
  spec: { nodeName, containers: [{ resources: { requests: { cpu, memory } } }] },
});

describe("capacity pre-flight", () => {
  it("counts only Ready nodes and subtracts the requests of their pods", () => {
    const capacity = capacityOf([node("a", true), node("b", false)], [pod("a", "1500m", "2Gi"), pod("b", "4", "8Gi")]);
    expect(capacity).toEqual({ readyNodes: 1, free: { cpu: 2.5, memory: 6 * 2 ** 30 } });
  });

  it("applies Profile defaults and replicas to the request", () => {
    expect(requestedBy({ replicas: 3, resources: { cpu: "250m" } }, { memory: "256Mi" })).toEqual({
      cpu: 0.75,
      memory: 3 * 256 * 2 ** 20,
    });
    expect(requestedBy({ autoscale: { min: 2 } }, { cpu: "1", replicas: 5 }).cpu).toBe(2);
  });

  it("refuses with the numbers when free capacity is below the multiple, or no node is Ready", () => {
    const capacity = { readyNodes: 1, free: { cpu: 1, memory: 2 ** 30 } };
    expect(judgeCapacity(capacity, { cpu: 0.5, memory: 2 ** 28 }, 2).ok).toBe(true);
    const refused = judgeCapacity(capacity, { cpu: 0.6, memory: 2 ** 28 }, 2);
    expect(refused.ok).toBe(false);
    expect(refused.message).toBe(
      "The cluster has 1000m CPU and 1024Mi memory free on 1 Ready node(s); this deploy requests 600m CPU and 256Mi memory, and the platform requires 2× that to be free. Lower replicas, cpu or memory, or ask a platform admin to add capacity.",
    );
    expect(judgeCapacity({ readyNodes: 0, free: { cpu: 0, memory: 0 } }, { cpu: 0, memory: 0 }, 2).message).toMatch(
      /No node is Ready/,
    );
  });
});
