// A tenant's namespace per Profile, `<tenant>-<profile>`, with its parents: the API's own RoleBinding (its rights
// inside tenant namespaces), ResourceQuota, LimitRange, the viewers' RoleBinding and NetworkPolicy. The namespace
// carries the Pod Security Admission labels of the Profile's level (spec.podSecurity, restricted by default), the
// level the operator builds App and Run pods to pass (operator/reconcilers/pod-security.ts). Builders are pure;
// `ensureTenantNamespace` applies them (field manager loco-api). Every object carries app.kubernetes.io/managed-by=loco,
// which is how the operator mirrors them and the resurrector restores them.
//
// `<tenant>-<profile>` is injective only for tenants that follow the tenant-name rule (no '-'; crds/common.ts).
// Tenants created before it may collide with another tenant's namespace, so a namespace that exists with another
// tenant label (or none) is never written: the caller hears only that the profile is unavailable.

import type { PodSecurityLevel } from "../crds/profile.ts";
import type { KubeClient } from "../kube/kube-client.ts";
import { LIMIT_RANGE, NAMESPACE, NETWORK_POLICY, RESOURCE_QUOTA, ROLE_BINDING } from "../kube/resources.ts";
import type { KubeObject } from "../kube/types.ts";
import { ApiError } from "./errors.ts";

export const FIELD_MANAGER = "loco-api";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_TENANT = "loco.dev/tenant";
export const LABEL_PROFILE = "loco.dev/profile";
export const QUOTA_NAME = "loco-tenant-quota";
export const LIMIT_RANGE_NAME = "loco-tenant-defaults";
export const ROLE_BINDING_NAME = "loco-tenant-viewers";
/** Binds the API's tenant ClusterRole (Secrets, pod logs) to the API's ServiceAccount in the namespace. */
export const API_ROLE_BINDING_NAME = "loco-api";
export const NETWORK_POLICY_NAME = "loco-tenant-isolation";

export const tenantNamespace = (tenant: string, profile: string) => `${tenant}-${profile}`;
/** The group a tenant's users carry in their cluster credentials (OIDC groups mapped by the platform). */
export const tenantGroup = (tenant: string) => `loco:tenant:${tenant}`;

/**
 * The API's rights inside tenant namespaces: the chart's `<release>-api-tenant` ClusterRole, bound to the API's
 * ServiceAccount by a RoleBinding in each tenant namespace (never cluster-wide). Unset outside a cluster (the API then
 * runs with its kubeconfig's rights).
 */
export interface ApiAccess {
  clusterRole: string;
  serviceAccount: { namespace: string; name: string };
}

export interface TenantNamespaceInput {
  tenant: string;
  profile: string;
  /** Namespace of the Profile's Gateway: the only other namespace allowed to reach the tenant's pods. */
  gatewayNamespace: string | undefined;
  quota: Record<string, string>;
  /**
   * Requests a container gets when it sets none (LimitRange defaultRequest): a quota on requests.cpu/memory refuses
   * every pod without them — a task or App that leaves resources out would never start.
   */
  defaultRequests: Record<string, string>;
  extraLabels: Record<string, string>;
  /** The Profile's Pod Security Standard level, enforced on the namespace (crds/profile.ts podSecurityOf). */
  podSecurity: PodSecurityLevel;
  apiAccess?: ApiAccess | undefined;
}

/**
 * Pod Security Admission labels: the apiserver refuses a pod that breaks `level`, and warns and audits the same.
 * `latest` follows the cluster's version of the standard.
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ["enforce", "warn", "audit"]) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = "latest";
  }
  return labels;
}

/** The Namespace object itself: the tenant's labels and the Profile's Pod Security Admission labels. */
export function tenantNamespaceObject(
  input: Pick<TenantNamespaceInput, "tenant" | "profile" | "extraLabels" | "podSecurity">,
): KubeObject {
  const labels = tenantLabels(input.tenant, input.profile, input.extraLabels);
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: tenantNamespace(input.tenant, input.profile),
      labels: { ...labels, ...podSecurityLabels(input.podSecurity) },
    },
  };
}

/** The Profile's defaults (what Apps get when they set no resources) over the platform's default requests. */
export function defaultRequestsFor(profileSpec: unknown, platform: Record<string, string>): Record<string, string> {
  const defaults = (profileSpec as { defaults?: { cpu?: string | number; memory?: string | number } } | null)?.defaults;
  return {
    ...platform,
    ...(defaults?.cpu !== undefined ? { cpu: String(defaults.cpu) } : {}),
    ...(defaults?.memory !== undefined ? { memory: String(defaults.memory) } : {}),
  };
}

