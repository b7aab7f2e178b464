// App: a long-running service. The operator turns it into a Deployment, Service, routes, traffic policy, Secret
// and (when autoscaled) an HPA; see DESIGN.md §2.
import { z } from "zod";
import { RolloutSpec, RolloutStatus } from "./app-rollout.ts";
import {
  conditions,
  distinctEnvNames,
  dns1035Label,
  dnsLabel,
  duration,
  envList,
  hostname,
  imageReference,
  keyedList,
  kubernetesObject,
  observedGeneration,
  portReference,
  Resources,
  secretEnvList,
  timestamp,
  uniqueList,
} from "./common.ts";
import { withRules } from "./rules.ts";

export const Port = z.strictObject({
  name: dns1035Label(15).describe("Name of the port (at most 15 characters), used by routes and health checks."),
  port: z.int().min(1).max(65535).describe("Port the container listens on."),
  protocol: z.enum(["HTTP", "GRPC"]).default("HTTP").describe("Protocol served on the port: HTTP or GRPC."),
});
export type Port = z.infer<typeof Port>;

const ports = withRules(keyedList(Port, "name", 16), [
  {
    cel: "self.all(p, self.exists_one(q, q.port == p.port))",
    message: "two ports use the same port number; give each its own",
    holds: (list) => new Set(list.map((p) => p.port)).size === list.length,
  },
]).describe("Ports the App listens on. An App without ports is a worker: no Service and no routes.");

