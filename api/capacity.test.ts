import { describe, expect, it } from "vitest";
import { CAPACITY_TTL_MS, capacityOf, judgeCapacity, requestedBy, sharedClusterCapacity } from "./capacity.ts";

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

  it("refuses when free capacity is below the multiple, or no node is Ready, naming only what the deploy requests", () => {
    const capacity = { readyNodes: 3, free: { cpu: 1, memory: 2 ** 30 } };
    expect(judgeCapacity(capacity, { cpu: 0.5, memory: 2 ** 28 }, 2).ok).toBe(true);
    const refused = judgeCapacity(capacity, { cpu: 0.6, memory: 2 ** 28 }, 2);
    expect(refused).toMatchObject({ ok: false, readyNodes: 3, free: capacity.free });
    expect(refused.message).toBe(
      "This deploy requests 600m CPU and 256Mi memory in all (replicas × cpu and memory), more than the cluster has room for now, so it was not applied. Lower replicas, cpu or memory and deploy again, or ask a platform admin to add capacity.",
    );
    // Nothing about the rest of the cluster: not its free amounts (1000m, 1024Mi), nodes, or the multiple.
    expect(refused.message).not.toMatch(/1000m|1024Mi|node|2×/);
    const unschedulable = judgeCapacity({ readyNodes: 0, free: { cpu: 0, memory: 0 } }, { cpu: 0, memory: 0 }, 2);
    expect(unschedulable.ok).toBe(false);
    expect(unschedulable.message).toMatch(/^The cluster cannot schedule anything right now/);
    expect(unschedulable.message).not.toMatch(/\d/);
  });
});

describe("sharedClusterCapacity", () => {
  it("lists the cluster once for concurrent deploys and for a second after, then reads it again", async () => {
    let lists = 0;
    const kube = {
      list: async () => {
        lists++;
        return { items: [] };
      },
    } as unknown as import("../kube/kube-client.ts").KubeClient;
    let clock = 0;
    const now = () => clock;
    await Promise.all(Array.from({ length: 50 }, () => sharedClusterCapacity(kube, now)));
    expect(lists).toBe(2); // nodes and pods, once
    clock = CAPACITY_TTL_MS - 1;
    await sharedClusterCapacity(kube, now);
    expect(lists).toBe(2);
    clock = CAPACITY_TTL_MS;
    await sharedClusterCapacity(kube, now);
    expect(lists).toBe(4);
  });

  it("keeps no failed reading", async () => {
    let fail = true;
    const kube = {
      list: async () => {
        if (fail) throw new Error("apiserver down");
        return { items: [] };
      },
    } as unknown as import("../kube/kube-client.ts").KubeClient;
    await expect(sharedClusterCapacity(kube, () => 0)).rejects.toThrow("apiserver down");
    fail = false;
    await expect(sharedClusterCapacity(kube, () => 0)).resolves.toMatchObject({ readyNodes: 0 });
  });
});
