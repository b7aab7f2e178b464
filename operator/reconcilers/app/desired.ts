// Pure builders: (App, Profile, tenant, decisions already taken) → the child objects loco wants.
// No clock, randomness, environment or I/O in here; the same inputs always give byte-identical objects, which is
// what makes "a second reconcile writes nothing" possible.
import { createHash } from "node:crypto";
import type { AppSpec, Probe } from "../../../crds/app.ts";
import {
  ANNOTATION_DEPLOYED_AT,
  ANNOTATION_DEPLOYMENT_ID,
  ANNOTATION_SECRET_HASH,
  ANNOTATION_TEMPLATE_HASH,
  autoscalerName,
  CONTAINER_NAME,
  canaryName,
  deploymentName,
  discoveryVariable,
  grpcRouteName,
  httpRouteName,
  LABEL_APP,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_PROFILE,
  LABEL_PROJECT,
  LABEL_TENANT,
  MANAGED_BY,
  secretName,
  serviceName,
  trafficPolicyName,
} from "../../../crds/app-names.ts";
import type { HeaderRoute } from "../../../crds/app-rollout.ts";
import { appDefaultHostname, appHostnames, hostnameFor } from "../../../crds/hostname-policy.ts";
import { type ProfileSpec, podSecurityOf } from "../../../crds/profile.ts";
import { parseQuantity } from "../../../kube/semantic-equal.ts";
import type { KubeObject, OwnerReference } from "../../../kube/types.ts";
import { containerSecurityContext, podSecurityContext } from "../pod-security.ts";
import { originOf, type UrlOrigin } from "./url-origin.ts";

export interface AppIdentity {
  name: string;
  namespace: string;
  uid: string;
}

/** Another App of the same project in the same namespace, for LOCO_<APP>_URL. */
export interface Sibling {
  name: string;
  port: number | undefined;
}

export interface GrantedRoutes {
  /** Hostnames the HTTPRoute may serve (empty: no HTTPRoute). */
  http: string[];
  /** Hostnames the GRPCRoute may serve (empty: no GRPCRoute). */
  grpc: string[];
}

export interface AppInputs {
  app: AppIdentity;
  spec: AppSpec;
  profileName: string;
  profile: ProfileSpec;
  tenant: string;
  /**
   * The namespace carries no loco.dev/tenant label (a cluster admin made it with kubectl), so `tenant` is the
   * namespace's own name rather than a tenant's.
   */
  tenantIsNamespaceName?: boolean;
  owner: OwnerReference;
  siblings: Sibling[];
  routes: GrantedRoutes;
  /** Digest of the secret values the pods read, so that a secret change rolls the pods. */
  secretHash: string | undefined;
}

export interface Rollout {
  deploymentId: string;
  deployedAt: string;
}

// --- Labels ------------------------------------------------------------------------------------------------

export function selectorLabels(app: string): Record<string, string> {
  return { [LABEL_APP]: app };
}

export function childLabels(
  inputs: Pick<AppInputs, "app" | "tenant" | "profileName" | "spec">,
): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_NAME]: inputs.app.name,
    [LABEL_APP]: inputs.app.name,
    [LABEL_TENANT]: inputs.tenant,
    [LABEL_PROFILE]: inputs.profileName,
    ...(inputs.spec.project ? { [LABEL_PROJECT]: inputs.spec.project } : {}),
  };
}

function meta(inputs: AppInputs, name: string, annotations?: Record<string, string>) {
  return {
    name,
    namespace: inputs.app.namespace,
    labels: childLabels(inputs),
    ...(annotations ? { annotations } : {}),
    ownerReferences: [inputs.owner],
  };
}

// --- Derived values ----------------------------------------------------------------------------------------

export { hostnameFor };

type HostnameInputs = Pick<AppInputs, "app" | "profile" | "tenant" | "tenantIsNamespaceName" | "profileName" | "spec">;

/** The App's default hostname (crds/hostname-policy.ts appDefaultHostname), or undefined when it gets none. */
export function defaultHostname(inputs: HostnameInputs): string | undefined {
  return appDefaultHostname({
    app: inputs.app.name,
    tenant: inputs.tenant,
    tenantIsNamespaceName: inputs.tenantIsNamespaceName,
    project: inputs.spec.project,
    profile: inputs.profileName,
    profileSpec: inputs.profile,
  });
}

const httpPorts = (spec: AppSpec) => (spec.ports ?? []).filter((p) => p.protocol === "HTTP");
const grpcPorts = (spec: AppSpec) => (spec.ports ?? []).filter((p) => p.protocol === "GRPC");

