// The API's writes of an App, one field manager per writer (crds/field-managers.ts): an apply as one manager, the
// split of a whole-spec manager's fields among them (api/deploy/legacy-split.ts), and letting that manager go.

import type { AppSpec } from "../../crds/app.ts";
import { ANNOTATION_REQUESTED_DEPLOYMENT_ID } from "../../crds/app-names.ts";
import {
  DEPLOY_FIELD_MANAGER,
  ENV_FIELD_MANAGER,
  SCALE_FIELD_MANAGER,
  WHOLE_SPEC_FIELD_MANAGERS,
} from "../../crds/field-managers.ts";
import { APP } from "../../crds/kinds.ts";
import { ANNOTATION_REQUESTED_BY } from "../../db/timeline.ts";
import { KubeApiError, type KubeClient, resourcePath } from "../../kube/kube-client.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { ApiServices } from "../server.ts";
import { appObject } from "./app-object.ts";
import { specOwnership } from "./field-owners.ts";
import { type LegacySplit, legacySplit } from "./legacy-split.ts";
import { shareSpec } from "./ownership-plan.ts";

export interface AppRef {
  name: string;
  namespace: string;
}

export interface ApplyOptions {
  labels?: Record<string, string> | undefined;
  requested?: { deploymentId: string; by: string } | undefined;
  annotations?: Record<string, string> | undefined;
  resourceVersion?: string | undefined;
  /** Nothing is stored: the apiserver answers with the App as it would be. */
  dryRun?: boolean;
}

/** Server-side apply (forced) of `spec` as `manager`: it owns exactly what it sends. */
export function applyAs(
  kube: KubeClient,
  manager: string,
  ref: AppRef,
  spec: Partial<AppSpec> | undefined,
  options: ApplyOptions = {},
): Promise<KubeObject> {
  return kube.request<KubeObject>("PATCH", resourcePath(APP, ref.namespace, ref.name), {
    body: appObject({ ...ref, ...options, spec }),
    contentType: "application/apply-patch+yaml",
    query: {
      fieldManager: manager,
      force: true,
      fieldValidation: "Strict",
      ...(options.dryRun ? { dryRun: "All" } : {}),
    },
  });
}

/** The owners of an App's spec as its managedFields say: the three writers, and any whole-spec manager. */
export function ownersOf(app: KubeObject | undefined) {
  const fields = app?.metadata.managedFields;
  return {
    env: specOwnership(fields, [ENV_FIELD_MANAGER]),
    scale: specOwnership(fields, [SCALE_FIELD_MANAGER]),
    legacy: specOwnership(fields, WHOLE_SPEC_FIELD_MANAGERS),
  };
}

/** How a whole-spec manager's fields would be split, or undefined when none owns any of the spec. */
export function plannedSplit(app: KubeObject, declared: AppSpec | undefined): LegacySplit | undefined {
  const owners = ownersOf(app);
  if (!owners.legacy.spec) return undefined;
  return legacySplit((app.spec ?? {}) as Partial<AppSpec>, owners.legacy, owners, declared);
}

/**
 * Hands the whole-spec manager's fields to the env, scale and deploy managers, with their live values (nothing
 * changes, no rollout), then has it let go. The caller's own write comes after, as the only change.
 */
export async function splitOwnership(services: ApiServices, app: KubeObject, split: LegacySplit): Promise<void> {
  const { kube, config } = services;
  const ref = { name: app.metadata.name ?? "", namespace: app.metadata.namespace ?? "" };
  if (split.env) await applyAs(kube, ENV_FIELD_MANAGER, ref, shareSpec(split.env));
  if (split.scale) await applyAs(kube, SCALE_FIELD_MANAGER, ref, shareSpec(split.scale));
  const annotations = app.metadata.annotations ?? {};
  const id = annotations[ANNOTATION_REQUESTED_DEPLOYMENT_ID];
  const by = annotations[ANNOTATION_REQUESTED_BY];
  await applyAs(kube, DEPLOY_FIELD_MANAGER, ref, split.deploy, {
    labels: config.objectLabels,
    requested: id && by ? { deploymentId: id, by } : undefined,
  });
  await releaseWholeSpecManagers(kube, ref);
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  subresource?: string;
}

/**
 * An empty apply as each whole-spec manager, so that it owns nothing and the fields only it held go. An entry it
 * wrote by create or update (not apply) is not released that way; it is dropped from managedFields.
 */
async function releaseWholeSpecManagers(kube: KubeClient, ref: AppRef): Promise<void> {
  const isWholeSpec = (entry: ManagedFieldsEntry) =>
    entry.manager !== undefined && WHOLE_SPEC_FIELD_MANAGERS.includes(entry.manager) && !entry.subresource;
  const before = await kube.get<KubeObject>(APP, ref.namespace, ref.name);
  const applied = new Set(
    ((before.metadata.managedFields ?? []) as ManagedFieldsEntry[])
      .filter((e) => isWholeSpec(e) && e.operation === "Apply")
      .map((e) => e.manager as string),
  );
  for (const manager of applied) await applyAs(kube, manager, ref, undefined);
  await dropManagers(kube, ref, WHOLE_SPEC_FIELD_MANAGERS);
}

/**
 * Drops the named managers' entries from the App's managedFields (a json patch carrying the read resourceVersion as
 * a precondition, as client-go's csaupgrade does), leaving the fields they alone held unowned rather than removed.
 * A concurrent write (the operator's status updates) re-reads and retries.
 */
/** Attempts of a write whose resourceVersion precondition the operator's status writes keep moving. */
export const CONFLICT_ATTEMPTS = 8;

/**
 * Waits before retrying such a write: a random, growing while, so that a retry does not meet the same burst of
 * status writes again (five immediate retries all lost during a rollout on a loaded machine).
 */
export const conflictBackoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(40 * 2 ** attempt, 1000)));

export async function dropManagers(kube: KubeClient, ref: AppRef, managers: readonly string[]): Promise<void> {
  const dropped = (e: ManagedFieldsEntry) => e.manager !== undefined && managers.includes(e.manager) && !e.subresource;
  for (let attempt = 1; ; attempt++) {
    const app = await kube.get<KubeObject>(APP, ref.namespace, ref.name);
    const entries = (app.metadata.managedFields ?? []) as ManagedFieldsEntry[];
    if (!entries.some(dropped)) return;
    try {
      await kube.request("PATCH", resourcePath(APP, ref.namespace, ref.name), {
        body: [
          { op: "replace", path: "/metadata/resourceVersion", value: app.metadata.resourceVersion },
          { op: "replace", path: "/metadata/managedFields", value: entries.filter((e) => !dropped(e)) },
        ],
        contentType: "application/json-patch+json",
      });
      return;
    } catch (error) {
      if (!(error instanceof KubeApiError && error.isConflict) || attempt >= CONFLICT_ATTEMPTS) throw error;
      await conflictBackoff(attempt);
    }
  }
}