const HttpRoute = z.strictObject({
  hostnames: uniqueList(hostname(), 16)
    .describe("Hostnames to serve; defaults to the Profile's hostnameTemplate (e.g. shop-api-acme.apps.example.com).")
    .optional(),
  pathPrefixes: uniqueList(
    z
      .string()
      .min(1)
      .max(1024)
      .regex(/^\/[^\s?#]*$/, { error: "must be a path starting with / such as /api" }),
    16,
  )
    .describe("Path prefixes routed to the App; defaults to /.")
    .optional(),
  port: dns1035Label(15).optional().describe("Name of the HTTP port to route to; defaults to the first HTTP port."),
});

const GrpcRoute = z.strictObject({
  hostnames: uniqueList(hostname(), 16)
    .describe("Hostnames to serve; defaults to the Profile's hostnameTemplate.")
    .optional(),
  services: uniqueList(
    z
      .string()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, {
        error: "must be a fully qualified gRPC service such as shop.v1.CartService",
      }),
    32,
  )
    .describe("Fully qualified gRPC services routed to the App (e.g. shop.v1.CartService); defaults to all.")
    .optional(),
  port: dns1035Label(15).optional().describe("Name of the GRPC port to route to; defaults to the first GRPC port."),
});

const Routes = z.strictObject({
  http: HttpRoute.optional().describe("HTTP route through the Profile's gateway (needs an HTTP port)."),
  grpc: GrpcRoute.optional().describe("gRPC route through the Profile's gateway (needs a GRPC port)."),
});

export const Autoscale = withRules(
  z.strictObject({
    min: z.int().min(1).default(1).describe("Fewest replicas to run."),
    max: z.int().min(1).describe("Most replicas to run; an HPA is created when max is greater than min."),
    targetCPU: z
      .int()
      .min(1)
      .max(100)
      .default(80)
      .describe("Average CPU use, in percent of the CPU request, that the autoscaler aims for."),
  }),
  [
    {
      cel: "self.max >= self.min",
      message: "must be ≥ autoscale.min; raise max or lower min",
      field: ".max",
      holds: (a) => a.max >= a.min,
      explain: (a) => `must be ≥ autoscale.min (${a.min}); raise max or lower min`,
    },
  ],
);
export type Autoscale = z.infer<typeof Autoscale>;

export const Probe = withRules(
  z.strictObject({
    http: z
      .strictObject({
        path: z
          .string()
          .min(1)
          .max(1024)
          .regex(/^\/\S*$/, { error: "must be a path starting with / such as /healthz" })
          .describe("Path to GET; any status from 200 to 399 passes."),
        port: portReference().optional().describe("Port number or name; defaults to the first HTTP port."),
      })
      .optional()
      .describe("Check with an HTTP GET."),
    grpc: z
      .strictObject({
        service: z
          .string()
          .max(253)
          .optional()
          .describe("Service name sent in the gRPC health check; empty checks the server."),
        port: portReference().optional().describe("Port number or name; defaults to the first GRPC port."),
      })
      .optional()
      .describe("Check with the standard gRPC health checking protocol."),
    exec: z
      .strictObject({
        command: z
          .array(z.string().max(4096))
          .min(1)
          .max(64)
          .describe("Command run in the container; exit status 0 passes."),
      })
      .optional()
      .describe("Check by running a command in the container."),
    initialDelaySeconds: z
      .int()
      .min(0)
      .max(3600)
      .optional()
      .describe("Seconds to wait before the first check; default 0."),
    periodSeconds: z.int().min(1).max(3600).optional().describe("Seconds between checks; default 10."),
    timeoutSeconds: z.int().min(1).max(3600).optional().describe("Seconds before a check counts as failed; default 1."),
    failureThreshold: z
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe("Consecutive failures before the check fails; default 3."),
  }),
  [
    {
      cel: "(has(self.http) ? 1 : 0) + (has(self.grpc) ? 1 : 0) + (has(self.exec) ? 1 : 0) == 1",
      message: "set exactly one of http, grpc or exec",
      holds: (p) => [p.http, p.grpc, p.exec].filter((h) => h !== undefined).length === 1,
    },
  ],
);
export type Probe = z.infer<typeof Probe>;

const Health = z.strictObject({
  liveness: Probe.optional().describe("Restarts the container when it fails."),
  readiness: Probe.optional().describe("Takes the replica out of traffic while it fails."),
  startup: Probe.optional().describe("Holds off the other checks until it passes once, for slow starters."),
});

const appSpecShape = z.strictObject({
  profile: dnsLabel().describe("Profile (environment class) the App runs in, such as dev or prod."),
  project: dnsLabel()
    .optional()
    .describe("Project the App belongs to; Apps of one project in a namespace see each other as LOCO_<APP>_URL."),
  image: imageReference().describe("Container image to run."),
  command: z.array(z.string().max(4096)).max(64).optional().describe("Entrypoint; defaults to the image's ENTRYPOINT."),
  args: z.array(z.string().max(4096)).max(256).optional().describe("Arguments; default to the image's CMD."),
  ports: ports.optional(),
  routes: Routes.optional().describe("Traffic routed to the App from the Profile's gateway."),
  resources: Resources.optional().describe("CPU and memory per replica; defaults come from the Profile."),
  replicas: z
    .int()
    .min(0)
    .optional()
    .describe(
      "Fixed number of replicas (set by `kubectl scale` or `loco scale`); the Profile's default when neither this nor autoscale is set.",
    ),
  autoscale: Autoscale.optional().describe("Scale between min and max replicas on CPU use, instead of a fixed count."),
  env: envList()
    .optional()
    .describe("Environment variables, after the ones loco injects (LOCO_APP_NAME, LOCO_PROFILE, ...)."),
  secretEnv: secretEnvList(64).optional().describe("Environment variables taken from the App's loco-managed Secret."),
  health: Health.optional().describe("Health checks."),
  idleTimeout: duration()
    .optional()
    .describe("How long the gateway keeps an idle client connection open; defaults to the Profile's."),
  requestTimeout: duration().optional().describe("How long the gateway waits for a response before answering 504."),
  rollout: RolloutSpec.optional().describe(
    "How a new pod template reaches traffic: rolling (default) or a canary moved by route weights (ADR 0010).",
  ),
  paused: z
    .boolean()
    .default(false)
    .describe("Stops reconciling: the running replicas are left as they are until paused is false again."),
});

export const AppSpec = withRules(appSpecShape, [
  {
    cel: "!(has(self.replicas) && has(self.autoscale))",
    message: "the App is autoscaled, so replicas can't be set; change autoscale.min/max, or remove autoscale first",
    field: ".replicas",
    reason: "FieldValueForbidden",
    holds: (s) => s.replicas === undefined || s.autoscale === undefined,
  },
  distinctEnvNames(),
  {
    cel: "!has(self.routes) || !has(self.routes.http) || (has(self.ports) && self.ports.exists(p, p.protocol == 'HTTP'))",
    message: "routes.http needs a port with protocol HTTP; add one to ports or remove routes.http",
    field: ".routes",
    holds: (s) => s.routes?.http === undefined || (s.ports ?? []).some((p) => p.protocol === "HTTP"),
  },
  {
    cel: "!has(self.routes) || !has(self.routes.grpc) || (has(self.ports) && self.ports.exists(p, p.protocol == 'GRPC'))",
    message: "routes.grpc needs a port with protocol GRPC; add one to ports or remove routes.grpc",
    field: ".routes",
    holds: (s) => s.routes?.grpc === undefined || (s.ports ?? []).some((p) => p.protocol === "GRPC"),
  },
  {
    cel: "!has(self.rollout) || self.rollout.strategy == 'rolling' || has(self.ports)",
    message:
      "a canary or blue-green rollout moves traffic through the App's routes, so it needs ports; add one or use strategy rolling",
    field: ".rollout",
    holds: (s) => (s.rollout?.strategy ?? "rolling") === "rolling" || s.ports !== undefined,
  },
]).describe("Desired state of the App.");
export type AppSpec = z.infer<typeof AppSpec>;
export type AppSpecInput = z.input<typeof AppSpec>;
/** The App spec's fields, without its cross-field rules, for schemas that compose them differently (loco.toml). */
export const appSpecFields = appSpecShape.shape;

export const AppStatus = z
  .strictObject({
    observedGeneration: observedGeneration().optional(),
    conditions: conditions().optional(),
    deploymentId: z
      .string()
      .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, { error: "must be a ULID" })
      .optional()
      .describe("ULID of the deployment now rolled out; a new one each time the pod template changes."),
    url: z
      .string()
      .max(2048)
      .optional()
      .describe("Primary URL of the App; its scheme and port are those of the Gateway listener its routes attach to."),
    urls: z.array(z.string().max(2048)).max(64).optional().describe("Every URL the App is reachable at."),
    replicas: z.int().min(0).optional().describe("Replicas that exist (for the scale subresource)."),
    readyReplicas: z.int().min(0).optional().describe("Replicas that pass their readiness check."),
    selector: z
      .string()
      .max(1024)
      .optional()
      .describe("Label selector of the App's pods, serialised (for the scale subresource and HPAs)."),
    image: z.string().max(512).optional().describe("Image of the deployment now rolled out."),
    lastDeployTime: timestamp().optional().describe("When the current deployment started rolling out."),
    rollout: RolloutStatus.optional(),
  })
  .describe("Observed state of the App, written by the operator.");