/** The hostnames an App asks for, per protocol (before conflicts with other Apps are resolved). */
export function requestedHostnames(inputs: HostnameInputs): GrantedRoutes {
  return appHostnames(inputs.spec, defaultHostname(inputs));
}

/** The protocols whose ports would serve the default hostname, when the App gets none (see defaultHostname). */
export function protocolsWithoutDefaultHostname(inputs: HostnameInputs): ("http" | "grpc")[] {
  if (defaultHostname(inputs) !== undefined) return [];
  const spec = inputs.spec;
  return [
    ...(httpPorts(spec).length > 0 && !spec.routes?.http?.hostnames ? (["http"] as const) : []),
    ...(grpcPorts(spec).length > 0 && !spec.routes?.grpc?.hostnames ? (["grpc"] as const) : []),
  ];
}

/** The gRPC services an App claims on its hostnames ("*" = every service). */
export function requestedGrpcServices(spec: AppSpec): string[] {
  return spec.routes?.grpc?.services ?? ["*"];
}

export function replicasFor(spec: AppSpec, profile: ProfileSpec): number | undefined {
  if (spec.autoscale) return spec.autoscale.max > spec.autoscale.min ? undefined : spec.autoscale.min;
  return spec.replicas ?? profile.defaults?.replicas ?? 1;
}

type Quantity = string | number;

export function resourcesFor(
  spec: AppSpec,
  profile: ProfileSpec,
): { cpu: Quantity | undefined; memory: Quantity | undefined } {
  return {
    cpu: spec.resources?.cpu ?? profile.defaults?.cpu,
    memory: spec.resources?.memory ?? profile.defaults?.memory,
  };
}

/** Checks the App against its Profile's limits and registries; a violation is for the user to fix. */
export function limitViolation(
  spec: AppSpec,
  profile: ProfileSpec,
): { reason: "LimitExceeded" | "RegistryNotAllowed"; message: string } | undefined {
  const limits = profile.limits;
  const { cpu, memory } = resourcesFor(spec, profile);
  const over = (value: Quantity | undefined, max: Quantity | undefined) =>
    value !== undefined &&
    max !== undefined &&
    (parseQuantity(value) ?? 0) > (parseQuantity(max) ?? Number.POSITIVE_INFINITY);
  if (over(cpu, limits?.maxCpu)) {
    return {
      reason: "LimitExceeded",
      message: `cpu ${cpu} is above the profile's limit of ${limits?.maxCpu}; lower resources.cpu or ask a platform admin to raise limits.maxCpu.`,
    };
  }
  if (over(memory, limits?.maxMemory)) {
    return {
      reason: "LimitExceeded",
      message: `memory ${memory} is above the profile's limit of ${limits?.maxMemory}; lower resources.memory or ask a platform admin to raise limits.maxMemory.`,
    };
  }
  const wantedReplicas = spec.autoscale ? spec.autoscale.max : (spec.replicas ?? profile.defaults?.replicas ?? 1);
  if (limits?.maxReplicas !== undefined && wantedReplicas > limits.maxReplicas) {
    const field = spec.autoscale ? "autoscale.max" : "replicas";
    return {
      reason: "LimitExceeded",
      message: `${field} ${wantedReplicas} is above the profile's limit of ${limits.maxReplicas} replicas; lower ${field}.`,
    };
  }
  const registries = profile.allowedRegistries;
  if (
    registries &&
    registries.length > 0 &&
    !registries.some(
      (prefix) => spec.image === prefix || spec.image.startsWith(`${prefix}/`) || spec.image.startsWith(`${prefix}:`),
    )
  ) {
    return {
      reason: "RegistryNotAllowed",
      message: `image ${spec.image} is not from an allowed registry (${registries.join(", ")}); push it to one of them.`,
    };
  }
  return undefined;
}

/** The version an App reports as LOCO_APP_VERSION: the image tag (or digest), else "latest". */
export function imageVersion(image: string): string {
  const digest = image.indexOf("@");
  if (digest >= 0) return image.slice(digest + 1);
  const lastSlash = image.lastIndexOf("/");
  const colon = image.indexOf(":", lastSlash + 1);
  return colon >= 0 ? image.slice(colon + 1) : "latest";
}

