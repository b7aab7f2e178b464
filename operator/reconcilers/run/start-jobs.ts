// Creating the Jobs the plan starts, from the pure builder (desired.ts). Jobs go before the status that names
// them, so a status never names a Job that does not exist. A Job with the name that loco does not own is an error:
// the task cannot start until someone removes it.
import { secretName as appSecretName, LABEL_PROFILE } from "../../../crds/app-names.ts";
import { podSecurityOf } from "../../../crds/profile.ts";
import { FIELD_MANAGER, LABEL_TENANT, ONE_OFF_SECRET_NAME, pipelineSecretName } from "../../../crds/run-names.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { JOB } from "../../../kube/resources.ts";
import { keyOf } from "../../../kube/types.ts";
import { applyChild, type ChildContext, ownerReferenceTo } from "../../runtime/children.ts";
import type { Informer } from "../../runtime/informer.ts";
import { type CredentialInputs, type DeployRunner, desiredJob } from "./desired.ts";
import type { RunObject } from "./objects.ts";
import type { JobStart } from "./progress.ts";

/** The Secret a Run's secretEnv reads: its Pipeline's, the App's it runs for (spec.app), or the namespace's. */
export function taskSecretName(run: RunObject): string {
  const pipeline = run.spec.pipelineRef?.name;
  if (pipeline) return pipelineSecretName(pipeline);
  return run.spec.app ? appSecretName(run.spec.app) : ONE_OFF_SECRET_NAME;
}

export async function startJobs(
  client: KubeClient,
  caches: { jobs: Informer; namespaces: Informer; profiles: Informer },
  run: RunObject,
  starts: readonly JobStart[],
  parameters: Record<string, string>,
  log: Logger,
  signal: AbortSignal | undefined,
  extras: {
    outputs: Record<string, Record<string, string>>;
    credential: CredentialInputs | undefined;
    deployRunner: DeployRunner;
  },
): Promise<void> {
  const name = run.metadata.name ?? "";
  const namespace = run.metadata.namespace ?? "";
  const pipeline = run.spec.pipelineRef?.name;
  const namespaceLabels = caches.namespaces.get(namespace)?.metadata.labels;
  const tenant = namespaceLabels?.[LABEL_TENANT] ?? namespace;
  // The namespace's Profile (a Run has none of its own) decides the level, as it does for the namespace's labels;
  // restricted when the namespace names none or it is gone.
  const profileName = namespaceLabels?.[LABEL_PROFILE];
  const podSecurity = podSecurityOf(profileName ? caches.profiles.get(profileName)?.spec : undefined);
  const context: ChildContext = { client, fieldManager: FIELD_MANAGER, owner: run };
  for (const start of starts) {
    signal?.throwIfAborted();
    const desired = desiredJob({
      run: { name, namespace },
      owner: ownerReferenceTo(run),
      tenant,
      pipeline,
      task: start.task,
      attempt: start.attempt,
      jobName: start.job,
      parameters,
      secretName: taskSecretName(run),
      podSecurity,
      outputs: extras.outputs,
      deployRunner: extras.deployRunner,
      ...(extras.credential ? { credential: extras.credential } : {}),
      ...(profileName ? { profile: profileName } : {}),
    });
    const result = await applyChild(context, JOB, caches.jobs, desired);
    if (result.outcome === "NotOwned") {
      throw new Error(`Job ${start.job} exists but does not belong to Run ${name}; delete it so the task can start.`);
    }
    if (result.outcome !== "Unchanged")
      log.info({ run: keyOf(run), job: start.job, task: start.task.name, attempt: start.attempt }, "Created Job");
  }
}
