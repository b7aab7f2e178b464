// App reconcile orchestration: read the world from the caches, decide (profile, limits, routes, deployment id),
// build the desired children with the pure builders, apply what differs, prune what is no longer wanted, and
// report status. Level-triggered: it never looks at which event caused it.
import { createHash } from "node:crypto";
import type { App } from "../../../crds/app.ts";
import {
  ANNOTATION_DEPLOYED_AT,
  ANNOTATION_DEPLOYMENT_ID,
  ANNOTATION_REQUESTED_DEPLOYMENT_ID,
  ANNOTATION_TEMPLATE_HASH,
  FIELD_MANAGER,
  LABEL_APP,
  LABEL_TENANT,
  secretName,
} from "../../../crds/app-names.ts";
import { ConditionType } from "../../../crds/conditions.ts";
import { APP } from "../../../crds/kinds.ts";
import type { Profile } from "../../../crds/profile.ts";
import type { KubeClient } from "../../../kube/kube-client.ts";
import type { Logger } from "../../../kube/logger.ts";
import {
  BACKEND_TRAFFIC_POLICY,
  DEPLOYMENT,
  GRPC_ROUTE,
  HPA,
  HTTP_ROUTE,
  SECRET,
  SERVICE,
} from "../../../kube/resources.ts";
import { type KubeObject, keyOf, type ObjectKey, type ResourceType, splitKey } from "../../../kube/types.ts";
import type { WorldCaches } from "../../caches.ts";
import {
  applyChild,
  type ChildContext,
  type ChildResult,
  ownerReferenceTo,
  pruneChildren,
} from "../../runtime/children.ts";
import { type Condition, type ConditionInput, setCondition, summarize } from "../../runtime/conditions.ts";
import type { EventRecorder } from "../../runtime/events.ts";
import type { Informer } from "../../runtime/informer.ts";
import { applyStatusIfChanged } from "../../runtime/status.ts";
import {
  type AppInputs,
  appUrls,
  desiredAutoscaler,
  desiredDeployment,
  desiredGrpcRoute,
  desiredHttpRoute,
  desiredSecret,
  desiredService,
  desiredTrafficPolicy,
  type GrantedRoutes,
  limitViolation,
  protocolsWithoutDefaultHostname,
  type Rollout,
  requestedGrpcServices,
  requestedHostnames,
  templateHash,
} from "./desired.ts";
import { type Claim, claimRank, RouteClaims } from "./route-claims.ts";

export type AppObject = App & KubeObject;
type ProfileObject = Profile & KubeObject;

/** The App's conditions, from the shared vocabulary in crds/conditions.ts. */
export const AppCondition = {
  ProfileResolved: ConditionType.ProfileResolved,
  DeploymentReady: ConditionType.DeploymentReady,
  RoutesReady: ConditionType.RoutesReady,
  Ready: ConditionType.Ready,
} as const;

const DEPENDENTS = [AppCondition.ProfileResolved, AppCondition.DeploymentReady, AppCondition.RoutesReady];

export interface AppReconcilerDeps {
  client: KubeClient;
  caches: WorldCaches;
  events: EventRecorder;
  log: Logger;
  /** Impure inputs, injected so tests can pin them. */
  now: () => Date;
  newDeploymentId: () => string;
  /** Reconcile other Apps whose route outcome may have changed. */
  enqueue: (key: ObjectKey) => void;
}

interface ChildPlan {
  resource: ResourceType;
  cache: Informer;
  existence?: Informer;
  desired: KubeObject | undefined;
}

/** Index of Apps by `namespace/project`, for LOCO_<APP>_URL discovery. */
export const PROJECT_INDEX = "namespace-project";
export const projectIndex = (app: KubeObject): string[] => {
  const project = (app as AppObject).spec?.project;
  return project ? [`${app.metadata.namespace}/${project}`] : [];
};
/** Index of Apps by the Profile they use. */
export const PROFILE_INDEX = "profile";
export const profileIndex = (app: KubeObject): string[] => [(app as AppObject).spec?.profile ?? ""];

