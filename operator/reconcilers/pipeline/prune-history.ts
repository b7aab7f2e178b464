// History: deletes the Runs run-report.ts found beyond the Pipeline's limits (their records stay in loco's
// database). The uid precondition keeps a Run re-created under the same name since the snapshot.
import { RUN } from "../../../crds/kinds.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import type { ObjectKey } from "../../../kube/types.ts";
import type { RunObject } from "../run/objects.ts";

export async function pruneHistory(
  deps: { client: KubeClient; log: Logger },
  pipeline: ObjectKey,
  prune: readonly RunObject[],
): Promise<void> {
  for (const run of prune) {
    await deps.client.delete(RUN, run.metadata.namespace, run.metadata.name ?? "", { uid: run.metadata.uid });
    deps.log.info({ pipeline, run: run.metadata.name }, "Deleted Run beyond history");
  }
}