/** The App's URLs, their scheme and port those of the Gateway listener its routes attach to (url-origin.ts). */
export function appUrls(routes: GrantedRoutes, spec: AppSpec, origin: UrlOrigin): string[] {
  const prefix = spec.routes?.http?.pathPrefixes?.[0];
  const suffix = prefix && prefix !== "/" ? prefix : "";
  const http = routes.http.map((host) => `${originOf("http", host, origin)}${suffix}`);
  const grpc = routes.grpc.filter((host) => !routes.http.includes(host)).map((host) => originOf("grpc", host, origin));
  return [...http, ...grpc];
}

// --- Pod template --------------------------------------------------------------------------------------------

type EnvEntry = { name: string; value?: string; valueFrom?: unknown };

function environment(inputs: AppInputs, deploymentId: string): EnvEntry[] {
  const { app, spec, profile, profileName, tenant } = inputs;
  const merged = new Map<string, EnvEntry>();
  const put = (entry: EnvEntry) => {
    merged.delete(entry.name); // the later source wins, and takes the later position
    merged.set(entry.name, entry);
  };
  put({ name: "LOCO_APP_NAME", value: app.name });
  put({ name: "LOCO_APP_VERSION", value: imageVersion(spec.image) });
  put({ name: "LOCO_PROFILE", value: profileName });
  put({ name: "LOCO_TENANT", value: tenant });
  put({ name: "LOCO_DEPLOYMENT_ID", value: deploymentId });
  if (profile.telemetry?.tracingEndpoint)
    put({ name: "LOCO_TRACING_ENDPOINT", value: profile.telemetry.tracingEndpoint });
  if (profile.telemetry?.metricsEndpoint)
    put({ name: "LOCO_METRICS_ENDPOINT", value: profile.telemetry.metricsEndpoint });
  for (const sibling of [...inputs.siblings].sort((a, b) => a.name.localeCompare(b.name))) {
    if (sibling.name === app.name || sibling.port === undefined) continue;
    put({
      name: discoveryVariable(sibling.name),
      value: `http://${serviceName(sibling.name)}.${app.namespace}.svc.cluster.local:${sibling.port}`,
    });
  }
  for (const entry of profile.env ?? []) put({ name: entry.name, value: entry.value });
  for (const entry of spec.env ?? []) put({ name: entry.name, value: entry.value });
  for (const entry of spec.secretEnv ?? []) {
    put({ name: entry.name, valueFrom: { secretKeyRef: { name: secretName(app.name), key: entry.secretKey } } });
  }
  return [...merged.values()];
}

function probeFor(probe: Probe | undefined, spec: AppSpec): Record<string, unknown> | undefined {
  if (!probe) return undefined;
  const firstOf = (protocol: "HTTP" | "GRPC") => (spec.ports ?? []).find((p) => p.protocol === protocol);
  const timing = {
    ...(probe.initialDelaySeconds === undefined ? {} : { initialDelaySeconds: probe.initialDelaySeconds }),
    ...(probe.periodSeconds === undefined ? {} : { periodSeconds: probe.periodSeconds }),
    ...(probe.timeoutSeconds === undefined ? {} : { timeoutSeconds: probe.timeoutSeconds }),
    ...(probe.failureThreshold === undefined ? {} : { failureThreshold: probe.failureThreshold }),
  };
  if (probe.http) {
    const port = probe.http.port ?? firstOf("HTTP")?.name ?? 8080;
    return { httpGet: { path: probe.http.path, port }, ...timing };
  }
  if (probe.grpc) {
    // Kubernetes' gRPC probe takes a port number only.
    const named = probe.grpc.port;
    const port =
      typeof named === "number"
        ? named
        : (((spec.ports ?? []).find((p) => p.name === named) ?? firstOf("GRPC"))?.port ?? 9090);
    return { grpc: { port, ...(probe.grpc.service ? { service: probe.grpc.service } : {}) }, ...timing };
  }
  if (probe.exec) return { exec: { command: probe.exec.command }, ...timing };
  return undefined;
}

