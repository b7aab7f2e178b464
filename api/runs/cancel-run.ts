// Cancelling a Run: spec.cancel set to true, which the operator turns into stopped tasks and reason UserCancelled.
import { RUN } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import type { KubeObject } from "../../kube/types.ts";
import { ApiError, notFound } from "../errors.ts";
import { FIELD_MANAGER } from "../tenant-namespaces.ts";
import { liveRunView, runFinished } from "./run-view.ts";

/** Cancels the live Run `run` of `namespace` (undefined: the tenant has no such namespace); 409 once it finished. */
export async function cancelRun(
  kube: KubeClient,
  tenant: string,
  namespace: string | undefined,
  run: string,
): Promise<KubeObject> {
  const live = namespace ? await kube.find<KubeObject>(RUN, namespace, run) : undefined;
  if (!namespace || !live) throw notFound("Run", run);
  const view = liveRunView(tenant, live);
  if (runFinished(view.phase)) {
    throw new ApiError(
      "Conflict",
      `Run ${run} has already finished (${view.phase}${view.reason ? `, ${view.reason}` : ""}); there is nothing to cancel.`,
    );
  }
  // A merge patch of the one field, with the read uid as a precondition of sorts: a Run recreated under the same
  // name in between is left alone.
  return kube.request<KubeObject>("PATCH", `/apis/loco.dev/v1alpha1/namespaces/${namespace}/runs/${run}`, {
    body: { metadata: { uid: live.metadata.uid }, spec: { cancel: true } },
    contentType: "application/merge-patch+json",
    query: { fieldManager: FIELD_MANAGER },
  });
}
