// The outputs phase of a Run reconcile: tasks that succeeded get the outputs their pods published (task-outputs.ts).
// The pod cache may lag the Job cache that said "succeeded", so a task that has just succeeded and whose cached pod
// does not show its end yet is read live, once; a task whose pod is gone for good is not asked about again.
import { TaskState } from "../../../crds/conditions.ts";
import type { TaskStatus } from "../../../crds/run.ts";
import { LABEL_JOB_NAME } from "../../../crds/run-names.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import { POD } from "../../../kube/resources.ts";
import type { KubeObject } from "../../../kube/types.ts";
import type { Informer } from "../../runtime/informer.ts";
import { JOB_INDEX } from "./indexes.ts";
import { outputsPending, withOutputs } from "./task-outputs.ts";

export async function collectOutputs(
  client: KubeClient,
  pods: Informer,
  namespace: string,
  tasks: readonly TaskStatus[],
  previous: readonly TaskStatus[] | undefined,
): Promise<TaskStatus[]> {
  const cached = (job: string) => pods.byIndex(JOB_INDEX, `${namespace}/${job}`);
  const before = new Map((previous ?? []).map((t) => [t.name, t.state]));
  const live = new Map<string, KubeObject[]>();
  for (const task of tasks) {
    const justNow = before.get(task.name) !== TaskState.Succeeded;
    if (task.job && justNow && outputsPending(task, cached(task.job))) {
      live.set(task.job, (await client.list(POD, namespace, { labelSelector: `${LABEL_JOB_NAME}=${task.job}` })).items);
    }
  }
  return withOutputs(tasks, (job) => live.get(job) ?? cached(job));
}
