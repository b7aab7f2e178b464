// What the operator adds when it mirrors to a database: caches of the tenant parents (quotas, RBAC) and of the
// Kubernetes Events about loco objects, and the Mirror fed by those and by the reconcilers' own caches.
import type { Kysely } from "kysely";
import { LABEL_TENANT, MANAGED_SELECTOR, secretName } from "../crds/app-names.ts";
import { pipelineSecretName } from "../crds/run-names.ts";
import { Mirror } from "../db/mirror.ts";
import type { Database } from "../db/schema.ts";
import type { KeyRing } from "../db/secret-crypto.ts";
import { SecretStore } from "../db/secret-store.ts";
import { slimEvent } from "../db/timeline.ts";
import { IDENTITY_NAMESPACE, readClusterUid } from "../kube/cluster-identity.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import type { Logger } from "../kube/logger.ts";
import { EVENT, TENANT_PARENTS } from "../kube/resources.ts";
import { controllerOf, type KubeObject } from "../kube/types.ts";
import type { WorldCaches } from "./caches.ts";
import { Informer, type InformerOptions } from "./runtime/informer.ts";

export interface MirrorCaches {
  /** ResourceQuotas, LimitRanges, Roles, RoleBindings and NetworkPolicies loco manages in tenant namespaces. */
  tenantParents: Informer[];
  /** Kubernetes Events whose involved object is a loco resource. */
  events: Informer;
}

export function createMirrorCaches(client: KubeClient, options: Omit<InformerOptions, "labelSelector">): MirrorCaches {
  return {
    tenantParents: TENANT_PARENTS.map(
      (resource) => new Informer(client, resource, { ...options, labelSelector: MANAGED_SELECTOR }),
    ),
    events: new Informer(client, EVENT, {
      ...options,
      fieldSelector: "involvedObject.apiVersion=loco.dev/v1alpha1",
      slim: slimEvent,
    }),
  };
}

export const mirrorInformers = (caches: MirrorCaches | undefined): Informer[] =>
  caches ? [...caches.tenantParents, caches.events] : [];

const isTenantNamespace = (namespace: KubeObject) => Boolean(namespace.metadata.labels?.[LABEL_TENANT]);
/** A parent, not a child: children (owned by an App) are rebuilt by the operator and not mirrored. */
const isParent = (object: KubeObject) => !controllerOf(object);

/**
 * Under which name a loco-managed Secret's values are stored (the `app` column of `secret_versions`): an App's
 * `<app>-secrets` under the App's name (what the API calls its env), a Pipeline's Secret under the Secret's own
 * name (it holds a dot, so it never collides with an App name). Other Secrets are not mirrored.
 */
export function secretOwnerKey(secret: KubeObject): string | undefined {
  const owner = controllerOf(secret);
  if (owner?.kind === "App" && secret.metadata.name === secretName(owner.name)) return owner.name;
  if (owner?.kind === "Pipeline" && secret.metadata.name === pipelineSecretName(owner.name))
    return secret.metadata.name;
  return undefined;
}

export function createOperatorMirror(options: {
  db: Kysely<Database>;
  client: KubeClient;
  caches: WorldCaches;
  mirrorCaches: MirrorCaches;
  keyRing: KeyRing | undefined;
  /** Secret versions kept per key; every version when undefined. */
  secretVersionRetention?: number | undefined;
  log: Logger;
}): Mirror {
  const { caches, mirrorCaches, client, log } = options;
  if (!options.keyRing) {
    log.warn(
      {},
      "No key-encryption key (LOCO_KEK_FILE or LOCO_KEK): App secret values are not mirrored, so the resurrector cannot restore them",
    );
  }
  return new Mirror({
    db: options.db,
    log,
    sources: [
      caches.profiles,
      caches.apps,
      caches.pipelines,
      caches.runs,
      // Who holds each hostname, so that after a disaster the same App holds it again (the resurrector restores them).
      caches.hostnameClaims,
      { source: caches.namespaces, include: isTenantNamespace },
      ...mirrorCaches.tenantParents.map((source) => ({ source, include: isParent })),
    ],
    ...(options.keyRing
      ? {
          secrets: {
            source: { source: caches.secrets, include: (secret) => secretOwnerKey(secret) !== undefined },
            store: new SecretStore(options.db, options.keyRing, { retain: options.secretVersionRetention }),
            appOf: secretOwnerKey,
          },
        }
      : {}),
    events: mirrorCaches.events,
    tenantOf: (namespace) => caches.namespaces.get(namespace)?.metadata.labels?.[LABEL_TENANT],
    cluster: {
      cached: () => caches.namespaces.get(IDENTITY_NAMESPACE)?.metadata.uid,
      live: () => readClusterUid(client),
    },
  });
}
