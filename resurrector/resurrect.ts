// The resurrector's commands as functions (the CLI prints what they return; tests and benchmarks call them).
import { setTimeout as sleep } from "node:timers/promises";
import type { Kysely } from "kysely";
import type { Database } from "../db/schema.ts";
import type { KeyRing } from "../db/secret-crypto.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { type ApplyOutcome, applyPlan, writeSentinel } from "./apply.ts";
import { type ClusterHealth, probeCluster, readLiveState } from "./cluster.ts";
import { loadStoredState } from "./database.ts";
import { desiredObjects } from "./objects.ts";
import { type Plan, planRestore } from "./plan.ts";
import { inSpan, objectOutcomes, recordProbe, recordRestore, restoreResult } from "./telemetry.ts";

export interface ResurrectorContext {
  client: KubeClient;
  server: string;
  db: Kysely<Database>;
  keyRing: KeyRing | undefined;
  log?: (message: string) => void;
  now?: () => Date;
}

export class ClusterUnavailableError extends Error {
  override name = "ClusterUnavailableError";
}

export async function probe(context: ResurrectorContext): Promise<ClusterHealth> {
  return inSpan("resurrector probe", { "server.address": context.server }, async (span) => {
    const health = await probeCluster(context.client, context.server);
    span.setAttributes({
      "loco.cluster.ready": health.ready,
      "loco.cluster.loco_objects": health.locoObjects,
      "loco.cluster.sentinel": health.sentinel.present,
    });
    recordProbe(health.ready);
    return health;
  });
}

async function healthyCluster(context: ResurrectorContext): Promise<ClusterHealth> {
  const health = await probe(context);
  if (!health.ready) {
    throw new ClusterUnavailableError(
      `Cannot restore into ${context.server}: ${health.problem ?? "it is not ready"}. Check the kubeconfig and that the apiserver is up, then try again.`,
    );
  }
  return health;
}

export interface PlanResult {
  health: ClusterHealth;
  plan: Plan;
}

async function planFor(
  context: ResurrectorContext,
  health: ClusterHealth,
  force: boolean,
): Promise<PlanResult & { live: Awaited<ReturnType<typeof readLiveState>> }> {
  return inSpan("resurrector plan", { "loco.resurrector.force": force }, async (span) => {
    const result = await planOf(context, health, force);
    span.setAttribute("loco.resurrector.pending", result.plan.pending);
    return result;
  });
}

async function planOf(
  context: ResurrectorContext,
  health: ClusterHealth,
  force: boolean,
): Promise<PlanResult & { live: Awaited<ReturnType<typeof readLiveState>> }> {
  const [stored, live] = await Promise.all([
    loadStoredState(context.db, context.keyRing),
    readLiveState(context.client),
  ]);
  const plan = planRestore({
    desired: desiredObjects(stored),
    live: live.byKey,
    reportable: live.reportable,
    runs: stored.runs,
    liveRunUids: live.runUids,
    force,
    ...(health.clusterUid ? { currentCluster: health.clusterUid } : {}),
  });
  return { health, plan, live };
}

export async function plan(context: ResurrectorContext, options: { force: boolean }): Promise<PlanResult> {
  const { health, plan: result } = await planFor(context, await healthyCluster(context), options.force);
  return { health, plan: result };
}

export interface ApplyResult extends PlanResult {
  outcome: ApplyOutcome;
  sentinelWritten: boolean;
}

export async function apply(
  context: ResurrectorContext,
  options: { force: boolean; concurrency: number },
): Promise<ApplyResult> {
  const started = performance.now();
  return inSpan("resurrector apply", { "loco.resurrector.force": options.force }, async (span) => {
    try {
      const result = await applyTraced(context, options);
      const verdict = restoreResult(result.outcome);
      span.setAttributes({
        "loco.resurrector.result": verdict,
        "loco.resurrector.created": result.outcome.created,
        "loco.resurrector.updated": result.outcome.updated,
        "loco.resurrector.failed": result.outcome.failed.length,
      });
      recordRestore(
        verdict,
        (performance.now() - started) / 1000,
        objectOutcomes(result.plan.items, result.outcome.failed, result.outcome.skipped),
      );
      return result;
    } catch (error) {
      recordRestore("failed", (performance.now() - started) / 1000, new Map());
      throw error;
    }
  });
}