export function secretDigest(secret: KubeObject | undefined, keys: string[]): string | undefined {
  if (keys.length === 0) return undefined;
  const data = (secret?.data ?? {}) as Record<string, string>;
  const material = [...new Set(keys)]
    .sort()
    .map((key) => `${key}=${data[key] ?? ""}`)
    .join("\n");
  return createHash("sha256").update(material).digest("hex").slice(0, 16);
}

/**
 * DeploymentReady: the Deployment runs the current pod template, every replica is of it, and enough are
 * available — at least `minimum` (an autoscaled App's min, which the HPA enforces shortly after creation).
 */
export function deploymentCondition(
  deployment: KubeObject | undefined,
  deploymentId: string,
  minimum = 0,
): ConditionInput {
  const type = AppCondition.DeploymentReady;
  const status = (deployment?.status ?? {}) as {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
  const spec = (deployment?.spec ?? {}) as { replicas?: number };
  if (!deployment)
    return { type, status: "Unknown", reason: "Progressing", message: "Waiting for the Deployment to be created." };
  if ((status.observedGeneration ?? 0) < (deployment.metadata.generation ?? 0)) {
    return { type, status: "Unknown", reason: "Progressing", message: `Rolling out deployment ${deploymentId}.` };
  }
  const progressing = status.conditions?.find((c) => c.type === "Progressing");
  if (progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    return {
      type,
      status: "False",
      reason: "ProgressDeadlineExceeded",
      message: `Deployment ${deploymentId} made no progress for 10 minutes: ${progressing.message ?? ""}`.trim(),
    };
  }
  const wanted = Math.max(spec.replicas ?? 1, minimum);
  const updated = status.updatedReplicas ?? 0;
  const available = status.availableReplicas ?? 0;
  const total = status.replicas ?? 0;
  if (updated >= wanted && total === updated && available >= wanted) {
    return {
      type,
      status: "True",
      reason: "Available",
      message: `Deployment ${deploymentId} is available with ${available} replica(s).`,
    };
  }
  return {
    type,
    status: "Unknown",
    reason: "Progressing",
    message: `Rolling out deployment ${deploymentId}: ${Math.min(updated, available)} of ${wanted} new replica(s) available${total > updated ? `, ${total - updated} old replica(s) still running` : ""}.`,
  };
}

/** "A", "A and B", "A, B and C". */
function listOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

export function createAppReconciler(deps: AppReconcilerDeps) {
  const { client, caches, events, log } = deps;
  const claims = new RouteClaims();

  const claimsOf = (routes: GrantedRoutes, app: AppObject): Claim[] => [
    ...routes.http.map((host): Claim => ({ protocol: "http", host, service: "*" })),
    ...routes.grpc.flatMap((host) =>
      requestedGrpcServices(app.spec).map((service): Claim => ({ protocol: "grpc", host, service })),
    ),
  ];

  const resolveProfile = (app: AppObject) => caches.profiles.get(app.spec.profile) as ProfileObject | undefined;
  /** The tenant an App's namespace belongs to; a namespace without a tenant label stands for itself. */
  const tenantOf = (namespace: string) => {
    const label = caches.namespaces.get(namespace)?.metadata.labels?.[LABEL_TENANT];
    return label === undefined ? { tenant: namespace, tenantIsNamespaceName: true } : { tenant: label };
  };

  /** What the App claims under its Profile (nothing while the Profile is missing). */
  function claimsFor(app: AppObject, profile: ProfileObject | undefined): Claim[] {
    if (!profile) return [];
    const requested = requestedHostnames({
      app: { name: app.metadata.name ?? "", namespace: app.metadata.namespace ?? "", uid: "" },
      spec: app.spec,
      profile: profile.spec,
      ...tenantOf(app.metadata.namespace ?? ""),
      profileName: app.spec.profile,
    });
    return claimsOf(requested, app);
  }

  /** Records an App's route claims (no writes) and reconciles again the Apps whose outcome that may change. */
  function recordClaims(app: AppObject, profile: ProfileObject | undefined): void {
    const key = keyOf(app);
    const affected = claims.update(key, claimRank(app.metadata.creationTimestamp, key), claimsFor(app, profile));
    for (const other of affected) deps.enqueue(other);
  }

  /** Registers every App's claims before the first reconcile, so the oldest App wins from the start. */
  function primeClaims(): void {
    for (const app of caches.apps.list() as AppObject[]) {
      const key = keyOf(app);
      claims.update(key, claimRank(app.metadata.creationTimestamp, key), claimsFor(app, resolveProfile(app)));
    }
  }

  async function writeStatus(app: AppObject, conditions: Condition[], extra: Record<string, unknown>): Promise<void> {
    const now = deps.now().toISOString();
    let list = [...conditions];
    const summary = summarize(list, AppCondition.Ready, DEPENDENTS, {
      reason: "Available",
      message: "The App is serving its current deployment.",
    });
    list = setCondition(list, summary, app.metadata.generation, now);
    const status = { ...extra, observedGeneration: app.metadata.generation, conditions: list };
    const previousReady = app.status?.conditions?.find((c) => c.type === AppCondition.Ready);
    if (await applyStatusIfChanged(client, APP, app, status, FIELD_MANAGER)) {
      if (previousReady?.reason !== summary.reason && summary.status === "False") {
        events.record(app, "Warning", summary.reason, summary.message);
      }
    }
  }

  function withConditions(app: AppObject, inputs: ConditionInput[]): Condition[] {
    const now = deps.now().toISOString();
    let list = (app.status?.conditions ?? []) as Condition[];
    for (const input of inputs) list = setCondition(list, input, app.metadata.generation, now);
    return list;
  }

  async function reconcile(key: ObjectKey): Promise<void> {
    const app = caches.apps.get(key) as AppObject | undefined;
    if (!app || app.metadata.deletionTimestamp) {
      // Children go by garbage collection (ownerReferences); only the in-memory claims need forgetting.
      for (const other of claims.remove(key)) deps.enqueue(other);
      return;
    }
    const { namespace, name } = splitKey(key);
    if (!namespace) return;
    const spec = app.spec;
    const previousStatus = (app.status ?? {}) as Record<string, unknown>;
    const keep = {
      deploymentId: previousStatus.deploymentId,
      url: previousStatus.url,
      urls: previousStatus.urls,
      replicas: previousStatus.replicas,
      readyReplicas: previousStatus.readyReplicas,
      selector: `${LABEL_APP}=${name}`,
      image: previousStatus.image,
      lastDeployTime: previousStatus.lastDeployTime,
    };
    const strip = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

    if (spec.paused) {
      await writeStatus(
        app,
        withConditions(app, [
          {
            type: AppCondition.DeploymentReady,
            status: "Unknown",
            reason: "Paused",
            message: "The App is paused: loco leaves its Deployment and routes as they are.",
          },
        ]),
        strip(keep),
      );
      return;
    }

    const profile = resolveProfile(app);
    recordClaims(app, profile);
    if (!profile) {
      await writeStatus(
        app,
        withConditions(app, [
          {
            type: AppCondition.ProfileResolved,
            status: "False",
            reason: "ProfileNotFound",
            message: `Profile "${spec.profile}" does not exist; create it or set spec.profile to one of: ${caches.profiles.keys().join(", ") || "(none yet)"}.`,
          },
        ]),
        strip(keep),
      );
      return;
    }
    const profileOk: ConditionInput = {
      type: AppCondition.ProfileResolved,
      status: "True",
      reason: "Resolved",
      message: `Using profile ${spec.profile}.`,
    };
    const violation = limitViolation(spec, profile.spec);
    if (violation) {
      await writeStatus(
        app,
        withConditions(app, [
          profileOk,
          { type: AppCondition.DeploymentReady, status: "False", reason: violation.reason, message: violation.message },
        ]),
        strip(keep),
      );
      return;
    }

    const tenant = tenantOf(namespace);
    const hostnameInputs = {
      app: { name, namespace, uid: app.metadata.uid ?? "" },
      spec,
      profile: profile.spec,
      ...tenant,
      profileName: spec.profile,
    };
    const requested = requestedHostnames(hostnameInputs);
    const withoutDefault = protocolsWithoutDefaultHostname(hostnameInputs);
    const denials = claims.denials(key);
    const deniedHosts = (protocol: "http" | "grpc") =>
      new Set(denials.filter((d) => d.claim.protocol === protocol).map((d) => d.claim.host));
    const granted: GrantedRoutes = {
      http: requested.http.filter((h) => !deniedHosts("http").has(h)),
      grpc: requested.grpc.filter((h) => !deniedHosts("grpc").has(h)),
    };
    const siblings = caches.apps
      .byIndex(PROJECT_INDEX, `${namespace}/${spec.project ?? ""}`)
      .filter(() => spec.project !== undefined)
      .map((other) => ({ name: other.metadata.name ?? "", port: ((other as AppObject).spec.ports ?? [])[0]?.port }));
    const secretKeys = (spec.secretEnv ?? []).map((s) => s.secretKey);
    const inputs: AppInputs = {
      app: { name, namespace, uid: app.metadata.uid ?? "" },
      spec,
      profileName: spec.profile,
      profile: profile.spec,
      ...tenant,
      owner: ownerReferenceTo(app),
      siblings,
      routes: granted,
      secretHash: secretDigest(caches.secrets.get(`${namespace}/${secretName(name)}`), secretKeys),
    };

    // A new deployment (and id) exactly when the effective pod template changes.
    const hash = templateHash(inputs);
    const context: ChildContext = { client, fieldManager: FIELD_MANAGER, owner: app };
    const liveDeployment = caches.deployments.get(key) ?? caches.existing.deployments.get(key);
    const liveAnnotations = liveDeployment?.metadata.annotations ?? {};
    const ours = liveDeployment?.metadata.ownerReferences?.some((r) => r.controller && r.uid === app.metadata.uid);
    let rollout: Rollout;
    if (ours && liveAnnotations[ANNOTATION_TEMPLATE_HASH] === hash && liveAnnotations[ANNOTATION_DEPLOYMENT_ID]) {
      rollout = {
        deploymentId: liveAnnotations[ANNOTATION_DEPLOYMENT_ID],
        deployedAt: liveAnnotations[ANNOTATION_DEPLOYED_AT] ?? "",
      };
    } else {
      const requestedId = app.metadata.annotations?.[ANNOTATION_REQUESTED_DEPLOYMENT_ID];
      const fresh =
        requestedId &&
        requestedId !== liveAnnotations[ANNOTATION_DEPLOYMENT_ID] &&
        /^[0-9A-HJKMNP-TV-Z]{26}$/.test(requestedId);
      rollout = { deploymentId: fresh ? requestedId : deps.newDeploymentId(), deployedAt: deps.now().toISOString() };
    }

    const plans: ChildPlan[] = [
      { resource: SECRET, cache: caches.secrets, existence: caches.existing.secrets, desired: desiredSecret(inputs) },
      {
        resource: DEPLOYMENT,
        cache: caches.deployments,
        existence: caches.existing.deployments,
        desired: desiredDeployment(inputs, rollout),
      },
      {
        resource: SERVICE,
        cache: caches.services,
        existence: caches.existing.services,
        desired: desiredService(inputs),
      },
      {
        resource: HTTP_ROUTE,
        cache: caches.httpRoutes,
        existence: caches.existing.httpRoutes,
        desired: desiredHttpRoute(inputs),
      },
      {
        resource: GRPC_ROUTE,
        cache: caches.grpcRoutes,
        existence: caches.existing.grpcRoutes,
        desired: desiredGrpcRoute(inputs),
      },
      {
        resource: BACKEND_TRAFFIC_POLICY,
        cache: caches.trafficPolicies,
        existence: caches.existing.trafficPolicies,
        desired: desiredTrafficPolicy(inputs),
      },
      {
        resource: HPA,
        cache: caches.autoscalers,
        existence: caches.existing.autoscalers,
        desired: desiredAutoscaler(inputs),
      },
    ];
    const results = new Map<ResourceType, ChildResult>();
    const notOwned: string[] = [];
    const created: string[] = [];
    const updated: string[] = [];
    const deleted: string[] = [];
    for (const plan of plans) {
      if (plan.desired) {
        const result = await applyChild(context, plan.resource, plan.cache, plan.desired, plan.existence);
        results.set(plan.resource, result);
        if (result.outcome === "NotOwned") notOwned.push(`${plan.resource.kind} ${plan.desired.metadata.name}`);
        else if (result.outcome !== "Unchanged") {
          log.info(
            { app: key, kind: plan.resource.kind, name: plan.desired.metadata.name, outcome: result.outcome },
            `${result.outcome} ${plan.resource.kind}`,
          );
          (result.outcome === "Created" ? created : updated).push(plan.resource.kind);
        }
      }
      const wanted = new Set(plan.desired ? [keyOf(plan.desired)] : []);
      for (const pruned of await pruneChildren(context, plan.resource, plan.cache, wanted)) {
        log.info({ app: key, kind: plan.resource.kind, name: pruned }, `Deleted ${plan.resource.kind}`);
        deleted.push(plan.resource.kind);
      }
    }
    // One event per reconcile that changed something, not one per child: events are writes too.
    const changes = [
      ["Created", created],
      ["Updated", updated],
      ["Deleted", deleted],
    ] as const;
    const summaryParts = changes
      .filter(([, kinds]) => kinds.length > 0)
      .map(([verb, kinds]) => `${verb} ${listOf(kinds)}`);
    if (summaryParts.length > 0) {
      const reason = changes.find(([, kinds]) => kinds.length > 0)?.[0] ?? "Updated";
      events.record(app, "Normal", reason, `${summaryParts.join("; ")} for deployment ${rollout.deploymentId}.`);
    }

    const deploymentResult = results.get(DEPLOYMENT);
    const deploymentReady: ConditionInput =
      deploymentResult?.outcome === "NotOwned"
        ? {
            type: AppCondition.DeploymentReady,
            status: "False",
            reason: "NotOwned",
            message: `Deployment ${name} exists but is not managed by this App; delete or rename it and loco will create its own.`,
          }
        : deploymentCondition(deploymentResult?.live, rollout.deploymentId, spec.autoscale?.min ?? 0);
    const routeNotOwned = notOwned.filter((n) => !n.startsWith("Deployment "));
    const routesReady: ConditionInput =
      withoutDefault.length > 0
        ? {
            type: AppCondition.RoutesReady,
            status: "False",
            reason: "NoDefaultHostname",
            message: `This tenant's name contains '-', so loco gives its Apps no default hostname (it could be another tenant's); set spec.routes.${withoutDefault[0]}.hostnames to the hostnames to serve.`,
          }
        : denials.length > 0
          ? {
              type: AppCondition.RoutesReady,
              status: "False",
              reason: "RouteConflict",
              message: `${denials.map((d) => `${d.claim.protocol === "grpc" && d.claim.service !== "*" ? `${d.claim.host} (${d.claim.service})` : d.claim.host} is already served by App ${d.holder}`).join("; ")}; choose another hostname in spec.routes.`,
            }
          : routeNotOwned.length > 0
            ? {
                type: AppCondition.RoutesReady,
                status: "False",
                reason: "NotOwned",
                message: `${routeNotOwned.join(", ")} exist(s) but are not managed by this App; delete or rename them.`,
              }
            : granted.http.length + granted.grpc.length === 0
              ? {
                  type: AppCondition.RoutesReady,
                  status: "True",
                  reason: "NoRoutes",
                  message: "The App has no ports to route to.",
                }
              : {
                  type: AppCondition.RoutesReady,
                  status: "True",
                  reason: "Routed",
                  message: `Routed ${[...granted.http, ...granted.grpc].join(", ")} through gateway ${profile.spec.gateway.namespace}/${profile.spec.gateway.name}.`,
                };

    const liveStatus = (deploymentResult?.live?.status ?? {}) as { replicas?: number; readyReplicas?: number };
    const urls = appUrls(granted, spec);
    await writeStatus(
      app,
      withConditions(app, [profileOk, deploymentReady, routesReady]),
      strip({
        deploymentId: rollout.deploymentId,
        url: urls[0],
        urls: urls.length > 0 ? urls : undefined,
        replicas: liveStatus.replicas ?? 0,
        readyReplicas: liveStatus.readyReplicas ?? 0,
        selector: `${LABEL_APP}=${name}`,
        image: spec.image,
        lastDeployTime: rollout.deployedAt || undefined,
      }),
    );
  }

  return { reconcile, primeClaims, claims };
}
