// What a deploy would do, computed without changing anything: the ownership plan (api/deploy/ownership-plan.ts),
// the split of a whole-spec manager's fields if one remains, and the App's spec as the apiserver would make it (a
// server-side dry-run apply: defaults, schema and CEL rules, other managers' fields kept). Both the deploy and its
// dry run (POST …/apps/{app}/diff) start here.
import type { AppSpec } from "../../crds/app.ts";
import { DEPLOY_FIELD_MANAGER, WHOLE_SPEC_FIELD_MANAGERS } from "../../crds/field-managers.ts";
import { APP } from "../../crds/kinds.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { ApiServices } from "../server.ts";
import { applyAs, ownersOf, plannedSplit } from "./app-writers.ts";
import type { LegacySplit } from "./legacy-split.ts";
import { type DeployPlan, deployPlan, envShare, scaleShare } from "./ownership-plan.ts";

export interface DeployPreview {
  live: KubeObject | undefined;
  plan: DeployPlan;
  split: LegacySplit | undefined;
  /** The App's spec after the deploy, as the apiserver would have it. */
  proposed: AppSpec;
}

type Named = { name: string };
const byName = <T extends Named>(first: T[] = [], second: T[] = []): T[] => {
  const names = new Set(first.map((e) => e.name));
  return [...first, ...second.filter((e) => !names.has(e.name))];
};

/**
 * A whole-spec manager still owns the spec: the deploy ends with it letting go, so its fields not in the union of
 * the new owners' shares go. A dry-run apply of that union as the old manager shows exactly that end state.
 */
function afterSplit(live: KubeObject, plan: DeployPlan, split: LegacySplit): Partial<AppSpec> {
  const liveSpec = live.spec as Partial<AppSpec>;
  const owners = ownersOf(live);
  const env = split.env ?? envShare(liveSpec, owners.env);
  const scale = split.scale ?? scaleShare(liveSpec, owners.scale);
  const union: Partial<AppSpec> = structuredClone(plan.spec);
  const plain = byName(union.env, env.env);
  const secret = byName(union.secretEnv, env.secretEnv);
  if (plain.length > 0) union.env = plain;
  if (secret.length > 0) union.secretEnv = secret;
  if (scale.replicas !== undefined && union.replicas === undefined && union.autoscale === undefined)
    union.replicas = scale.replicas;
  if (scale.resources) union.resources = { ...scale.resources, ...union.resources } as AppSpec["resources"];
  return union;
}

const wholeSpecApplier = (live: KubeObject) =>
  ((live.metadata.managedFields ?? []) as { manager?: string; operation?: string; subresource?: string }[]).find(
    (e) => e.manager && WHOLE_SPEC_FIELD_MANAGERS.includes(e.manager) && e.operation === "Apply" && !e.subresource,
  )?.manager;

export async function previewDeploy(
  services: ApiServices,
  request: { namespace: string | undefined; app: string; spec: AppSpec; force: boolean },
): Promise<DeployPreview> {
  const { kube, config } = services;
  const { namespace, app, spec, force } = request;
  const live = namespace ? await kube.find<KubeObject>(APP, namespace, app) : undefined;
  const owners = ownersOf(live);
  const plan = deployPlan(spec, live?.spec as Partial<AppSpec> | undefined, owners.env, owners.scale, force);
  const split = live ? plannedSplit(live, spec) : undefined;
  // The tenant never used this profile: nothing to compare with, and the namespace is not made for a dry run.
  if (!namespace) return { live, plan, split, proposed: plan.spec };
  const ref = { name: app, namespace };
  const oldManager = live && split ? wholeSpecApplier(live) : undefined;
  const dryRun =
    live && split && oldManager
      ? await applyAs(kube, oldManager, ref, afterSplit(live, plan, split), { dryRun: true })
      : await applyAs(kube, DEPLOY_FIELD_MANAGER, ref, plan.spec, { labels: config.objectLabels, dryRun: true });
  return { live, plan, split, proposed: dryRun.spec as AppSpec };
}