async function applyTraced(
  context: ResurrectorContext,
  options: { force: boolean; concurrency: number },
): Promise<ApplyResult> {
  const health = await healthyCluster(context);
  const { plan: result, live } = await planFor(context, health, options.force);
  const outcome = await applyPlan(result, {
    client: context.client,
    db: context.db,
    live: live.byKey,
    concurrency: options.concurrency,
    ...(context.log ? { log: context.log } : {}),
    ...(context.now ? { now: context.now } : {}),
  });
  const now = (context.now ?? (() => new Date()))();
  const sentinelWritten =
    outcome.failed.length === 0 && health.clusterUid
      ? await writeSentinel(context.client, health.clusterUid, health.sentinel, now)
      : false;
  return { health, plan: result, outcome, sentinelWritten };
}

export type WatchEvent =
  | { event: "unavailable"; problem: string }
  | { event: "healthy"; locoObjects: number }
  | { event: "adopted"; clusterUid: string }
  | { event: "restored"; result: ApplyResult }
  | { event: "error"; message: string };

export type WatchAction = "wait" | "restore" | "adopt" | "none";

/**
 * What `watch` does about one probe (pure): nothing while the cluster is unavailable; rebuild a healthy cluster
 * that holds no loco state (no sentinel, no Profile, App or Pipeline) when the database has some; mark with the
 * sentinel a healthy cluster that has loco objects but no sentinel (it is the cluster being mirrored).
 */
export function watchAction(health: ClusterHealth, databaseHasState: () => boolean): WatchAction {
  if (!health.ready) return "wait";
  if (health.sentinel.present) return "none";
  if (health.locoObjects > 0) return health.clusterUid ? "adopt" : "none";
  return databaseHasState() ? "restore" : "none";
}

/**
 * Probes every `intervalMs` until `signal` aborts. A cluster that is healthy but holds no loco state (no sentinel,
 * no Profile, App or Pipeline) while the database has some is rebuilt; a healthy cluster without the sentinel but
 * with loco objects gets the sentinel (it is the one being mirrored). Nothing else is ever written.
 */
export async function watch(
  context: ResurrectorContext,
  options: { intervalMs: number; concurrency: number; signal: AbortSignal; onEvent: (event: WatchEvent) => void },
): Promise<void> {
  while (!options.signal.aborted) {
    try {
      const health = await probe(context);
      const stored =
        health.ready && !health.sentinel.present && health.locoObjects === 0
          ? await loadStoredState(context.db, context.keyRing)
          : undefined;
      const action = watchAction(health, () =>
        Boolean(stored?.resources.some((r) => r.kind === "App" || r.kind === "Profile" || r.kind === "Pipeline")),
      );
      if (action === "wait") {
        options.onEvent({ event: "unavailable", problem: health.problem ?? "not ready" });
      } else if (action === "restore") {
        options.onEvent({
          event: "restored",
          result: await apply(context, { force: false, concurrency: options.concurrency }),
        });
      } else if (action === "adopt" && health.clusterUid) {
        await writeSentinel(context.client, health.clusterUid, health.sentinel, (context.now ?? (() => new Date()))());
        options.onEvent({ event: "adopted", clusterUid: health.clusterUid });
      } else {
        options.onEvent({ event: "healthy", locoObjects: health.locoObjects });
      }
    } catch (error) {
      options.onEvent({ event: "error", message: error instanceof Error ? error.message : String(error) });
    }
    await sleep(options.intervalMs, undefined, { signal: options.signal }).catch(() => {});
  }
}
