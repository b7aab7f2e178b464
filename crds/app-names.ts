// Every name and label the App reconciler gives its children, in one place.

export const FIELD_MANAGER = "loco-operator";
export const MANAGED_BY = "loco";

export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_TENANT = "loco.dev/tenant";
export const LABEL_PROFILE = "loco.dev/profile";
export const LABEL_APP = "loco.dev/app";
export const LABEL_PROJECT = "loco.dev/project";

export const ANNOTATION_DEPLOYMENT_ID = "loco.dev/deployment-id";
export const ANNOTATION_TEMPLATE_HASH = "loco.dev/template-hash";
export const ANNOTATION_DEPLOYED_AT = "loco.dev/deployed-at";
export const ANNOTATION_SECRET_HASH = "loco.dev/secret-hash";
/** Set by the API on the App so that `POST …/deployments` can return the id before the operator acts. */
export const ANNOTATION_REQUESTED_DEPLOYMENT_ID = "loco.dev/requested-deployment-id";
/**
 * Set in Git on an App synced by a GitOps tool, filled in by the tool at sync time (Argo CD's build environment:
 * $ARGOCD_APP_REVISION): the commit the App's spec came from, which the release recorded for the change names.
 */
export const ANNOTATION_GIT_REVISION = "loco.dev/git-revision";

/**
 * On a canary's pods instead of loco.dev/app, so that neither the stable Deployment nor the stable Service ever
 * selects them (ADR 0010); the canary Service selects it.
 */
export const LABEL_CANARY_OF = "loco.dev/canary-of";
/** Set by the API on the App to the canary's deployment id: promote that rollout now. */
export const ANNOTATION_ROLLOUT_PROMOTE = "loco.dev/rollout-promote";
/** Set by the API on the App to the canary's deployment id: abort that rollout (traffic back to stable). */
export const ANNOTATION_ROLLOUT_ABORT = "loco.dev/rollout-abort";

/** Selects loco's children in informers (children of every kind carry it). */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

export const CONTAINER_NAME = "app";

export const deploymentName = (app: string) => app;
export const serviceName = (app: string) => app;
export const httpRouteName = (app: string) => app;
export const grpcRouteName = (app: string) => app;
/** The canary Deployment and Service of an App whose rollout strategy is canary. */
export const canaryName = (app: string) => `${app}-canary`;
/** Blue-green's preview HTTPRoute or GRPCRoute, reaching the new version only (ADR 0012). */
export const previewName = (app: string) => `${app}-preview`;
export const trafficPolicyName = (app: string) => app;
export const autoscalerName = (app: string) => app;
/** Holds the App's secret values (`loco env set --secret`); the operator owns the object, the API its data. */
export const secretName = (app: string) => `${app}-secrets`;

/** LOCO_<APP>_URL: the app name upper-cased with '-' → '_'. */
export const discoveryVariable = (app: string) => `LOCO_${app.toUpperCase().replace(/-/g, "_")}_URL`;