export function podTemplate(inputs: AppInputs, deploymentId: string) {
  const { spec, profile } = inputs;
  const { cpu, memory } = resourcesFor(spec, profile);
  const requests = { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
  // The level the tenant namespace enforces: a pod that did not pass it would never be created.
  const level = podSecurityOf(profile);
  const container: Record<string, unknown> = {
    name: CONTAINER_NAME,
    image: spec.image,
    ...(spec.command ? { command: spec.command } : {}),
    ...(spec.args ? { args: spec.args } : {}),
    ...((spec.ports ?? []).length > 0
      ? { ports: (spec.ports ?? []).map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" })) }
      : {}),
    env: environment(inputs, deploymentId),
    ...(Object.keys(requests).length > 0 ? { resources: { requests, ...(memory ? { limits: { memory } } : {}) } } : {}),
    ...containerSecurityContext(level),
  };
  const liveness = probeFor(spec.health?.liveness, spec);
  const readiness = probeFor(spec.health?.readiness, spec);
  const startup = probeFor(spec.health?.startup, spec);
  if (liveness) container.livenessProbe = liveness;
  if (readiness) container.readinessProbe = readiness;
  if (startup) container.startupProbe = startup;
  return {
    metadata: {
      labels: childLabels(inputs),
      annotations: {
        [ANNOTATION_DEPLOYMENT_ID]: deploymentId,
        ...(inputs.secretHash ? { [ANNOTATION_SECRET_HASH]: inputs.secretHash } : {}),
      },
    },
    spec: {
      containers: [container],
      ...podSecurityContext(level),
      // Service links flood the environment with variables for every Service in the namespace.
      enableServiceLinks: false,
    },
  };
}

/**
 * Digest of the pod template as it would be without the deployment id: a new deployment (and id) is due
 * exactly when this changes.
 */
export function templateHash(inputs: AppInputs): string {
  let hash = templateHashes.get(inputs);
  if (hash === undefined) {
    hash = createHash("sha256")
      .update(JSON.stringify(podTemplate(inputs, "")))
      .digest("hex")
      .slice(0, 16);
    templateHashes.set(inputs, hash);
  }
  return hash;
}
/** A reconcile asks for the hash of one (never modified) inputs object twice: the rollout's and the Deployment's. */
const templateHashes = new WeakMap<AppInputs, string>();

// --- Children ----------------------------------------------------------------------------------------------

export function desiredDeployment(inputs: AppInputs, rollout: Rollout): KubeObject {
  const replicas = replicasFor(inputs.spec, inputs.profile);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(inputs, deploymentName(inputs.app.name), {
      [ANNOTATION_TEMPLATE_HASH]: templateHash(inputs),
      [ANNOTATION_DEPLOYMENT_ID]: rollout.deploymentId,
      [ANNOTATION_DEPLOYED_AT]: rollout.deployedAt,
    }),
    spec: {
      // Left out when autoscaled, so that the HPA alone owns the field.
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: selectorLabels(inputs.app.name) },
      // New pods must be available before old ones go: capacity never dips during a rollout.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: "25%" } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: podTemplate(inputs, rollout.deploymentId),
    },
  };
}

/** A Service's ports for the App's ports (the stable and the canary Service have the same). */
export function servicePorts(spec: AppSpec) {
  return (spec.ports ?? []).map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: p.name,
    protocol: "TCP",
    appProtocol: p.protocol === "GRPC" ? "kubernetes.io/h2c" : "http",
  }));
}

export function desiredService(inputs: AppInputs): KubeObject | undefined {
  if ((inputs.spec.ports ?? []).length === 0) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(inputs, serviceName(inputs.app.name)),
    spec: { type: "ClusterIP", selector: selectorLabels(inputs.app.name), ports: servicePorts(inputs.spec) },
  };
}

function parentRefs(profile: ProfileSpec) {
  return [
    {
      group: "gateway.networking.k8s.io",
      kind: "Gateway",
      name: profile.gateway.name,
      namespace: profile.gateway.namespace,
      ...(profile.gateway.sectionName ? { sectionName: profile.gateway.sectionName } : {}),
    },
  ];
}

/**
 * How a canary App's routes split traffic (ADR 0010): percent to the canary Service, the rest to the stable one.
 * Undefined for other strategies: one backend of weight 1, as before rollouts existed.
 */
export interface TrafficSplit {
  canaryWeight: number;
  /** While a rollout is in flight: the header that sends a request to the canary whatever the weight. */
  testers?: HeaderRoute | undefined;
}

/** The testers' header as a route match's header matcher. */
const testerHeader = (testers: HeaderRoute) => ({ type: "Exact", name: testers.name, value: testers.value });

/**
 * The rule sending the testers' requests all to the canary: the main rule's matches, each with the header added, so
 * Gateway API's precedence (more header matches wins among equal paths or methods) picks it over the weighted rule.
 */
function testerRule(inputs: AppInputs, port: number, testers: HeaderRoute, matches: Record<string, unknown>[]) {
  const header = testerHeader(testers);
  return {
    matches: (matches.length > 0 ? matches : [{}]).map((match) => ({ ...match, headers: [header] })),
    backendRefs: [{ group: "", kind: "Service", name: canaryName(inputs.app.name), port, weight: 1 }],
  };
}

