// Pipeline reconcile orchestration: validate the DAG and schedules, keep the Secret its tasks read, fire due
// triggers (one Run per slot, by name), prune history, and report Ready, trigger times and Run counts.
import { ConditionType, Reason } from "../../../crds/conditions.ts";
import { PIPELINE, RUN } from "../../../crds/kinds.ts";
import { type Pipeline, PipelineSpec, type TriggerStatus } from "../../../crds/pipeline.ts";
import { KubeApiError, type KubeClient, resourcePath } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { SECRET } from "../../../kube/resources.ts";
import { type KubeObject, type ObjectKey, splitKey } from "../../../kube/types.ts";
import type { BatchSettings } from "../../batch-settings.ts";
import type { WorldCaches } from "../../caches.ts";
import { applyChild, type ChildContext, ownerReferenceTo } from "../../runtime/children.ts";
import {
  type Condition,
  type ConditionInput,
  findCondition,
  setCondition,
  summarize,
} from "../../runtime/conditions.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import { applyStatusIfChanged } from "../../runtime/status.ts";
import { isAdmitted, isFinished, PIPELINE_INDEX, type RunObject, writeIfPresent } from "../run/reconcile.ts";
import { desiredSecret, desiredTriggeredRun, type FinishedRun, runsBeyondHistory, triggerStep } from "./desired.ts";
import { FIELD_MANAGER, LABEL_TENANT } from "./names.ts";
import { policyForNamespace } from "./pod-annotations.ts";
import { scheduleOf, triggerName } from "./schedule.ts";
import { validatePipeline } from "./validation.ts";

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

  /** `signal` aborts when the controller abandoned this reconcile (its budget ran out): it then writes no more. */
  async function reconcile(key: ObjectKey, signal?: AbortSignal): Promise<{ requeueAfterMs?: number } | undefined> {
    const pipeline = caches.pipelines.get(key) as PipelineObject | undefined;
    if (!pipeline || pipeline.metadata.deletionTimestamp) {
      handled.delete(key);
      return undefined;
    }
    const { namespace, name } = splitKey(key);
    if (!namespace) return undefined;
    const nowDate = deps.now();
    const nowMs = nowDate.getTime();
    const now = nowDate.toISOString();
    const generation = pipeline.metadata.generation;
    const previous = (pipeline.status ?? {}) as NonNullable<Pipeline["status"]>;
    let conditions = (previous.conditions ?? []) as Condition[];
    const set = (input: ConditionInput) => {
      conditions = setCondition(conditions, input, generation, now);
    };

    const parsed = PipelineSpec.safeParse(pipeline.spec);
    const spec = parsed.success ? parsed.data : undefined;
    const rules = {
      ...settings,
      podAnnotations: policyForNamespace(namespace, caches, settings.allowedPodAnnotations),
    };
    const problems = spec
      ? validatePipeline(spec, rules)
      : [{ reason: Reason.InvalidSpec, message: `The spec does not parse: ${parsed.error?.message}` }];

    // The Secret tasks read secretEnv from (empty until the API writes values into it).
    const tenant = caches.namespaces.get(namespace)?.metadata.labels?.[LABEL_TENANT] ?? namespace;
    const identity = { name, namespace, labels: pipeline.metadata.labels ?? {} };
    const context: ChildContext = { client, fieldManager: FIELD_MANAGER, owner: pipeline };
    const secret = await applyChild(
      context,
      SECRET,
      caches.secrets,
      desiredSecret(identity, ownerReferenceTo(pipeline), tenant),
      caches.existing.secrets,
    );
    if (secret.outcome === "Created") log.info({ pipeline: key, kind: "Secret" }, "Created Secret");

    // Triggers fire only for a valid Pipeline.
    const triggers = spec?.triggers ?? [];
    const triggerStatuses: TriggerStatus[] = [];
    let requeueAtMs: number | undefined;
    if (problems.length === 0 && spec) {
      const anchorMs = Date.parse(pipeline.metadata.creationTimestamp ?? now) || nowMs;
      for (const [index, trigger] of triggers.entries()) {
        const tname = triggerName(trigger, index);
        const step = triggerStep({
          trigger,
          name: tname,
          schedule: scheduleOf(trigger, anchorMs, `${pipeline.metadata.uid}/${tname}`),
          previous: newerOf(
            previous.triggers?.find((t) => t.name === tname),
            handled.get(key)?.find((t) => t.name === tname),
          ),
          nowMs,
          toleranceMs: settings.missedSlotToleranceMs,
        });
        let status = step.status;
        if (step.fire !== undefined) {
          signal?.throwIfAborted();
          const run = desiredTriggeredRun(
            identity,
            ownerReferenceTo(pipeline),
            { name: tname, parameters: trigger.parameters },
            step.fire,
          );
          await createOnce(run);
          status = { ...status, lastRun: run.metadata.name };
          log.info({ pipeline: key, trigger: tname, run: run.metadata.name }, "Created Run");
        }
        if (step.skipped.length > 0) {
          const times = step.skipped.map((s) => new Date(s).toISOString());
          const message = `Trigger ${tname} skipped ${times.length} slot(s) missed while the operator was unavailable (missedPolicy ${trigger.missedPolicy}): ${times.slice(-5).join(", ")}${times.length > 5 ? ", …" : ""}.`;
          events.record(pipeline, "Warning", Reason.Skipped, message);
          log.warn({ pipeline: key, trigger: tname, skipped: times.length }, "Skipped trigger slots");
        }
        triggerStatuses.push(status);
        const next = Date.parse(status.nextScheduleTime ?? "");
        if (!Number.isNaN(next)) requeueAtMs = requeueAtMs === undefined ? next : Math.min(requeueAtMs, next);
      }
    }

    if (triggers.length > 0) {
      const scheduleProblems = problems.filter(
        (p) => p.reason === Reason.InvalidSchedule || p.reason === Reason.TriggerTooFrequent,
      );
      set(
        scheduleProblems.length > 0
          ? {
              type: ConditionType.TriggersReady,
              status: "False",
              reason: scheduleProblems[0]!.reason,
              message: scheduleProblems.map((p) => p.message).join(" "),
            }
          : problems.length > 0
            ? {
                type: ConditionType.TriggersReady,
                status: "Unknown",
                reason: Reason.Paused,
                message: "Triggers wait until the Pipeline is valid.",
              }
            : {
                type: ConditionType.TriggersReady,
                status: "True",
                reason: Reason.Scheduled,
                message: `${triggers.length} trigger(s) scheduled.`,
              },
      );
    } else {
      conditions = conditions.filter((c) => c.type !== ConditionType.TriggersReady);
    }
    const readiness: ConditionInput =
      problems.length > 0
        ? {
            type: ConditionType.Ready,
            status: "False",
            reason: problems[0]!.reason,
            message: problems.map((p) => p.message).join(" "),
          }
        : summarize(conditions, ConditionType.Ready, triggers.length > 0 ? [ConditionType.TriggersReady] : [], {
            reason: "Available",
            message: `The Pipeline's ${spec?.tasks.length ?? 0} task(s) form a valid graph.`,
          });
    const wasReady = findCondition(previous.conditions as Condition[] | undefined, ConditionType.Ready);
    set(readiness);

    // History: the oldest finished Runs beyond the limits go (their records stay in loco's database).
    const runs = caches.runs.byIndex(PIPELINE_INDEX, key) as RunObject[];
    const finished: FinishedRun[] = runs.filter(isFinished).map((r) => ({
      name: r.metadata.name ?? "",
      succeeded:
        findCondition(r.status?.conditions as Condition[] | undefined, ConditionType.Succeeded)?.status === "True",
      at: r.status?.completionTime ?? r.metadata.creationTimestamp ?? "",
    }));
    const history = spec?.history ?? { successfulRuns: 10, failedRuns: 10 };
    for (const old of runsBeyondHistory(finished, history)) {
      const run = runs.find((r) => r.metadata.name === old);
      if (!run || run.metadata.deletionTimestamp) continue;
      await client.delete(RUN, namespace, old, { uid: run.metadata.uid });
      log.info({ pipeline: key, run: old }, "Deleted Run beyond history");
    }

    // Newest by creation, the name breaking ties: the same Runs always name the same one (no flapping status).
    const age = (r: RunObject) => `${r.metadata.creationTimestamp ?? ""} ${r.metadata.name ?? ""}`;
    const latest = runs.reduce<RunObject | undefined>((best, r) => (!best || age(r) > age(best) ? r : best), undefined);
    const lastRunTime = latest?.metadata.creationTimestamp;
    const unfinished = runs.filter((r) => !isFinished(r));
    const times = (field: "lastScheduleTime" | "nextScheduleTime", pick: (a: string, b: string) => boolean) =>
      triggerStatuses
        .map((t) => t[field])
        .filter((t): t is string => t !== undefined)
        .reduce<string | undefined>((best, t) => (best === undefined || pick(t, best) ? t : best), undefined);
    const status = Object.fromEntries(
      Object.entries({
        observedGeneration: generation,
        conditions,
        lastRun: latest?.metadata.name,
        lastRunTime,
        lastScheduleTime: times("lastScheduleTime", (a, b) => a > b),
        nextScheduleTime: times("nextScheduleTime", (a, b) => a < b),
        activeRuns: unfinished.filter(isAdmitted).length,
        queuedRuns: unfinished.filter((r) => !isAdmitted(r)).length,
        triggers: triggerStatuses.length > 0 ? triggerStatuses : undefined,
      }).filter(([, v]) => v !== undefined),
    );
    signal?.throwIfAborted();
    if (triggerStatuses.length > 0) handled.set(key, triggerStatuses);
    else handled.delete(key);
    if (await writeIfPresent(() => applyStatusIfChanged(client, PIPELINE, pipeline, status, FIELD_MANAGER))) {
      if (readiness.status === "False" && wasReady?.reason !== readiness.reason) {
        events.record(pipeline, "Warning", readiness.reason, readiness.message);
      }
    }
    if (requeueAtMs !== undefined) return { requeueAfterMs: Math.max(requeueAtMs - deps.now().getTime(), 1) };
    return undefined;
  }

  /** The trigger status that has got further (the later next time), of the cached and the remembered one. */
  function newerOf(
    cached: TriggerStatus | undefined,
    remembered: TriggerStatus | undefined,
  ): TriggerStatus | undefined {
    if (!cached || !remembered || cached.schedule !== remembered.schedule) return cached;
    return (remembered.nextScheduleTime ?? "") > (cached.nextScheduleTime ?? "") ? remembered : cached;
  }

  /** Creates the Run of a slot unless it exists: its name is the slot, so a slot never starts two Runs. */
  async function createOnce(run: KubeObject): Promise<void> {
    try {
      await client.request("POST", resourcePath(RUN, run.metadata.namespace), {
        body: run,
        query: { fieldManager: FIELD_MANAGER },
      });
    } catch (error) {
      if (error instanceof KubeApiError && error.isAlreadyExists) return;
      throw error;
    }
  }

  return { reconcile };
}
