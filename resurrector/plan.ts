// The diff between what the database says should exist and what the cluster has: pure, so the same function
// answers `plan` and drives `apply`.
import { isSubset } from "../kube/semantic-equal.ts";
import type { KubeObject } from "../kube/types.ts";
import { phaseOf, runFinished, type StoredResource } from "./objects.ts";

export type Action =
  /** Absent from the cluster: will be created. */
  | "create"
  /** Present but different, and --force: will be overwritten (server-side apply, force). */
  | "update"
  /** Present and as the database says. */
  | "unchanged"
  /** Present but different: left alone (reported; --force overwrites). */
  | "differs"
  /** In the cluster but not in the database: reported, never deleted. */
  | "extra"
  /** A Run that was running when the cluster was lost: recorded as interrupted in the timeline, never re-run. */
  | "interrupt"
  /** A finished Run of the lost cluster: its history stays in the database; it is not re-created. */
  | "archive"
  /**
   * Absent, but mirrored from this very cluster: it was deleted here and the mirror has not recorded it yet (the
   * operator was down, say). Not restored, so the resurrector never undoes a deletion; --force creates it.
   */
  | "stale";

export interface PlanItem {
  action: Action;
  kind: string;
  namespace?: string;
  name: string;
  reason?: string;
  /** The object to create or apply (create/update). */
  object?: KubeObject;
  /** The mirror row (interrupt/archive). */
  row?: StoredResource;
}

export interface Plan {
  items: PlanItem[];
  summary: Record<Action, number>;
  /** Items that `apply` would act on (create, update, interrupt, archive). */
  pending: number;
}

export const objectKey = (o: { kind: string; metadata: { namespace?: string; name?: string } }) =>
  `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name ?? ""}`;

/** Fields the comparison ignores: the cluster owns them, or (for CRDs) upgrades are the installer's business. */
function comparable(object: KubeObject): Record<string, unknown> {
  const { metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return { ...rest, metadata: { labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} } };
}

export interface PlanInput {
  /** What the database says should exist, in any order, with the cluster each was mirrored from. */
  desired: { object: KubeObject; fromCluster?: string | null }[];
  /** The cluster's identity (kube-system uid). */
  currentCluster?: string;
  /** The cluster's objects of every restored kind, by objectKey. */
  live: ReadonlyMap<string, KubeObject>;
  /** Live objects whose absence from `desired` is worth reporting (loco kinds, tenant namespaces). */
  reportable: KubeObject[];
  /** Live Run rows of the database, and the uids of Runs the cluster has. */
  runs: StoredResource[];
  liveRunUids: ReadonlySet<string>;
  force: boolean;
}

export function planRestore(input: PlanInput): Plan {
  const items: PlanItem[] = [];
  const wanted = new Set<string>();
  for (const { object, fromCluster } of input.desired) {
    const key = objectKey(object);
    wanted.add(key);
    const about = { kind: object.kind, name: object.metadata.name ?? "", ...namespaceOf(object) };
    const live = input.live.get(key);
    const sameCluster = Boolean(input.currentCluster) && fromCluster === input.currentCluster;
    if (!live && sameCluster && !input.force) {
      items.push({
        ...about,
        action: "stale",
        reason: "deleted from this cluster after the last mirror write; not restored (use --force)",
      });
    } else if (!live) {
      items.push({ ...about, action: "create", object });
    } else if (object.kind === "CustomResourceDefinition" || isSubset(comparable(object), comparable(live))) {
      items.push({ ...about, action: "unchanged" });
    } else if (input.force) {
      items.push({ ...about, action: "update", object, reason: "differs from the database; --force overwrites it" });
    } else {
      items.push({ ...about, action: "differs", reason: "differs from the database; left alone (use --force)" });
    }
  }
  for (const object of input.reportable) {
    if (wanted.has(objectKey(object))) continue;
    items.push({
      action: "extra",
      kind: object.kind,
      name: object.metadata.name ?? "",
      ...namespaceOf(object),
      reason: "not in the database; left alone",
    });
  }
  for (const row of input.runs) {
    if (input.liveRunUids.has(row.uid)) continue;
    // Absent from the cluster it was mirrored from: deleted there, not lost.
    if (input.currentCluster && row.clusterUid === input.currentCluster) continue;
    const finished = runFinished(row.status);
    items.push({
      action: finished ? "archive" : "interrupt",
      kind: "Run",
      namespace: row.namespace,
      name: row.name,
      row,
      reason: finished
        ? "finished before the cluster was lost; kept in the history, not re-created"
        : "was running when the cluster was lost; recorded as interrupted, not re-run",
    });
  }
  items.sort((a, b) => order(a) - order(b) || objectKeyOf(a).localeCompare(objectKeyOf(b)));
  const summary: Record<Action, number> = {
    create: 0,
    update: 0,
    unchanged: 0,
    differs: 0,
    extra: 0,
    interrupt: 0,
    archive: 0,
    stale: 0,
  };
  for (const item of items) summary[item.action]++;
  return {
    items,
    summary,
    pending: summary.create + summary.update + summary.interrupt + summary.archive,
  };
}

const namespaceOf = (object: KubeObject) => (object.metadata.namespace ? { namespace: object.metadata.namespace } : {});
const objectKeyOf = (item: PlanItem) => `${item.kind}/${item.namespace ?? ""}/${item.name}`;
const order = (item: PlanItem) => (item.kind === "Run" ? 100 : phaseOf(item.kind));
