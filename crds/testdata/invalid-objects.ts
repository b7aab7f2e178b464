// Objects each broken in one way, and the field each error must name. The same table runs through zod
// (crds/invalid-objects.test.ts) and through the real apiserver (test/crds/invalid-objects.test.ts), which keeps
// the CEL rules and their TypeScript twins in agreement.
import { apiVersion } from "../common.ts";

type Json = Record<string, unknown>;

export interface InvalidCase {
  /** What is wrong, as a test name. */
  name: string;
  kind: "App" | "Profile" | "Pipeline" | "Run";
  object: Json;
  /** The field the apiserver's error names, as it writes paths (`spec.ports[0].port`). */
  field: string;
  /** Where zod reports it, when that differs from the apiserver. */
  zodField?: string;
  /**
   * A valid object to create first; `object` is then applied over it. For transition rules, which need the
   * stored object, and so only the apiserver can check.
   */
  before?: Json;
}

const app = (name: string, spec: Json): Json => ({
  apiVersion,
  kind: "App",
  metadata: { name },
  spec: { profile: "prod", image: "registry.example.com/acme/web:1", ...spec },
});

const httpPort = { name: "http", port: 8080 };

const profile = (name: string, spec: Json): Json => ({
  apiVersion,
  kind: "Profile",
  metadata: { name: `invalid-${name}` },
  spec: { baseDomain: "apps.example.com", gateway: { name: "public", namespace: "loco-system" }, ...spec },
});

const task = (name: string, extra: Json = {}): Json => ({ name, image: "node:24", command: ["npm", "test"], ...extra });

const pipeline = (name: string, spec: Json): Json => ({
  apiVersion,
  kind: "Pipeline",
  metadata: { name },
  spec: { tasks: [task("test")], ...spec },
});

const run = (name: string, spec: Json): Json => ({ apiVersion, kind: "Run", metadata: { name }, spec });

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether an apiserver message names `field` as a path, not merely as part of a longer one: `spec.replicas: …`,
 * `.spec.replica: field not declared`, `[spec.image: Required value`, `metadata.name must …`.
 */
export function namesField(message: string, field: string): boolean {
  return new RegExp(`(^|[\\s"'(\\[.])${escapeRegExp(field)}(:|\\s)`).test(message);
}