/** The namespace and its parents, in the order they are applied. */
/** The labels of a tenant namespace and of every parent the API applies in it. */
export function tenantLabels(
  tenant: string,
  profile: string,
  extraLabels: Record<string, string>,
): Record<string, string> {
  return { ...extraLabels, [LABEL_MANAGED_BY]: "loco", [LABEL_TENANT]: tenant, [LABEL_PROFILE]: profile };
}

export function tenantNamespaceObjects(input: TenantNamespaceInput): KubeObject[] {
  const namespace = tenantNamespace(input.tenant, input.profile);
  const labels = tenantLabels(input.tenant, input.profile, input.extraLabels);
  const meta = (name: string) => ({ name, namespace, labels });
  const fromGateway = input.gatewayNamespace
    ? [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": input.gatewayNamespace } } }] }]
    : [];
  return [
    tenantNamespaceObject(input),
    // Right after the namespace: the authorizer learns of it while the other parents are applied.
    ...(input.apiAccess ? [apiRoleBinding(namespace, labels, input.apiAccess)] : []),
    { apiVersion: "v1", kind: "ResourceQuota", metadata: meta(QUOTA_NAME), spec: { hard: input.quota } },
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: meta(LIMIT_RANGE_NAME),
      spec: { limits: [{ type: "Container", defaultRequest: input.defaultRequests }] },
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(ROLE_BINDING_NAME),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: tenantGroup(input.tenant) }],
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(NETWORK_POLICY_NAME),
      spec: {
        podSelector: {},
        policyTypes: ["Ingress"],
        ingress: [{ from: [{ podSelector: {} }] }, ...fromGateway],
      },
    },
  ];
}

/** The RoleBinding that gives the API its tenant ClusterRole in `namespace`. */
export function apiRoleBinding(namespace: string, labels: Record<string, string>, access: ApiAccess): KubeObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: API_ROLE_BINDING_NAME, namespace, labels },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: access.clusterRole },
    subjects: [{ kind: "ServiceAccount", ...access.serviceAccount }],
  };
}

/**
 * What a caller hears when the tenant cannot use a profile: the Profile does not exist, or its namespace for this
 * tenant exists and is not the tenant's. One answer for both, naming neither the namespace nor whom it belongs to.
 */
export function profileUnavailable(profile: string): ApiError {
  return new ApiError(
    "InvalidRequest",
    `Profile "${profile}" is not available to this tenant; list the profiles (\`loco profile ls\`, or GET /v1/profiles), or ask a platform admin.`,
    { errors: [{ field: "query.profile", message: "unavailable profile" }] },
  );
}

const resourceOf = {
  Namespace: NAMESPACE,
  ResourceQuota: RESOURCE_QUOTA,
  LimitRange: LIMIT_RANGE,
  RoleBinding: ROLE_BINDING,
  NetworkPolicy: NETWORK_POLICY,
};

/**
 * Applies the tenant's namespace for a Profile. A namespace of that name that is not this tenant's (another
 * tenant's, or one loco does not manage) is never written: the profile is unavailable to this tenant. (The chart's
 * admission policy refuses the same to the API's ServiceAccount, should two requests race.)
 */
export async function ensureTenantNamespace(kube: KubeClient, input: TenantNamespaceInput): Promise<string> {
  const name = tenantNamespace(input.tenant, input.profile);
  const existing = await kube.find(NAMESPACE, undefined, name);
  if (existing && existing.metadata.labels?.[LABEL_TENANT] !== input.tenant) throw profileUnavailable(input.profile);
  for (const object of tenantNamespaceObjects(input)) {
    await kube.apply(resourceOf[object.kind as keyof typeof resourceOf], object, FIELD_MANAGER);
  }
  return name;
}

/** The tenant's namespace for a profile when it exists and is the tenant's; undefined otherwise. */
export async function findTenantNamespace(
  kube: KubeClient,
  tenant: string,
  profile: string,
): Promise<string | undefined> {
  const name = tenantNamespace(tenant, profile);
  const existing = await kube.find(NAMESPACE, undefined, name);
  return existing?.metadata.labels?.[LABEL_TENANT] === tenant ? name : undefined;
}
