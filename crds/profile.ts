// Profile: an environment class (dev, uat, prod). Cluster-scoped and written by platform admins; Apps resolve
// their defaults, limits, hostnames and injected env against it.
import { z } from "zod";
import {
  conditions,
  dnsLabel,
  dnsSubdomain,
  duration,
  envList,
  hostname,
  keyedList,
  kubernetesObject,
  observedGeneration,
  quantity,
  tenantName,
  uniqueList,
} from "./common.ts";
import { withRules } from "./rules.ts";

const endpoint = () =>
  z
    .string()
    .max(2048)
    .regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/, { error: "must be a URL such as http://otel-collector.observability:4318" });

/**
 * An annotation key a task's pods may carry: exact (`sidecar.istio.io/inject`), or a prefix ending in `*`
 * (`sidecar.istio.io/*`, `example.com/trace-*`). A lone `*` is refused: annotations select CNI networks, mesh
 * opt-outs and security profiles, so a platform lists what it means to allow.
 */
export const podAnnotationPattern = () =>
  z
    .string()
    .min(1)
    .max(317)
    .regex(/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/([A-Za-z0-9][-A-Za-z0-9_.]*\*?|\*)|[A-Za-z0-9][-A-Za-z0-9_.]*\*?)$/, {
      error: "must be an annotation key such as sidecar.istio.io/inject, or a prefix ending in * such as example.com/*",
    });

/**
 * Custom domains a platform admin grants one tenant in this Profile's namespaces. `shop.example.com` grants that
 * hostname and every name under it; `*.example.com` grants the same names and also wildcard hostnames under
 * `example.com` (crds/hostname-policy.ts).
 */
export const DomainGrant = z.strictObject({
  tenant: tenantName().describe("Tenant the domains are granted to."),
  domains: uniqueList(hostname(), 64).describe(
    "Domains the tenant's Apps may use: example.com covers example.com and every name under it; *.example.com also allows wildcard hostnames there.",
  ),
});
export type DomainGrant = z.infer<typeof DomainGrant>;

