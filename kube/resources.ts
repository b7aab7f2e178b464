// Every Kubernetes kind a loco process reads or writes, declared once with its REST coordinates (static: no
// discovery round trips).
import type { ResourceType } from "./types.ts";

const r = (group: string, version: string, kind: string, plural: string, namespaced = true): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced,
});

export const NAMESPACE = r("", "v1", "Namespace", "namespaces", false);
export const SECRET = r("", "v1", "Secret", "secrets");
export const SERVICE = r("", "v1", "Service", "services");
export const DEPLOYMENT = r("apps", "v1", "Deployment", "deployments");
export const HPA = r("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers");
export const GATEWAY = r("gateway.networking.k8s.io", "v1", "Gateway", "gateways");
export const HTTP_ROUTE = r("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes");
export const GRPC_ROUTE = r("gateway.networking.k8s.io", "v1", "GRPCRoute", "grpcroutes");
export const BACKEND_TRAFFIC_POLICY = r(
  "gateway.envoyproxy.io",
  "v1alpha1",
  "BackendTrafficPolicy",
  "backendtrafficpolicies",
);

// Tenant parents: created per tenant namespace (by the API or a platform admin), mirrored, and restored by the
// resurrector.
export const RESOURCE_QUOTA = r("", "v1", "ResourceQuota", "resourcequotas");
export const LIMIT_RANGE = r("", "v1", "LimitRange", "limitranges");
export const ROLE = r("rbac.authorization.k8s.io", "v1", "Role", "roles");
export const ROLE_BINDING = r("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings");
export const NETWORK_POLICY = r("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies");
export const TENANT_PARENTS = [RESOURCE_QUOTA, LIMIT_RANGE, ROLE, ROLE_BINDING, NETWORK_POLICY];

export const EVENT = r("", "v1", "Event", "events");
export const POD = r("", "v1", "Pod", "pods");
export const NODE = r("", "v1", "Node", "nodes", false);
export const JOB = r("batch", "v1", "Job", "jobs");
export const LEASE = r("coordination.k8s.io", "v1", "Lease", "leases");
export const CONFIG_MAP = r("", "v1", "ConfigMap", "configmaps");
export const CUSTOM_RESOURCE_DEFINITION = r(
  "apiextensions.k8s.io",
  "v1",
  "CustomResourceDefinition",
  "customresourcedefinitions",
  false,
);
