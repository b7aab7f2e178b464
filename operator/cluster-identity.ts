// A cluster's identity is the uid of its kube-system namespace. When it changes under a running operator (etcd
// restored from a backup or wiped, or the kubeconfig now points elsewhere), resourceVersions from the old cluster
// mean nothing to the new one: a resumed watch could skip everything. Every cache relists, and the controllers
// wait for them (their `ready` gate) instead of acting on the old cluster's objects.

import { IDENTITY_NAMESPACE } from "../kube/cluster-identity.ts";
import type { Logger } from "../kube/logger.ts";
import type { Informer } from "./runtime/informer.ts";

export function watchClusterIdentity(namespaces: Informer, informers: Informer[], log: Logger): void {
  let known: string | undefined;
  namespaces.addHandlers({
    onUpsert: (namespace) => {
      if (namespace.metadata.name !== IDENTITY_NAMESPACE || !namespace.metadata.uid) return;
      if (known && known !== namespace.metadata.uid) {
        log.warn(
          { previous: known, current: namespace.metadata.uid },
          "The cluster changed identity (kube-system has a new uid): relisting every cache before acting again",
        );
        for (const informer of informers) informer.invalidate();
      }
      known = namespace.metadata.uid;
    },
  });
}