export const ProfileSpec = withRules(
  z.strictObject({
    baseDomain: dnsSubdomain().describe("Domain under which Apps get hostnames, such as apps.example.com."),
    gateway: z
      .strictObject({
        name: dnsSubdomain().describe("Name of the Gateway."),
        namespace: dnsLabel().describe("Namespace of the Gateway."),
        sectionName: dnsSubdomain()
          .optional()
          .describe("Listener of the Gateway to attach to; all listeners when unset."),
      })
      .describe("Gateway API Gateway that Apps' routes attach to."),
    hostnameTemplate: z
      .string()
      .max(253)
      .regex(/^([a-z0-9.-]|\{(app|tenant|project|profile|baseDomain)\})+$/, {
        error:
          "must be lowercase DNS characters and the placeholders {app}, {tenant}, {project}, {profile}, {baseDomain}",
      })
      .default("{app}-{tenant}.{baseDomain}")
      .describe("Default hostname of an App; placeholders {app}, {tenant}, {project}, {profile} and {baseDomain}."),
    defaults: z
      .strictObject({
        cpu: quantity().optional().describe("CPU request of an App that does not set one."),
        memory: quantity().optional().describe("Memory of an App that does not set it."),
        replicas: z.int().min(0).optional().describe("Replicas of an App that sets neither replicas nor autoscale."),
        idleTimeout: duration().optional().describe("Idle connection timeout of an App that does not set one."),
      })
      .optional()
      .describe("Values for Apps that leave them out."),
    limits: z
      .strictObject({
        maxCpu: quantity().optional().describe("Most CPU an App's replica may request."),
        maxMemory: quantity().optional().describe("Most memory an App's replica may have."),
        maxReplicas: z.int().min(0).optional().describe("Most replicas (or autoscale.max) an App may ask for."),
      })
      .optional()
      .describe("Upper bounds for Apps; an App above them is refused with reason LimitExceeded."),
    env: envList().optional().describe("Environment variables injected into every App of the Profile."),
    telemetry: z
      .strictObject({
        tracingEndpoint: endpoint().optional().describe("OTLP endpoint for traces, injected as LOCO_TRACING_ENDPOINT."),
        metricsEndpoint: endpoint()
          .optional()
          .describe("OTLP endpoint for metrics, injected as LOCO_METRICS_ENDPOINT."),
        queryEndpoint: endpoint()
          .optional()
          .describe(
            "Prometheus-compatible query API (Prometheus, OpenObserve's /api/<org>/prometheus) that canary analysis asks; /api/v1/query is appended.",
          ),
      })
      .optional()
      .describe("Where Apps send telemetry."),
    allowedRegistries: uniqueList(
      z
        .string()
        .min(1)
        .max(512)
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9._-]+)*$/, {
          error: "must be a registry host with an optional path, such as registry.example.com/acme",
        }),
      64,
    )
      .optional()
      .describe("Image prefixes Apps may use (e.g. registry.example.com/acme); any image when unset."),
    podSecurity: z
      .enum(["restricted", "baseline"])
      .optional()
      .describe(
        "Pod Security Standard for the pods of this Profile's tenants: the level enforced on their namespaces (Pod Security Admission labels) and the one App and Run pods are built to pass. restricted (when unset) runs containers as non-root, without privilege escalation or capabilities, under the RuntimeDefault seccomp profile; baseline lets images run as root.",
      ),
    runs: z
      .strictObject({
        allowedPodAnnotations: uniqueList(podAnnotationPattern(), 64)
          .optional()
          .describe(
            "Pod annotations the tasks of Pipelines and Runs may set (podAnnotations), as exact keys or prefixes ending in *; none when unset. A Run asking for another fails with reason PodAnnotationNotAllowed.",
          ),
      })
      .optional()
      .describe("Rules for the Runs (Pipelines and one-off commands) in this Profile's namespaces."),
    domainGrants: keyedList(DomainGrant, "tenant", 256)
      .optional()
      .describe(
        "Custom domains each tenant's Apps may serve in this Profile. Without a grant an App serves only its default hostname; a hostname another App holds stays refused.",
      ),
  }),
  [
    {
      // Hostnames must not collide across Apps and tenants, so the template must tell them apart.
      cel: "self.hostnameTemplate.contains('{app}') && self.hostnameTemplate.contains('{tenant}')",
      message: "must contain {app} and {tenant}, so that every App of every tenant gets its own hostname",
      field: ".hostnameTemplate",
      holds: (s) => s.hostnameTemplate.includes("{app}") && s.hostnameTemplate.includes("{tenant}"),
    },
    {
      cel: "!has(self.defaults) || !has(self.defaults.replicas) || !has(self.limits) || !has(self.limits.maxReplicas) || self.defaults.replicas <= self.limits.maxReplicas",
      message: "defaults.replicas must not exceed limits.maxReplicas",
      field: ".defaults.replicas",
      holds: (s) =>
        s.defaults?.replicas === undefined ||
        s.limits?.maxReplicas === undefined ||
        s.defaults.replicas <= s.limits.maxReplicas,
    },
  ],
).describe("Desired state of the Profile.");
export type ProfileSpec = z.infer<typeof ProfileSpec>;
export type ProfileSpecInput = z.input<typeof ProfileSpec>;

/** A Pod Security Standard level a Profile may choose (spec.podSecurity). */
export type PodSecurityLevel = NonNullable<ProfileSpec["podSecurity"]>;

/**
 * The level of a Profile's spec: restricted unless it chooses baseline, and restricted for a Profile that is
 * missing or unparsed (the API reads specs from its mirror, the operator from its caches).
 */
export function podSecurityOf(profileSpec: unknown): PodSecurityLevel {
  return (profileSpec as { podSecurity?: unknown } | null | undefined)?.podSecurity === "baseline"
    ? "baseline"
    : "restricted";
}

export const ProfileStatus = z
  .strictObject({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
  })
  .describe("Observed state of the Profile, written by the operator.");
export type ProfileStatus = z.infer<typeof ProfileStatus>;

export const Profile = kubernetesObject("Profile", ProfileSpec, ProfileStatus);
export type Profile = z.infer<typeof Profile>;
