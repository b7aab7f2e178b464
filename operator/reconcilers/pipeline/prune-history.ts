// History: the oldest finished Runs beyond the Pipeline's limits go (their records stay in loco's database).
import { RUN } from "../../../crds/kinds.ts";
import type { PipelineSpec } from "../../../crds/pipeline.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import type { ObjectKey } from "../../../kube/types.ts";
import type { RunObject } from "../run/objects.ts";
import { isFinished, succeededOf } from "../run/status.ts";
import { type FinishedRun, runsBeyondHistory } from "./desired.ts";

export async function pruneHistory(
  deps: { client: KubeClient; log: Logger },
  pipeline: ObjectKey,
  runs: readonly RunObject[],
  spec: PipelineSpec | undefined,
): Promise<void> {
  const finished: FinishedRun[] = runs.filter(isFinished).map((r) => ({
    name: r.metadata.name ?? "",
    succeeded: succeededOf(r)?.status === "True",
    at: r.status?.completionTime ?? r.metadata.creationTimestamp ?? "",
  }));
  const history = spec?.history ?? { successfulRuns: 10, failedRuns: 10 };
  for (const old of runsBeyondHistory(finished, history)) {
    const run = runs.find((r) => r.metadata.name === old);
    if (!run || run.metadata.deletionTimestamp) continue;
    await deps.client.delete(RUN, run.metadata.namespace, old, { uid: run.metadata.uid });
    deps.log.info({ pipeline, run: old }, "Deleted Run beyond history");
  }
}