function backendRefs(inputs: AppInputs, port: number, split: TrafficSplit | undefined) {
  const ref = (name: string, weight: number) => ({ group: "", kind: "Service", name, port, weight });
  if (!split) return [ref(serviceName(inputs.app.name), 1)];
  return [
    ref(serviceName(inputs.app.name), 100 - split.canaryWeight),
    ref(canaryName(inputs.app.name), split.canaryWeight),
  ];
}

export function desiredHttpRoute(inputs: AppInputs, split?: TrafficSplit): KubeObject | undefined {
  const hostnames = inputs.routes.http;
  if (hostnames.length === 0) return undefined;
  const routeSpec = inputs.spec.routes?.http;
  const port = httpPorts(inputs.spec).find((p) => p.name === routeSpec?.port) ?? httpPorts(inputs.spec)[0];
  if (!port) return undefined;
  const prefixes = routeSpec?.pathPrefixes ?? ["/"];
  const matches = prefixes.map((value) => ({ path: { type: "PathPrefix", value } }));
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata: meta(inputs, httpRouteName(inputs.app.name)),
    spec: {
      parentRefs: parentRefs(inputs.profile),
      hostnames,
      rules: [
        { matches, backendRefs: backendRefs(inputs, port.port, split) },
        ...(split?.testers ? [testerRule(inputs, port.port, split.testers, matches)] : []),
      ],
    },
  };
}

export function desiredGrpcRoute(inputs: AppInputs, split?: TrafficSplit): KubeObject | undefined {
  const hostnames = inputs.routes.grpc;
  if (hostnames.length === 0) return undefined;
  const routeSpec = inputs.spec.routes?.grpc;
  const port = grpcPorts(inputs.spec).find((p) => p.name === routeSpec?.port) ?? grpcPorts(inputs.spec)[0];
  if (!port) return undefined;
  const services = routeSpec?.services;
  const matches = services?.map((service) => ({ method: { type: "Exact", service } }));
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GRPCRoute",
    metadata: meta(inputs, grpcRouteName(inputs.app.name)),
    spec: {
      parentRefs: parentRefs(inputs.profile),
      hostnames,
      rules: [
        { ...(matches ? { matches } : {}), backendRefs: backendRefs(inputs, port.port, split) },
        ...(split?.testers ? [testerRule(inputs, port.port, split.testers, matches ?? [])] : []),
      ],
    },
  };
}

export function desiredTrafficPolicy(inputs: AppInputs): KubeObject | undefined {
  const idle = inputs.spec.idleTimeout ?? inputs.profile.defaults?.idleTimeout;
  const request = inputs.spec.requestTimeout;
  const targets = [
    ...(inputs.routes.http.length > 0
      ? [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: httpRouteName(inputs.app.name) }]
      : []),
    ...(inputs.routes.grpc.length > 0
      ? [{ group: "gateway.networking.k8s.io", kind: "GRPCRoute", name: grpcRouteName(inputs.app.name) }]
      : []),
  ];
  if (targets.length === 0 || (!idle && !request)) return undefined;
  return {
    apiVersion: "gateway.envoyproxy.io/v1alpha1",
    kind: "BackendTrafficPolicy",
    metadata: meta(inputs, trafficPolicyName(inputs.app.name)),
    spec: {
      targetRefs: targets,
      timeout: {
        http: {
          ...(request ? { requestTimeout: request } : {}),
          ...(idle ? { connectionIdleTimeout: idle } : {}),
        },
      },
    },
  };
}

export function desiredAutoscaler(inputs: AppInputs): KubeObject | undefined {
  const autoscale = inputs.spec.autoscale;
  if (!autoscale || autoscale.max <= autoscale.min) return undefined;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: meta(inputs, autoscalerName(inputs.app.name)),
    spec: {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deploymentName(inputs.app.name) },
      minReplicas: autoscale.min,
      maxReplicas: autoscale.max,
      metrics: [
        {
          type: "Resource",
          resource: { name: "cpu", target: { type: "Utilization", averageUtilization: autoscale.targetCPU } },
        },
      ],
    },
  };
}

/** The App's Secret: loco owns the object (so it goes with the App); its values are written by the API. */
export function desiredSecret(inputs: AppInputs): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: meta(inputs, secretName(inputs.app.name)),
    type: "Opaque",
  };
}
