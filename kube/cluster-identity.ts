// A cluster's identity is the uid of its kube-system namespace: restarts and upgrades keep it, while a new cluster,
// or one whose etcd was wiped, has a new one. The operator's mirror stamps every row with it, the resurrector
// compares it with its sentinel, and the API tells rows of the cluster it talks to from rows of a lost one.
import type { KubeClient } from "./kube-client.ts";
import { NAMESPACE } from "./resources.ts";

/** The namespace whose uid names the cluster. */
export const IDENTITY_NAMESPACE = "kube-system";

/** Asks the apiserver (one GET) which cluster it serves. */
export async function readClusterUid(client: Pick<KubeClient, "get">): Promise<string> {
  const namespace = await client.get(NAMESPACE, undefined, IDENTITY_NAMESPACE);
  if (!namespace.metadata.uid) throw new Error(`the ${IDENTITY_NAMESPACE} namespace has no uid`);
  return namespace.metadata.uid;
}
