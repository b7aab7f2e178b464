// Counts, from the apiserver, what a fault may have left wrong in a fleet's children: Apps without a child, two
// children of one kind for one App, children whose owner App is gone, and ReplicaSets beyond one per Deployment.
// Shared by the fault tests and their bench/ long forms. No vitest imports.
import { APP } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { DEPLOYMENT } from "../../kube/resources.ts";
import type { KubeObject, ResourceType } from "../../kube/types.ts";
import { CHILD_KINDS, listAll } from "./fleet.ts";

export const REPLICA_SET: ResourceType = {
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  plural: "replicasets",
  namespaced: true,
};

export interface KindAudit {
  objects: number;
  /** Apps with no child of this kind. */
  missing: number;
  /** Children beyond the first of this kind for one App. */
  duplicates: number;
  /** Children whose controlling owner is not a live App of the fleet. */
  orphans: number;
}

export interface ChildrenAudit {
  apps: number;
  kinds: Record<string, KindAudit>;
  replicaSets: number;
  /** Deployments that own more than one ReplicaSet (a second rollout nobody asked for, when the spec never changed). */
  deploymentsWithExtraReplicaSets: number;
  /** ReplicaSets whose owner Deployment is gone. */
  orphanReplicaSets: number;
  /** Sum of missing, duplicates and orphans over every kind, plus orphan ReplicaSets. */
  problems: number;
}

const controllerUid = (object: KubeObject) => object.metadata.ownerReferences?.find((r) => r.controller)?.uid;

/** Children per live owner, and the children whose controlling owner is not among `owners`. */
function byOwner(
  children: KubeObject[],
  owners: Set<string | undefined>,
): { perOwner: Map<string, number>; orphans: number } {
  const perOwner = new Map<string, number>();
  let orphans = 0;
  for (const child of children) {
    const uid = controllerUid(child);
    if (!uid || !owners.has(uid)) orphans++;
    else perOwner.set(uid, (perOwner.get(uid) ?? 0) + 1);
  }
  return { perOwner, orphans };
}

export async function auditChildren(client: KubeClient, namespaces: string[]): Promise<ChildrenAudit> {
  const apps = await listAll(client, APP, namespaces);
  const appUids = new Set(apps.map((a) => a.metadata.uid));
  const kinds: Record<string, KindAudit> = {};
  let problems = 0;
  for (const resource of CHILD_KINDS) {
    const children = await listAll(client, resource, namespaces, "app.kubernetes.io/managed-by=loco");
    const { perOwner, orphans } = byOwner(children, appUids);
    const audit: KindAudit = {
      objects: children.length,
      missing: apps.length - perOwner.size,
      duplicates: [...perOwner.values()].reduce((sum, n) => sum + n - 1, 0),
      orphans,
    };
    kinds[resource.kind] = audit;
    problems += audit.missing + audit.duplicates + audit.orphans;
  }
  const deployments = await listAll(client, DEPLOYMENT, namespaces);
  const deploymentUids = new Set(deployments.map((d) => d.metadata.uid));
  const replicaSets = await listAll(client, REPLICA_SET, namespaces);
  const { perOwner: perDeployment, orphans: orphanReplicaSets } = byOwner(replicaSets, deploymentUids);
  problems += orphanReplicaSets;
  return {
    apps: apps.length,
    kinds,
    replicaSets: replicaSets.length,
    deploymentsWithExtraReplicaSets: [...perDeployment.values()].filter((n) => n > 1).length,
    orphanReplicaSets,
    problems,
  };
}
