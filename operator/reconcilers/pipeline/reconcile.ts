// Pipeline reconcile orchestration: validate the DAG and schedules, keep the Secret its tasks read, fire due
// triggers (one Run per slot, by name), report Ready, trigger times and Run counts, then prune history. Each phase
// lives in its own module; every condition is set through status.ts.
import { ConditionType, Reason } from "../../../crds/conditions.ts";
import { PIPELINE } from "../../../crds/kinds.ts";
import { type Pipeline, PipelineSpec, type TriggerStatus } from "../../../crds/pipeline.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { SECRET } from "../../../kube/resources.ts";
import { type KubeObject, type ObjectKey, splitKey } from "../../../kube/types.ts";
import type { BatchSettings } from "../../batch-settings.ts";
import type { WorldCaches } from "../../caches.ts";
import { applyChild, type ChildContext, ownerReferenceTo } from "../../runtime/children.ts";
import { type Condition, findCondition } from "../../runtime/conditions.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import { applyStatusIfChanged } from "../../runtime/status.ts";
import { expectationHandlers, readFresh, StatusExpectations } from "../../runtime/status-expectations.ts";
import type { ConditionStamp } from "../condition-stamp.ts";
import { PIPELINE_INDEX } from "../run/indexes.ts";
import type { RunObject } from "../run/objects.ts";
import { writeIfPresent } from "../write-if-present.ts";
import { desiredSecret } from "./desired.ts";
import { fireTriggers } from "./fire-triggers.ts";
import { FIELD_MANAGER, LABEL_TENANT } from "./names.ts";
import { policyForNamespace } from "./pod-annotations.ts";
import { pruneHistory } from "./prune-history.ts";
import { runReport } from "./run-report.ts";
import { markPipelineReady, markTriggers } from "./status.ts";
import { type SpecProblem, validatePipeline } from "./validation.ts";

type PipelineObject = Pipeline & KubeObject;

export interface PipelineReconcilerDeps {
  client: KubeClient;
  caches: Pick<WorldCaches, "pipelines" | "runs" | "namespaces" | "profiles" | "secrets" | "existing">;
  events: EventRecorder;
  log: Logger;
  now: () => Date;
  settings: BatchSettings;
}

export function createPipelineReconciler(deps: PipelineReconcilerDeps) {
  const { client, caches, events, log, settings } = deps;

  /**
   * The trigger times this process last decided, per Pipeline: a reconcile that runs before the cache shows the
   * previous status write must not handle the same slot again (it could not start a second Run — Run names are
   * per slot — but it would record a skipped slot twice).
   */
  const handled = new Map<ObjectKey, TriggerStatus[]>();
  /**
   * Each status write is awaited in the cache before the Pipeline is acted on again: a reconcile of an older copy
   * would report Run counts and trigger times from before its own last write (status-expectations.ts).
   */
  const expectations = new StatusExpectations();
  caches.pipelines.addHandlers(expectationHandlers(expectations));

  /** The Secret tasks read secretEnv from (empty until the API writes values into it). */
  async function applySecret(pipeline: PipelineObject, namespace: string): Promise<void> {
    const tenant = caches.namespaces.get(namespace)?.metadata.labels?.[LABEL_TENANT] ?? namespace;
    const identity = { name: pipeline.metadata.name ?? "", namespace, labels: pipeline.metadata.labels ?? {} };
    const context: ChildContext = { client, fieldManager: FIELD_MANAGER, owner: pipeline };
    const desired = desiredSecret(identity, ownerReferenceTo(pipeline), tenant);
    const secret = await applyChild(context, SECRET, caches.secrets, desired, caches.existing.secrets);
    if (secret.outcome === "Created")
      log.info({ pipeline: `${namespace}/${identity.name}`, kind: "Secret" }, "Created Secret");
  }

  /** `signal` aborts when the controller abandoned this reconcile (its budget ran out): it then writes no more. */
  async function reconcile(key: ObjectKey, signal?: AbortSignal): Promise<{ requeueAfterMs?: number } | undefined> {
    const { namespace, name } = splitKey(key);
    const read = await readFresh(expectations, key, caches.pipelines.get(key) as PipelineObject | undefined, () =>
      client.find<PipelineObject>(PIPELINE, namespace, name),
    );
    if ("waitMs" in read) return { requeueAfterMs: read.waitMs };
    const pipeline = read.object;
    if (!pipeline || pipeline.metadata.deletionTimestamp) {
      handled.delete(key);
      return undefined;
    }
    if (!namespace) return undefined;
    const nowMs = deps.now().getTime();
    const stamp: ConditionStamp = { generation: pipeline.metadata.generation, now: new Date(nowMs).toISOString() };
    const previous = (pipeline.status?.conditions ?? []) as Condition[];

    // 1. Validate: the DAG, schedules, timeouts and pod annotations against the platform's rules.
    const parsed = PipelineSpec.safeParse(pipeline.spec);
    const spec = parsed.success ? parsed.data : undefined;
    const rules = {
      ...settings,
      podAnnotations: policyForNamespace(namespace, caches, settings.allowedPodAnnotations),
    };
    const problems: SpecProblem[] = spec
      ? validatePipeline(spec, rules)
      : [{ reason: Reason.InvalidSpec, message: `The spec does not parse: ${parsed.error?.message}` }];

    // 2. Children: the Secret, and the Runs of due triggers (only for a valid Pipeline).
    await applySecret(pipeline, namespace);
    const fired =
      problems.length === 0 && spec
        ? await fireTriggers(
            { client, events, log, toleranceMs: settings.missedSlotToleranceMs },
            pipeline,
            spec,
            handled.get(key),
            nowMs,
            signal,
          )
        : { statuses: [], requeueAtMs: undefined };

    // 3. Conditions.
    const triggers = spec?.triggers?.length ?? 0;
    const withTriggers = markTriggers(previous, stamp, triggers, problems);
    const { conditions, ready } = markPipelineReady(withTriggers, stamp, problems, {
      triggers,
      tasks: spec?.tasks.length ?? 0,
    });

    // 4. One snapshot of the Runs decides the history to prune and the counts to report; the status goes first
    //    (run-report.ts says why), then the deletions.
    const runs = caches.runs.byIndex(PIPELINE_INDEX, key) as RunObject[];
    const report = runReport(runs, fired.statuses, spec?.history);
    const status = Object.fromEntries(
      Object.entries({
        observedGeneration: pipeline.metadata.generation,
        conditions,
        ...report.fields,
      }).filter(([, v]) => v !== undefined),
    );
    signal?.throwIfAborted();
    if (fired.statuses.length > 0) handled.set(key, fired.statuses);
    else handled.delete(key);
    const wasReady = findCondition(previous, ConditionType.Ready);
    if (
      await writeIfPresent(() => applyStatusIfChanged(client, PIPELINE, pipeline, status, FIELD_MANAGER, expectations))
    ) {
      if (ready.status === "False" && wasReady?.reason !== ready.reason) {
        events.record(pipeline, "Warning", ready.reason, ready.message);
      }
    }
    signal?.throwIfAborted();
    await pruneHistory({ client, log }, key, report.prune);
    if (fired.requeueAtMs === undefined) return undefined;
    return { requeueAfterMs: Math.max(fired.requeueAtMs - deps.now().getTime(), 1) };
  }

  return { reconcile };
}
