// Vitest global setup for the integration project: one real control plane and one real Postgres database per
// test run, shared by every test file (each file isolates itself in its own namespace / schema).
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { readState, startControlPlane, stopControlPlane } from "../../hack/control-plane/control-plane.ts";
import { processAlive } from "../../hack/control-plane/processes.ts";
import { installLocoCrds } from "./install-crds.ts";
import { startTestDatabase } from "./postgres-server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    kubeconfig: string;
    databaseUrl: string;
  }
}

/**
 * Removes the folders of earlier runs that were killed before their teardown (their processes already stopped
 * themselves when the run's process died: see hack/control-plane/supervise.sh).
 */
function removeStaleRuns(): void {
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith("loco-test-")) continue;
    const state = readState(join(tmpdir(), entry, "cluster"));
    if (state && state.ownerPid !== process.pid && !processAlive(state.ownerPid)) {
      rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  removeStaleRuns();
  const root = mkdtempSync(join(tmpdir(), "loco-test-"));
  const clusterDir = join(root, "cluster");
  const log = (message: string) => process.stderr.write(`[loco test env] ${message}\n`);
  const [clusterResult, databaseResult] = await Promise.allSettled([
    startControlPlane({ dir: clusterDir, ownerPid: process.pid, log }),
    startTestDatabase(process.pid),
  ]);
  if (clusterResult.status === "rejected" || databaseResult.status === "rejected") {
    // Give back whichever half did start before failing the run.
    if (databaseResult.status === "fulfilled") await databaseResult.value.stop();
    await stopControlPlane(clusterDir);
    if (!process.env.LOCO_KEEP_TEST_ENV) rmSync(root, { recursive: true, force: true });
    throw clusterResult.status === "rejected" ? clusterResult.reason : (databaseResult as PromiseRejectedResult).reason;
  }
  const cluster = clusterResult.value;
  const database = databaseResult.value;
  await installLocoCrds(cluster.kubeconfig);
  log(`Control plane ready in ${cluster.startSeconds.toFixed(1)}s with loco's CRDs; Postgres at ${database.url}`);
  project.provide("kubeconfig", cluster.kubeconfig);
  project.provide("databaseUrl", database.url);
  return async () => {
    await Promise.allSettled([stopControlPlane(clusterDir), database.stop()]);
    if (!process.env.LOCO_KEEP_TEST_ENV) rmSync(root, { recursive: true, force: true });
  };
}
