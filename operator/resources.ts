// Every kind the operator reads or writes, with its REST coordinates (static: no discovery round trips).
import type { ResourceType } from "./runtime/types.ts";

const r = (group: string, version: string, kind: string, plural: string, namespaced = true): ResourceType => ({
  group,
  version,
  kind,
  plural,
  namespaced,
});

export const APP = r("loco.dev", "v1alpha1", "App", "apps");
export const PROFILE = r("loco.dev", "v1alpha1", "Profile", "profiles", false);
export const PIPELINE = r("loco.dev", "v1alpha1", "Pipeline", "pipelines");
export const RUN = r("loco.dev", "v1alpha1", "Run", "runs");

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
