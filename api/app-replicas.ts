// The preamble of every route that reaches an App's pods live (its logs, its pod list, exec): the tenant's own
// namespace for the profile, the App in it — read from the mirror by tenant, so that another tenant's App answers 404
// exactly like a missing one and its pods are never listed — and then the App's pods from the cluster.
import { LABEL_APP } from "../crds/app-names.ts";
import { getTenantResource } from "../db/stores/resources.ts";
import { POD } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { notFound } from "./errors.ts";
import type { ApiServices } from "./server.ts";
import { findTenantNamespace } from "./tenant-namespaces.ts";

export async function appReplicas<Pod extends KubeObject = KubeObject>(
  services: Pick<ApiServices, "db" | "kube">,
  target: { tenant: string; profile: string; app: string },
  /** The route's objectFound: called once the App is known to be the tenant's. */
  objectFound: () => void,
): Promise<{ namespace: string; pods: Pod[] }> {
  const { db, kube } = services;
  const namespace = await findTenantNamespace(kube, target.tenant, target.profile);
  const app = namespace
    ? await getTenantResource(db, { tenant: target.tenant, kind: "App", namespace, name: target.app })
    : undefined;
  if (!namespace || !app) throw notFound("App", target.app);
  objectFound();
  const pods = await kube.list<Pod>(POD, namespace, { labelSelector: `${LABEL_APP}=${target.app}` });
  return { namespace, pods: pods.items };
}
