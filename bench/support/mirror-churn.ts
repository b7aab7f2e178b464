// What the mirror benchmarks share: a private control plane and Postgres with the operator (and its mirror) running
// as in production over a fleet of Apps, and a churn of App changes at a fixed rate whose mirror lag is measured —
// from the apiserver accepting a change until Postgres holds that change's row.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { sql } from "kysely";
import { connectDatabase, type DatabaseHandle } from "../../db/connect.ts";
import { startControlPlane, stopControlPlane } from "../../hack/control-plane/control-plane.ts";
import { silentLogger } from "../../kube/logger.ts";
import type { KubeObject } from "../../kube/types.ts";
import { type RunningOperator, startOperator } from "../../operator/operator.ts";
import { applyApps, prepareFleet } from "../../test/support/fleet.ts";
import { installLocoCrds } from "../../test/support/install-crds.ts";
import { privateServer } from "../../test/support/postgres-server.ts";

export interface MirrorBench {
  operator: RunningOperator;
  apps: KubeObject[];
  databaseUrl: string;
  /** A connection of the benchmark's own (reads and seeding), apart from the operator's. */
  reader: DatabaseHandle;
  stop(): Promise<void>;
}

/** A control plane, Postgres and the operator over `apps` converged Apps, its mirror drained. */
export async function startMirrorBench(options: { name: string; apps: number }): Promise<MirrorBench> {
  const dir = mkdtempSync(join(tmpdir(), `loco-bench-${options.name}-`));
  const plane = await startControlPlane({ dir, ownerPid: process.pid });
  const postgres = await privateServer(process.pid);
  const cleanUp = async () => {
    await postgres.stop();
    await stopControlPlane(dir);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await installLocoCrds(plane.kubeconfig);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(plane.kubeconfig);
    const operator = await startOperator({ kubeConfig, log: silentLogger, databaseUrl: postgres.url, resyncMs: 0 });
    const fleet = await prepareFleet(operator.client, {
      shard: options.name.replace(/[^a-z0-9]/g, ""),
      shardLabel: "loco.dev/bench-shard",
      apps: options.apps,
    });
    await applyApps(operator.client, fleet.apps);
    await operator.idle();
    await operator.mirror?.drained();
    const reader = await connectDatabase(postgres.url);
    let stopped = false;
    return {
      operator,
      apps: fleet.apps,
      databaseUrl: postgres.url,
      reader,
      async stop() {
        if (stopped) return;
        stopped = true;
        await operator.stop();
        await reader.close();
        await cleanUp();
      },
    };
  } catch (error) {
    await cleanUp();
    throw error;
  }
}

export interface Lag<Tag> {
  ms: number;
  tag: Tag;
}

/**
 * Changes the Apps round-robin (a new annotation value each) at `ratePerSecond` until `until()` says stop, and
 * measures each change's mirror lag; `tag()` labels a change when it is sent (e.g. "during the prune"). Resolves
 * when every change is seen in the mirror or 30 s after the last one; `sent - lags.length` were never seen.
 */
export async function churnWithLag<Tag>(
  bench: MirrorBench,
  options: { ratePerSecond: number; until(): boolean; tag(): Tag },
): Promise<{ sent: number; lags: Lag<Tag>[] }> {
  const pending = new Map<number, { uid: string; version: string; at: number; tag: Tag }>();
  /** Every resourceVersion the changes produced, per object, in order. */
  const history = new Map<string, string[]>();
  const lags: Lag<Tag>[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling || pending.size > 0) {
      if (pending.size > 0) {
        const uids = [...new Set([...pending.values()].map((p) => p.uid))];
        const { rows } = await sql<{ uid: string; resource_version: string }>`
          SELECT uid::text, resource_version FROM resources WHERE uid = ANY(${uids}::uuid[])`.execute(bench.reader.db);
        const now = performance.now();
        const seen = new Map(rows.map((r) => [r.uid, r.resource_version]));
        for (const [key, change] of pending) {
          // resourceVersions are opaque (never compared as numbers): the row shows this change when it holds this
          // version or one a later change to the same object produced.
          const version = seen.get(change.uid);
          const produced = history.get(change.uid) ?? [];
          if (version !== undefined && produced.indexOf(version) >= produced.indexOf(change.version)) {
            lags.push({ ms: now - change.at, tag: change.tag });
            pending.delete(key);
          }
        }
      }
      await sleep(10);
    }
  })();

  const started = performance.now();
  let sent = 0;
  while (!options.until()) {
    const app = bench.apps[sent % bench.apps.length]!;
    const at = performance.now();
    const tag = options.tag();
    const updated = await bench.operator.client.request<{ metadata: { uid: string; resourceVersion: string } }>(
      "PATCH",
      `/apis/loco.dev/v1alpha1/namespaces/${app.metadata.namespace}/apps/${app.metadata.name}`,
      {
        body: { metadata: { annotations: { "bench.loco.dev/change": String(sent) } } },
        contentType: "application/merge-patch+json",
      },
    );
    const { uid, resourceVersion } = updated.metadata;
    pending.set(sent, { uid, version: resourceVersion, at, tag });
    history.set(uid, [...(history.get(uid) ?? []), resourceVersion]);
    sent++;
    await sleep(Math.max(0, started + (sent * 1000) / options.ratePerSecond - performance.now()));
  }
  polling = false;
  await Promise.race([poller, sleep(30_000)]);
  return { sent, lags };
}

/** The q-quantile of `values`, to 0.1 (NaN when empty). */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN) * 10) / 10;
}

/** Writes bench/results/<name>.json. */
export function writeResults(name: string, results: Record<string, unknown>): void {
  const resultsDir = new URL("../results/", import.meta.url).pathname;
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
}