export type AppStatus = z.infer<typeof AppStatus>;

export const App = withRules(kubernetesObject("App", AppSpec, AppStatus), [
  {
    // The name becomes a Service name, a hostname label and part of LOCO_<APP>_URL, so it must be a DNS-1035 label.
    cel: "self.metadata.name.size() <= 63 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message:
      "metadata.name must be at most 63 lowercase letters, digits and '-', starting with a letter (it becomes a Service name)",
    // The apiserver allows no fieldPath into metadata, so only zod can point at the name itself.
    zodField: ".metadata.name",
    holds: (app) =>
      app.metadata.name === undefined ||
      (app.metadata.name.length <= 63 && /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(app.metadata.name)),
  },
  {
    // The canary's Service is <name>-canary and blue-green's preview route <name>-preview: at most 63 characters.
    cel: "!has(self.spec.rollout) || self.spec.rollout.strategy == 'rolling' || self.metadata.name.size() <= (self.spec.rollout.strategy == 'blueGreen' ? 55 : 56)",
    message:
      "a canary App's name must be at most 56 characters, a blue-green App's 55 (their Services and routes are <name>-canary and <name>-preview); shorten the name",
    field: ".spec.rollout.strategy",
    holds: (app) =>
      (app.spec.rollout?.strategy ?? "rolling") === "rolling" ||
      app.metadata.name === undefined ||
      app.metadata.name.length <= (app.spec.rollout?.strategy === "blueGreen" ? 55 : 56),
  },
]);
export type App = z.infer<typeof App>;
