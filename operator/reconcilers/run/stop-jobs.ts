import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import { JOB } from "../../../kube/resources.ts";
import { type KubeObject, keyOf } from "../../../kube/types.ts";
import { OWNER_INDEX } from "../../runtime/children.ts";
import type { Informer } from "../../runtime/informer.ts";
import { jobCondition } from "./job-observation.ts";
import type { RunObject } from "./objects.ts";

/**
 * Deletes this Run's Jobs that are still active but not in `wanted` (cancelled, timed out, finished Run). True
 * when one was held back (`beforeStopJob`, while its logs are captured): the caller looks again shortly.
 */
export async function stopJobs(
  client: KubeClient,
  jobs: Informer,
  run: RunObject,
  wanted: ReadonlySet<string>,
  log: Logger,
  beforeStopJob: ((job: KubeObject) => boolean) | undefined,
): Promise<boolean> {
  let held = false;
  for (const job of jobs.byIndex(OWNER_INDEX, run.metadata.uid ?? "")) {
    const name = job.metadata.name ?? "";
    if (wanted.has(name) || job.metadata.deletionTimestamp) continue;
    if (jobCondition(job, "Complete") || jobCondition(job, "Failed")) continue;
    if (beforeStopJob && !beforeStopJob(job)) {
      held = true;
      continue;
    }
    await client.delete(JOB, job.metadata.namespace, name, { uid: job.metadata.uid });
    log.info({ run: keyOf(run), job: name }, "Deleted Job");
  }
  return held;
}
