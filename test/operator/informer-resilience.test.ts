// The informer against what real clusters do to watches. This file runs a control plane of its own (it stops,
// freezes and restarts the apiserver), with the watch cache off so that etcd compaction expires watches (410).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ControlPlaneState,
  restartComponent,
  startControlPlane,
  stopControlPlane,
} from "../../hack/control-plane/control-plane.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { NAMESPACE, SECRET } from "../../kube/resources.ts";
import type { ResourceType } from "../../kube/types.ts";
import { Informer } from "../../operator/runtime/informer.ts";
import { eventually } from "../support/kube.ts";

const CONFIG_MAP: ResourceType = {
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  namespaced: true,
};
const ns = "resilience";
let dir: string;
let plane: ControlPlaneState;
let client: KubeClient;
let informer: Informer;

const configMap = (name: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns },
  data: { at: name },
});
const seen = (name: string) =>
  eventually(`the informer to see ${name}`, async () => (informer.get(`${ns}/${name}`) ? true : undefined), {
    timeoutMs: 30_000,
  });

async function etcd(path: string, body: unknown): Promise<{ header?: { revision?: string } }> {
  const res = await fetch(`http://127.0.0.1:${plane.ports.etcdClient}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  return (await res.json()) as { header?: { revision?: string } };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "loco-resilience-"));
  plane = await startControlPlane({ dir, ownerPid: process.pid, apiserverArgs: ["--watch-cache=false"] });
  const config = new KubeConfig();
  config.loadFromFile(plane.kubeconfig);
  client = await KubeClient.create(config);
  await client.apply(NAMESPACE, { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } }, "loco-test");
  informer = new Informer(client, CONFIG_MAP, { namespace: ns, watchTimeoutSeconds: 2, idleTimeoutMs: 1500 });
  informer.start();
  await informer.waitForSync();
}, 120_000);

afterAll(async () => {
  await informer?.stop();
  client?.close();
  await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
});

describe("the informer", () => {
  it("relists after its watch expires (410 Gone) and keeps up afterwards", async () => {
    await client.apply(CONFIG_MAP, configMap("a"), "loco-test");
    await seen("a");
    // Move etcd two revisions past the informer's resourceVersion (writes it does not watch), then compact: its
    // next watch starts below the compacted revision and expires.
    for (const name of ["bump-1", "bump-2"]) {
      await client.apply(SECRET, { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: ns } }, "loco-test");
    }
    const { header } = await etcd("/v3/kv/range", { key: Buffer.from("/registry").toString("base64") });
    await etcd("/v3/kv/compaction", { revision: header?.revision, physical: true });
    await eventually("a relist after 410 Gone", async () => (informer.stats.relistsAfterGone > 0 ? true : undefined), {
      timeoutMs: 15_000,
    });
    await client.apply(CONFIG_MAP, configMap("b"), "loco-test");
    await seen("b");
  });

  it("reconnects when the connection goes silent (a frozen apiserver)", async () => {
    const before = informer.stats.idleReconnects;
    execFileSync("pkill", ["-STOP", "-P", String(plane.pids.kubeApiserver)]);
    try {
      await eventually("an idle reconnect", async () => (informer.stats.idleReconnects > before ? true : undefined), {
        timeoutMs: 10_000,
      });
    } finally {
      execFileSync("pkill", ["-CONT", "-P", String(plane.pids.kubeApiserver)]);
    }
    await client.apply(CONFIG_MAP, configMap("c"), "loco-test");
    await seen("c");
  });

  it("relists and is fresh again after an invalidation in the middle of a burst of watch events", async () => {
    // What the operator does when the cluster changes identity (etcd wiped): the handler of one event invalidates
    // the cache while later events of the same burst are already read. Those must not resume the watch.
    const burst = new Informer(client, CONFIG_MAP, { namespace: ns, labelSelector: "burst=yes" });
    let invalidated = false;
    burst.addHandlers({
      onUpsert: () => {
        if (invalidated || !burst.hasSynced) return;
        invalidated = true;
        burst.invalidate();
      },
    });
    burst.start();
    try {
      await burst.waitForSync();
      const listsBefore = burst.stats.lists;
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          client.apply(
            CONFIG_MAP,
            { ...configMap(`burst-${i}`), metadata: { name: `burst-${i}`, namespace: ns, labels: { burst: "yes" } } },
            "loco-test",
          ),
        ),
      );
      await eventually("the burst cache to relist and be fresh again", async () =>
        invalidated && burst.isFresh && burst.size === 40 ? true : undefined,
      );
      expect(burst.stats.lists).toBeGreaterThan(listsBefore);
    } finally {
      await burst.stop();
      await Promise.all(Array.from({ length: 40 }, (_, i) => client.delete(CONFIG_MAP, ns, `burst-${i}`)));
    }
  });

  it("survives an apiserver restart, including deletions made after it", async () => {
    const listsBefore = informer.stats.lists + informer.stats.watches;
    await restartComponent(dir, "kubeApiserver");
    await client.delete(CONFIG_MAP, ns, "a");
    await client.apply(CONFIG_MAP, configMap("d"), "loco-test");
    await seen("d");
    await eventually("the deletion of a to be seen", async () =>
      informer.get(`${ns}/a`) === undefined ? true : undefined,
    );
    expect(informer.stats.lists + informer.stats.watches).toBeGreaterThan(listsBefore);
    // kube-root-ca.crt is the ConfigMap kube-controller-manager puts in every namespace.
    expect(informer.keys().sort()).toEqual([`${ns}/b`, `${ns}/c`, `${ns}/d`, `${ns}/kube-root-ca.crt`]);
  }, 120_000);

  it("backs off afresh for each outage once its watch has streamed for a while", async () => {
    // Watches break with an error at every apiserver restart. Counted on from one outage to the next, the first
    // retry after the second restart waited 0.4 s or more, after the fifth 6.4 s, and later the 30 s cap (an App informer
    // blind for 15 s after a routine restart, found by the restart-churn benchmark).
    const retries: number[] = [];
    const steady = new Informer(client, CONFIG_MAP, {
      namespace: ns,
      healthyWatchMs: 1000,
      log: (_level, message, fields) => {
        if (message === "List/watch failed, retrying") retries.push(Number(fields?.retryInMs));
      },
    });
    steady.start();
    await steady.waitForSync();
    try {
      const firstRetries: number[] = [];
      for (const outage of [1, 2]) {
        await sleep(1500);
        retries.length = 0;
        await restartComponent(dir, "kubeApiserver");
        await client.apply(CONFIG_MAP, configMap(`outage-${outage}`), "loco-test");
        await eventually(`the steady informer to see outage-${outage}`, async () =>
          steady.get(`${ns}/outage-${outage}`) ? true : undefined,
        );
        expect(retries.length, `retries logged in outage ${outage}`).toBeGreaterThan(0);
        firstRetries.push(retries[0] ?? Number.NaN);
      }
      // The shortest delay is 200 ms with ±20 % jitter.
      for (const delay of firstRetries) expect(delay).toBeLessThanOrEqual(240);
    } finally {
      await steady.stop();
    }
  }, 120_000);
});