export const invalidObjects: InvalidCase[] = [
  // --- App: types, unknown fields, ranges, formats ---------------------------------------------------------
  { name: "replicas is a string", kind: "App", object: app("a1", { replicas: "three" }), field: "spec.replicas" },
  { name: "unknown field (typo)", kind: "App", object: app("a2", { replica: 2 }), field: "spec.replica" },
  {
    name: "unknown field in a port",
    kind: "App",
    object: app("a3", { ports: [{ ...httpPort, targetPort: 80 }] }),
    // Server-side apply names items of a list-map by their key.
    field: 'spec.ports[name="http"].targetPort',
    zodField: "spec.ports[0].targetPort",
  },
  {
    name: "port number out of range",
    kind: "App",
    object: app("a4", { ports: [{ name: "http", port: 70000 }] }),
    field: "spec.ports[0].port",
  },
  {
    name: "unsupported protocol",
    kind: "App",
    object: app("a5", { ports: [{ ...httpPort, protocol: "TCP" }] }),
    field: "spec.ports[0].protocol",
  },
  {
    name: "port name is not a DNS label",
    kind: "App",
    object: app("a6", { ports: [{ name: "Web_Port", port: 8080 }] }),
    field: "spec.ports[0].name",
  },
  {
    name: "two ports with the same name",
    kind: "App",
    object: app("a7", { ports: [httpPort, { name: "http", port: 9090 }] }),
    field: "spec.ports",
    zodField: "spec.ports[1].name",
  },
  {
    name: "two ports with the same number",
    kind: "App",
    object: app("a8", { ports: [httpPort, { name: "admin", port: 8080 }] }),
    field: "spec.ports",
  },
  {
    name: "image is missing",
    kind: "App",
    object: { apiVersion, kind: "App", metadata: { name: "a9" }, spec: { profile: "prod" } },
    field: "spec.image",
  },
  {
    name: "memory is not a quantity",
    kind: "App",
    object: app("a10", { resources: { memory: "lots" } }),
    field: "spec.resources.memory",
  },
  { name: "negative cpu", kind: "App", object: app("a11", { resources: { cpu: -1 } }), field: "spec.resources.cpu" },
  {
    name: "idleTimeout is not a duration",
    kind: "App",
    object: app("a12", { idleTimeout: "2 minutes" }),
    field: "spec.idleTimeout",
  },
  {
    name: "targetCPU above 100",
    kind: "App",
    object: app("a13", { autoscale: { max: 4, targetCPU: 150 } }),
    field: "spec.autoscale.targetCPU",
  },
  {
    name: "env name with a dash",
    kind: "App",
    object: app("a14", { env: [{ name: "LOG-LEVEL", value: "info" }] }),
    field: "spec.env[0].name",
  },
  {
    name: "hostname with capitals",
    kind: "App",
    object: app("a15", { ports: [httpPort], routes: { http: { hostnames: ["Shop.Example.com"] } } }),
    field: "spec.routes.http.hostnames[0]",
  },
  // --- App: cross-field rules ------------------------------------------------------------------------------
  {
    name: "autoscale.max below min",
    kind: "App",
    object: app("a16", { autoscale: { min: 3, max: 2 } }),
    field: "spec.autoscale.max",
  },
  {
    name: "replicas on an autoscaled App",
    kind: "App",
    object: app("a17", { replicas: 3, autoscale: { min: 1, max: 4 } }),
    field: "spec.replicas",
  },
  {
    name: "probe with two handlers",
    kind: "App",
    object: app("a18", { health: { readiness: { http: { path: "/healthz" }, exec: { command: ["true"] } } } }),
    field: "spec.health.readiness",
  },
  {
    name: "probe with no handler",
    kind: "App",
    object: app("a19", { health: { liveness: { periodSeconds: 5 } } }),
    field: "spec.health.liveness",
  },
  {
    name: "a variable in both env and secretEnv",
    kind: "App",
    object: app("a20", {
      env: [{ name: "DATABASE_URL", value: "postgres://localhost" }],
      secretEnv: [{ name: "DATABASE_URL", secretKey: "database-url" }],
    }),
    field: "spec.secretEnv",
  },
  {
    name: "an HTTP route without an HTTP port",
    kind: "App",
    object: app("a21", { ports: [{ name: "grpc", port: 9000, protocol: "GRPC" }], routes: { http: {} } }),
    field: "spec.routes",
  },
  {
    name: "App name that is no DNS-1035 label",
    kind: "App",
    object: app("1shop", {}),
    field: "metadata.name",
  },
  // --- App: spec.rollout -------------------------------------------------------------------------------------
  {
    name: "a canary without steps",
    kind: "App",
    object: app("r1", { ports: [httpPort], rollout: { strategy: "canary" } }),
    field: "spec.rollout.steps",
  },
  {
    name: "steps with strategy rolling",
    kind: "App",
    object: app("r2", { ports: [httpPort], rollout: { strategy: "rolling", steps: [{ setWeight: 10 }] } }),
    field: "spec.rollout.steps",
  },
  {
    name: "blueGreen settings with strategy canary",
    kind: "App",
    object: app("r3", {
      ports: [httpPort],
      rollout: { strategy: "canary", steps: [{ setWeight: 10 }], blueGreen: { autoPromoteAfter: "1m" } },
    }),
    field: "spec.rollout.blueGreen",
  },
  {
    name: "a blue-green preview hostname that is no hostname",
    kind: "App",
    object: app("r15", {
      ports: [httpPort],
      rollout: { strategy: "blueGreen", blueGreen: { previewHostname: "not a host" } },
    }),
    field: "spec.rollout.blueGreen.previewHostname",
  },
  {
    name: "a blue-green App without ports",
    kind: "App",
    object: app("r16", { rollout: { strategy: "blueGreen" } }),
    field: "spec.rollout",
  },
  {
    name: "a canary weight above 100",
    kind: "App",
    object: app("r4", { ports: [httpPort], rollout: { strategy: "canary", steps: [{ setWeight: 120 }] } }),
    field: "spec.rollout.steps[0].setWeight",
  },
  {
    name: "a step that sets a weight and pauses",
    kind: "App",
    object: app("r5", {
      ports: [httpPort],
      rollout: { strategy: "canary", steps: [{ setWeight: 10, pause: {} }] },
    }),
    field: "spec.rollout.steps[0]",
  },
  {
    name: "an analysis with two checks",
    kind: "App",
    object: app("r6", {
      ports: [httpPort],
      rollout: {
        strategy: "canary",
        steps: [{ analysis: { successRate: { minPercent: 99 }, latency: { maxMs: 300 } } }],
      },
    }),
    field: "spec.rollout.steps[0].analysis",
  },
  {
    name: "an analysis that allows as many failures as checks",
    kind: "App",
    object: app("r7", {
      ports: [httpPort],
      rollout: {
        strategy: "canary",
        steps: [{ analysis: { successRate: { minPercent: 99 }, count: 2, failureLimit: 2 } }],
      },
    }),
    field: "spec.rollout.steps[0].analysis.failureLimit",
  },
  {
    name: "a success rate with both an absolute and a relative threshold",
    kind: "App",
    object: app("r11", {
      ports: [httpPort],
      rollout: { strategy: "canary", steps: [{ analysis: { successRate: { minPercent: 99, maxDropPoints: 1 } } }] },
    }),
    field: "spec.rollout.steps[0].analysis.successRate",
  },
  {
    name: "a latency check without a threshold",
    kind: "App",
    object: app("r12", {
      ports: [httpPort],
      rollout: { strategy: "canary", steps: [{ analysis: { latency: { percentile: 95 } } }] },
    }),
    field: "spec.rollout.steps[0].analysis.latency",
  },
  {
    name: "a headerRoute with strategy rolling",
    kind: "App",
    object: app("r13", { ports: [httpPort], rollout: { headerRoute: { name: "x-canary", value: "always" } } }),
    field: "spec.rollout.headerRoute",
  },
  {
    name: "a headerRoute whose name is no HTTP header name",
    kind: "App",
    object: app("r14", {
      ports: [httpPort],
      rollout: { strategy: "canary", steps: [{ setWeight: 10 }], headerRoute: { name: "x canary", value: "1" } },
    }),
    field: "spec.rollout.headerRoute.name",
  },
  {
    name: "a query without {{selector}}",
    kind: "App",
    object: app("r8", {
      ports: [httpPort],
      rollout: { strategy: "canary", steps: [{ analysis: { query: { promql: "sum(up)", max: 1 } } }] },
    }),
    field: "spec.rollout.steps[0].analysis.query.promql",
  },
  {
    name: "a success rate above 100 percent",
    kind: "App",
    object: app("r9", {
      ports: [httpPort],
      rollout: { strategy: "canary", steps: [{ analysis: { successRate: { minPercent: 101 } } }] },
    }),
    field: "spec.rollout.steps[0].analysis.successRate.minPercent",
  },
  {
    name: "a canary without ports",
    kind: "App",
    object: app("r10", { rollout: { strategy: "canary", steps: [{ setWeight: 10 }] } }),
    field: "spec.rollout",
  },
  {
    name: "a blue-green App name too long for its <name>-preview route (56 characters)",
    kind: "App",
    object: app(`bg${"x".repeat(54)}`, { ports: [httpPort], rollout: { strategy: "blueGreen" } }),
    field: "spec.rollout.strategy",
  },
  // --- Profile ---------------------------------------------------------------------------------------------
  {
    name: "hostnameTemplate without {tenant}",
    kind: "Profile",
    object: profile("p1", { hostnameTemplate: "{app}.{baseDomain}" }),
    field: "spec.hostnameTemplate",
  },
  {
    name: "hostnameTemplate with an unknown placeholder",
    kind: "Profile",
    object: profile("p2", { hostnameTemplate: "{app}-{tenant}.{region}.{baseDomain}" }),
    field: "spec.hostnameTemplate",
  },
  {
    name: "default replicas above the limit",
    kind: "Profile",
    object: profile("p3", { defaults: { replicas: 5 }, limits: { maxReplicas: 3 } }),
    field: "spec.defaults.replicas",
  },
  {
    name: "gateway namespace is a number",
    kind: "Profile",
    object: profile("p4", { gateway: { name: "public", namespace: 7 } }),
    field: "spec.gateway.namespace",
  },
  {
    name: "baseDomain is missing",
    kind: "Profile",
    object: {
      apiVersion,
      kind: "Profile",
      metadata: { name: "invalid-p5" },
      spec: { gateway: { name: "g", namespace: "n" } },
    },
    field: "spec.baseDomain",
  },
  // --- Pipeline --------------------------------------------------------------------------------------------
  {
    name: "task depends on itself",
    kind: "Pipeline",
    object: pipeline("l1", { tasks: [task("test", { dependsOn: { test: "Success" } })] }),
    field: "spec.tasks[0].dependsOn",
  },
  {
    name: "dependsOn with an unknown outcome",
    kind: "Pipeline",
    object: pipeline("l2", { tasks: [task("test"), task("build", { dependsOn: { test: "Succeeded" } })] }),
    field: "spec.tasks[1].dependsOn.test",
  },
  {
    name: "two tasks with the same name",
    kind: "Pipeline",
    object: pipeline("l3", { tasks: [task("test"), task("test", { image: "node:22" })] }),
    field: "spec.tasks",
    zodField: "spec.tasks[1].name",
  },
  { name: "no tasks", kind: "Pipeline", object: pipeline("l4", { tasks: [] }), field: "spec.tasks" },
  {
    name: "script together with command",
    kind: "Pipeline",
    object: pipeline("l5", { tasks: [task("test", { script: "npm test" })] }),
    field: "spec.tasks[0].script",
  },
  {
    name: "trigger with both cron and interval",
    kind: "Pipeline",
    object: pipeline("l6", { triggers: [{ cron: { schedule: "@daily" }, interval: { every: "1h" } }] }),
    field: "spec.triggers[0]",
  },
  {
    name: "interval of 0s (would fire continuously)",
    kind: "Pipeline",
    object: pipeline("l20", { triggers: [{ interval: { every: "0s" } }] }),
    field: "spec.triggers[0].interval.every",
  },
  {
    name: "interval of 1ns",
    kind: "Pipeline",
    object: pipeline("l21", { triggers: [{ interval: { every: "1ns" } }] }),
    field: "spec.triggers[0].interval.every",
  },
  {
    name: "jitter longer than the interval",
    kind: "Pipeline",
    object: pipeline("l7", { triggers: [{ interval: { every: "10m", jitter: "1h" } }] }),
    field: "spec.triggers[0].interval.jitter",
  },
  {
    name: "unknown concurrency policy",
    kind: "Pipeline",
    object: pipeline("l8", { concurrency: { policy: "Parallel" } }),
    field: "spec.concurrency.policy",
  },
  {
    name: "cron schedule in words",
    kind: "Pipeline",
    object: pipeline("l9", { triggers: [{ cron: { schedule: "every day" } }] }),
    field: "spec.triggers[0].cron.schedule",
  },
  {
    name: "negative retries",
    kind: "Pipeline",
    object: pipeline("l10", { tasks: [task("test", { retries: -1 })] }),
    field: "spec.tasks[0].retries",
  },
  {
    name: "task timeout in words",
    kind: "Pipeline",
    object: pipeline("l11", { tasks: [task("test", { timeout: "8 hours" })] }),
    field: "spec.tasks[0].timeout",
  },
  // --- Run -------------------------------------------------------------------------------------------------
  {
    name: "both a pipelineRef and a task",
    kind: "Run",
    object: run("r1", { pipelineRef: { name: "ci" }, task: { image: "node:24" } }),
    field: "spec",
  },
  { name: "neither a pipelineRef nor a task", kind: "Run", object: run("r2", { timeout: "1h" }), field: "spec" },
  {
    name: "unknown startedBy kind",
    kind: "Run",
    object: run("r3", { pipelineRef: { name: "ci" }, startedBy: { kind: "Cron" } }),
    field: "spec.startedBy.kind",
  },
  {
    name: "pipelineRef changed after creation",
    kind: "Run",
    before: run("r4", { pipelineRef: { name: "ci" } }),
    object: run("r4", { pipelineRef: { name: "release" } }),
    field: "spec",
  },
  {
    name: "a cancelled Run resumed",
    kind: "Run",
    before: run("r5", { pipelineRef: { name: "ci" }, cancel: true }),
    object: run("r5", { pipelineRef: { name: "ci" }, cancel: false }),
    field: "spec.cancel",
  },
  {
    name: "an app for a Pipeline's Run",
    kind: "Run",
    object: run("r6", { pipelineRef: { name: "ci" }, app: "web" }),
    field: "spec.app",
  },
];
