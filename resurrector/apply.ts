// Carries out a plan against the cluster, parents first, a bounded number of requests at a time.
import { setTimeout as sleep } from "node:timers/promises";
import type { Kysely } from "kysely";
import { LABEL_APP } from "../crds/app-names.ts";
import { LABEL_PIPELINE } from "../crds/run-names.ts";
import type { Database } from "../db/schema.ts";
import { KubeApiError, type KubeClient } from "../kube/kube-client.ts";
import { CONFIG_MAP, CUSTOM_RESOURCE_DEFINITION, NAMESPACE } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { SENTINEL_NAME, SENTINEL_NAMESPACE } from "./cluster.ts";
import { retireRuns } from "./database.ts";
import { PHASES, phaseOf, resourceOf, restoredClaim } from "./objects.ts";
import { objectKey, type Plan, type PlanItem } from "./plan.ts";
import { inSpan } from "./telemetry.ts";

/** Field manager of what the resurrector writes (secret values use the API's, whose data they are). */
export const FIELD_MANAGER = "loco-resurrector";
export const SECRET_FIELD_MANAGER = "loco-api";

export interface ApplyOutcome {
  created: number;
  updated: number;
  /** Created by someone else between plan and apply: left alone. */
  skipped: { item: PlanItem; reason: string }[];
  failed: { item: PlanItem; error: string }[];
  runsRetired: number;
  seconds: number;
}

export interface ApplyOptions {
  client: KubeClient;
  db: Kysely<Database>;
  /** The cluster's objects when the plan was made (to find existing Apps' uids for their Secrets). */
  live: ReadonlyMap<string, KubeObject>;
  concurrency?: number;
  log?: (message: string) => void;
  now?: () => Date;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Retries what a busy or restarting apiserver answers (5xx, 429, network errors), not what the object is. */
async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const transient =
        error instanceof KubeApiError && (error.status === 0 || error.status === 429 || error.status >= 500);
      if (!transient || attempt >= 5) throw error;
      await sleep(200 * 2 ** attempt);
    }
  }
}

async function waitEstablished(client: KubeClient, names: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const crd = await client.find(CUSTOM_RESOURCE_DEFINITION, undefined, name);
      const conditions = (crd?.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
      if (conditions.some((c) => c.type === "Established" && c.status === "True")) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${timeoutMs / 1000}s`);
      await sleep(100);
    }
  }
}

export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplyOutcome> {
  const started = performance.now();
  const { client } = options;
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 16;
  const outcome: ApplyOutcome = { created: 0, updated: 0, skipped: [], failed: [], runsRetired: 0, seconds: 0 };
  /** uids of the Apps and Pipelines that exist (or were just created), for their Secrets' owner references. */
  const ownerUids = new Map<string, string>();
  for (const [key, object] of options.live) {
    if (object.kind === "App" || object.kind === "Pipeline") ownerUids.set(key, object.metadata.uid ?? "");
  }

  const write = async (item: PlanItem): Promise<void> => {
    const object = item.object as KubeObject;
    const resource = resourceOf(item.kind);
    try {
      if (item.kind === "Secret") {
        // The Secret belongs to its App or Pipeline (as the operator expects); its values are the API's fields.
        const labels = object.metadata.labels ?? {};
        const owner = labels[LABEL_APP]
          ? { kind: "App", name: labels[LABEL_APP] }
          : { kind: "Pipeline", name: labels[LABEL_PIPELINE] ?? "" };
        const ownerKey = `${owner.kind}/${item.namespace}/${owner.name}`;
        const uid = ownerUids.get(ownerKey);
        if (!uid) throw new Error(`its ${owner.kind} ${item.namespace}/${owner.name} was not restored`);
        const owned: KubeObject = {
          ...object,
          metadata: {
            ...object.metadata,
            ownerReferences: [
              {
                apiVersion: "loco.dev/v1alpha1",
                kind: owner.kind,
                name: owner.name,
                uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
        };
        await withRetries(() => client.apply(resource, owned, SECRET_FIELD_MANAGER));
        if (item.action === "create") outcome.created++;
        else outcome.updated++;
        return;
      }
      if (item.action === "update") {
        await withRetries(() => client.apply(resource, object, FIELD_MANAGER));
        outcome.updated++;
        return;
      }
      const toCreate = item.kind === "HostnameClaim" ? restoredClaim(object) : object;
      const created = await withRetries(() => client.create(resource, toCreate, FIELD_MANAGER));
      if (item.kind === "App" || item.kind === "Pipeline") ownerUids.set(objectKey(object), created.metadata.uid ?? "");
      outcome.created++;
    } catch (error) {
      if (error instanceof KubeApiError && error.isAlreadyExists) {
        outcome.skipped.push({ item, reason: "created by someone else after the plan was made; left alone" });
        if (item.kind === "App" || item.kind === "Pipeline") {
          const live = await client.find(resource, item.namespace, item.name).catch(() => undefined);
          if (live) ownerUids.set(`${item.kind}/${item.namespace}/${item.name}`, live.metadata.uid ?? "");
        }
        return;
      }
      outcome.failed.push({ item, error: error instanceof Error ? error.message : String(error) });
    }
  };

  for (const [index, phase] of PHASES.entries()) {
    const items = plan.items.filter(
      (item) => (item.action === "create" || item.action === "update") && phaseOf(item.kind) === index,
    );
    if (items.length === 0) continue;
    const phaseStarted = performance.now();
    await inSpan(`restore ${phase.name}`, { "loco.resurrector.objects": items.length }, async () => {
      await mapLimit(items, concurrency, write);
      if (phase.name === "CRDs") {
        await waitEstablished(
          client,
          items.map((item) => item.name),
        );
      }
    });
    log(`${phase.name}: ${items.length} in ${((performance.now() - phaseStarted) / 1000).toFixed(1)}s`);
  }

  const runs = plan.items.filter((item) => (item.action === "interrupt" || item.action === "archive") && item.row);
  await retireRuns(
    options.db,
    runs.map((item) => ({ row: item.row!, interrupted: item.action === "interrupt" })),
    (options.now ?? (() => new Date()))(),
  );
  outcome.runsRetired = runs.length;
  outcome.seconds = (performance.now() - started) / 1000;
  return outcome;
}

/**
 * Marks the cluster as holding loco's state (restored or checked by the resurrector). Writes only when the
 * sentinel is missing or names another cluster, so a second `apply` stays a no-op.
 */
export async function writeSentinel(
  client: KubeClient,
  clusterUid: string,
  current: { present: boolean; clusterUid?: string },
  at: Date,
): Promise<boolean> {
  if (current.present && current.clusterUid === clusterUid) return false;
  const namespace = await client.find(NAMESPACE, undefined, SENTINEL_NAMESPACE);
  if (!namespace) {
    await client
      .create(NAMESPACE, { apiVersion: "v1", kind: "Namespace", metadata: { name: SENTINEL_NAMESPACE } }, FIELD_MANAGER)
      .catch((error: unknown) => {
        if (!(error instanceof KubeApiError && error.isAlreadyExists)) throw error;
      });
  }
  await client.apply(
    CONFIG_MAP,
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: SENTINEL_NAME,
        namespace: SENTINEL_NAMESPACE,
        labels: { "app.kubernetes.io/managed-by": "loco", "app.kubernetes.io/part-of": "loco" },
      },
      data: { clusterUid, restoredAt: at.toISOString() },
    },
    FIELD_MANAGER,
  );
  return true;
}
