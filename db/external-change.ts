// Which changes of an App the mirror records as releases itself: those applied outside the API — by Argo CD
// syncing a repository, by kubectl — which no API handler sees. The API records a release for each of its own writes
// (deploy, PUT, env, scale, rollback), so a spec last written by one of loco's field managers (named `loco-…`) is left
// to it. Pure.
//
// Who wrote the spec last is read from metadata.managedFields: the newest entry that holds spec fields (the scale
// subresource's included, the status subresource's not). Entries carry whole seconds; when loco's writer shares
// the newest second with another, the API is assumed to have made the change (it records it; a release is never
// recorded twice).
//
// The commit comes from the annotation loco.dev/git-revision, and only when the writer of the spec also wrote that
// annotation: a kubectl edit of a synced App keeps the annotation Argo CD set, but is not that commit's change.
//
// The change is recorded once the operator has reported on that very spec (status.observedGeneration equals the
// generation), so the release names the deployment the change started (or none, when the spec failed).
import { ANNOTATION_GIT_REVISION } from "../crds/app-names.ts";
import type { KubeObject } from "../kube/types.ts";
import { externalSource, type ReleaseSource } from "./release-source.ts";

/**
 * loco's own writers: every loco process names its field managers `loco-…` (crds/field-managers.ts: loco-deploy,
 * loco-env, loco-scale, loco-api; also loco-rollback, loco-resurrector, loco-operator). Their App writes are the
 * API's releases or restores of a recorded spec; the prefix decides, not a list that a new writer could be missing
 * from.
 */
const isLocoWriter = (manager: string) => manager.startsWith("loco-");

/** A full or abbreviated hexadecimal commit id (SHA-1 or SHA-256); anything else in the annotation is ignored. */
const COMMIT = /^[0-9a-f]{7,64}$/;

export interface ExternalChange {
  /** The field manager that wrote the spec (e.g. argocd-controller, kubectl-edit). */
  actor: string;
  /** The same as data: the field managers, and the commit when one was named. */
  source: ReleaseSource;
  spec: Record<string, unknown>;
  deploymentId: string | null;
  gitRevision: string | null;
}

interface ManagedFieldsEntry {
  manager?: string;
  subresource?: string;
  time?: string;
  fieldsV1?: Record<string, unknown>;
}

/**
 * The part of managedFields the functions below read, for a cache to keep instead of the whole (which can be the
 * largest part of an object): each entry's manager, subresource and time, and whether it holds spec fields and the
 * revision annotation.
 */
export function specWriters(managedFields: unknown[]): unknown[] {
  return (managedFields as ManagedFieldsEntry[]).map((e) => {
    const fields: Record<string, unknown> = {};
    if (e.fieldsV1 && "f:spec" in e.fieldsV1) fields["f:spec"] = {};
    if (ownsRevision(e)) fields["f:metadata"] = { "f:annotations": { [`f:${ANNOTATION_GIT_REVISION}`]: {} } };
    return {
      manager: e.manager,
      ...(e.subresource ? { subresource: e.subresource } : {}),
      time: e.time,
      fieldsV1: fields,
    };
  });
}

const ownsRevision = (e: ManagedFieldsEntry) => {
  const annotations = (e.fieldsV1?.["f:metadata"] as Record<string, Record<string, unknown>> | undefined)?.[
    "f:annotations"
  ];
  return Boolean(annotations && `f:${ANNOTATION_GIT_REVISION}` in annotations);
};

/** The managers of the newest write to the spec, by managedFields (several when they share its second). */
export function lastSpecWriters(managedFields: unknown[] | undefined): string[] {
  const entries = (managedFields ?? []) as ManagedFieldsEntry[];
  const writes = entries.filter(
    (e) => e.manager && e.subresource !== "status" && e.fieldsV1 && "f:spec" in e.fieldsV1 && e.time,
  );
  const newest = Math.max(...writes.map((e) => Date.parse(e.time ?? "")));
  return writes.filter((e) => Date.parse(e.time ?? "") === newest).map((e) => e.manager as string);
}

/** The managers that own the Git revision annotation. */
function revisionWriters(managedFields: unknown[] | undefined): string[] {
  return ((managedFields ?? []) as ManagedFieldsEntry[]).flatMap((e) =>
    e.manager && ownsRevision(e) ? [e.manager] : [],
  );
}

/** The release-worthy change an App snapshot shows, if it was made outside the API and the operator reported on it. */
export function externalChange(app: KubeObject): ExternalChange | undefined {
  if (app.kind !== "App" || !app.spec) return undefined;
  const status = (app.status ?? {}) as { observedGeneration?: number; deploymentId?: string };
  if (status.observedGeneration === undefined || status.observedGeneration !== app.metadata.generation)
    return undefined;
  const writers = lastSpecWriters(app.metadata.managedFields);
  if (writers.length === 0 || writers.some(isLocoWriter)) return undefined;
  const stamped = revisionWriters(app.metadata.managedFields).some((m) => writers.includes(m));
  const revision = stamped ? app.metadata.annotations?.[ANNOTATION_GIT_REVISION]?.trim().toLowerCase() : undefined;
  const managers = writers.sort();
  const gitRevision = revision && COMMIT.test(revision) ? revision : null;
  return {
    actor: managers.join(", "),
    source: externalSource(managers, gitRevision),
    spec: app.spec as Record<string, unknown>,
    deploymentId: status.deploymentId ?? null,
    gitRevision,
  };
}
