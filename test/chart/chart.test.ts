// charts/loco against the real tools and the real kube-apiserver: helm lint, helm template with the default and
// the full values, a server-side dry run of every rendered object, and a real install and uninstall into the
// shared control plane (kwok plays the pods, so nothing needs the images).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { loadApiConfig } from "../../api/config.ts";
import { kubectl } from "../../hack/control-plane/control-plane.ts";
import type { KubeObject } from "../../kube/types.ts";
import { loadOperatorConfig } from "../../operator/config.ts";
import { loadResurrectorConfig } from "../../resurrector/config.ts";
import { chartDir, fullValues, helm, parseManifest, renderChart } from "../support/helm.ts";
import { eventually, type TestKube, testKube } from "../support/kube.ts";

type Container = {
  name: string;
  args?: string[];
  securityContext?: {
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    capabilities?: { drop?: string[] };
    seccompProfile?: { type?: string };
  };
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string } };
  livenessProbe?: { httpGet?: { path: string; port: string } };
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
};
type Volume = { name: string; secret?: { secretName?: string }; emptyDir?: { medium?: string; sizeLimit?: string } };
type PodSpec = {
  serviceAccountName?: string;
  volumes?: Volume[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  containers: Container[];
};
type Deployment = KubeObject & { spec: { replicas: number; template: { spec: PodSpec } } };

let kube: TestKube;
let ns: string;
const state = () => ({ kubeconfig: inject("kubeconfig") });
const find = (objects: KubeObject[], kind: string, nameSuffix: string) =>
  objects.find((o) => o.kind === kind && o.metadata.name?.endsWith(nameSuffix));
const deployments = (objects: KubeObject[]) => objects.filter((o) => o.kind === "Deployment") as Deployment[];

// Values from Secrets, as the kubelet would resolve them.
const fromSecrets: Record<string, string> = {
  LOCO_DATABASE_URL: "postgres://loco:secret@postgres:5432/loco",
  OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Basic eA==",
  LOCO_API_METRICS_AUTHORIZATION: "Bearer metrics-query",
};

/** Each Deployment's configuration (by name) as its program's own loader reads the rendered args and env. */
function loadEachProcess(objects: KubeObject[]): Record<string, unknown> {
  const loaded: Record<string, unknown> = {};
  for (const deployment of deployments(objects)) {
    const container = deployment.spec.template.spec.containers[0]!;
    // Node's own flags (operator.nodeFlags) come before the script; the program reads what follows it.
    const args = container.args ?? [];
    const [program, ...argv] = args.slice(
      Math.max(
        0,
        args.findIndex((arg) => !arg.startsWith("--")),
      ),
    );
    const env = Object.fromEntries(
      (container.env ?? []).map((e) => [e.name, e.value ?? fromSecrets[e.name] ?? "from-a-field"]),
    );
    const load = {
      "dist/operator/main.js": loadOperatorConfig,
      "dist/api/main.js": loadApiConfig,
      "dist/resurrector/main.js": loadResurrectorConfig,
    }[program ?? ""];
    expect(load, `${deployment.metadata.name} runs ${program}`).toBeDefined();
    loaded[deployment.metadata.name ?? ""] = load?.(argv, env);
  }
  return loaded;
}

/** The API with the fewest values that turn it on. */
const apiOn = ["--set", "api.enabled=true", "--set", "database.existingSecret=loco-database"];
/** Every value the security hardening added, each set to something other than the process's default. */
const hardeningValues = [
  "--set",
  "operator.minTriggerInterval=5m",
  "--set-json",
  'operator.allowedPodAnnotations=["example.com/team","vault.hashicorp.com/*"]',
  "--set",
  "operator.reconcileTimeout=2m",
  "--set-string",
  "operator.secretVersions=25",
  "--set",
  "api.streamsPerCredential=4",
  "--set",
  "api.streamsPerTenant=20",
  "--set",
  "api.bootstrapTokenTtl=2h",
  "--set",
  "api.bootstrapTokenFile=/run/loco/first-start/token",
];
const hardeningFlags = [
  "--min-trigger-interval",
  "--allowed-pod-annotations",
  "--reconcile-timeout",
  "--secret-versions",
  "--streams-per-credential",
  "--streams-per-tenant",
  "--bootstrap-token-ttl",
  "--bootstrap-token-file",
];
const flagsOf = (deployment: Deployment | undefined) =>
  (deployment?.spec.template.spec.containers[0]?.args ?? []).map((arg) => arg.split("=")[0] ?? arg);
/** The in-memory emptyDir volumes of a pod. */
const memoryVolumes = (deployment: Deployment) =>
  (deployment.spec.template.spec.volumes ?? []).filter((v) => v.emptyDir?.medium === "Memory");

beforeAll(async () => {
  kube = testKube();
  ns = await kube.namespace("chart");
});

afterAll(async () => {
  await kube.cleanup();
});

describe("the loco chart", () => {
  it("passes helm lint --strict with the default and with the full values", async () => {
    const plain = await helm(["lint", "--strict", chartDir]);
    expect(plain.stdout).toContain("0 chart(s) failed");
    const full = await helm(["lint", "--strict", chartDir, "-f", fullValues]);
    expect(full.stdout).toContain("0 chart(s) failed");
  });

  it("refuses values the schema does not allow", async () => {
    await expect(renderChart("loco", ns, ["--set", "operator.replicass=2"])).rejects.toThrow(/replicass/);
    // The API and the resurrector need the database.
    await expect(renderChart("loco", ns, ["--set", "api.enabled=true"])).rejects.toThrow(/existingSecret/);
    // Two operators without leader election would both act.
    await expect(renderChart("loco", ns, ["--set", "operator.leaderElection.enabled=false"])).rejects.toThrow(/allOf/);
  });

  it("renders the operator by default: 2 replicas with leader election, a PDB, probes, metrics, least privilege", async () => {
    const objects = await renderChart("loco", ns);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      "ClusterRole/loco-operator",
      "ClusterRoleBinding/loco-operator",
      "Deployment/loco-operator",
      "NetworkPolicy/loco-operator",
      "PodDisruptionBudget/loco-operator",
      "Role/loco-operator-leader-election",
      "RoleBinding/loco-operator-leader-election",
      "Service/loco-operator-metrics",
      "ServiceAccount/loco-operator",
      "ValidatingAdmissionPolicy/loco-operator-leader-fence",
      "ValidatingAdmissionPolicyBinding/loco-operator-leader-fence",
    ]);
    const [operator] = deployments(objects);
    expect(operator?.spec.replicas).toBe(2);
    const container = operator?.spec.template.spec.containers[0];
    expect(container?.args).toEqual(
      expect.arrayContaining([
        "dist/operator/main.js",
        "--leader-elect",
        `--leader-election-namespace=${ns}`,
        "--health-address=0.0.0.0:8081",
      ]),
    );
    // V8 keeps its reserved heap near what is live (docs/performance.md, "Memory"): flags for node, before the script.
    expect(container?.args?.slice(0, 3)).toEqual([
      "--max-semi-space-size=1",
      "--optimize-for-size",
      "dist/operator/main.js",
    ]);
    expect(container?.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "health" });
    expect(container?.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "health" });
    expect(container?.ports).toEqual([expect.objectContaining({ name: "health", containerPort: 8081 })]);
    // No database: no mirror, so no DSN, and the ClusterRole has no rule for what only the mirror reads.
    expect(container?.env?.map((e) => e.name)).not.toContain("LOCO_DATABASE_URL");
    const role = find(objects, "ClusterRole", "operator") as KubeObject & { rules: { resources?: string[] }[] };
    expect(role.rules.flatMap((r) => r.resources ?? [])).not.toContain("rolebindings");
  });

  it("renders every optional part with the full values: API with Service and HTTPRoute, resurrector, Secrets", async () => {
    const objects = await renderChart("loco", ns, ["-f", fullValues]);
    expect(deployments(objects).map((d) => d.metadata.name)).toEqual(["loco-api", "loco-operator", "loco-resurrector"]);
    expect(find(objects, "HTTPRoute", "api")).toMatchObject({
      spec: { hostnames: ["loco.example.com"], parentRefs: [{ name: "public", namespace: "gateways" }] },
    });
    expect(find(objects, "Service", "api")).toBeDefined();
    expect(find(objects, "PodDisruptionBudget", "api")).toBeDefined();
    expect(find(objects, "NetworkPolicy", "resurrector")).toBeDefined();
    const operator = find(objects, "Deployment", "operator") as Deployment;
    const container = operator.spec.template.spec.containers[0]!;
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env.LOCO_DATABASE_URL).toEqual({ secretKeyRef: { name: "loco-database", key: "url" } });
    expect(env.LOCO_KEK_FILE).toBe("/etc/loco/kek/keys");
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://openobserve.observability:5080/api/default");
    expect(env.OTEL_EXPORTER_OTLP_HEADERS).toEqual({ secretKeyRef: { name: "loco-otlp", key: "headers" } });
    // The metrics query API's credential: the API's alone, from its Secret.
    const apiEnv = (find(objects, "Deployment", "api") as Deployment).spec.template.spec.containers[0]?.env ?? [];
    expect(apiEnv.find((e) => e.name === "LOCO_API_METRICS_AUTHORIZATION")?.valueFrom).toEqual({
      secretKeyRef: { name: "loco-metrics-query", key: "authorization" },
    });
    expect(env.LOCO_API_METRICS_AUTHORIZATION).toBeUndefined();
    expect(container.args).toContain("--selector=loco.dev/shard=main");
    const resurrector = find(objects, "Deployment", "resurrector") as Deployment;
    // The key-encryption key only where it is used: the operator's mirror, the resurrector and the API (webhook
    // signing secrets).
    const kekOf = (deployment: Deployment) => ({
      env: deployment.spec.template.spec.containers[0]?.env?.some((e) => e.name === "LOCO_KEK_FILE"),
      volume: deployment.spec.template.spec.volumes?.some((v) => v.secret?.secretName === "loco-kek"),
    });
    expect(kekOf(operator)).toEqual({ env: true, volume: true });
    expect(kekOf(resurrector)).toEqual({ env: true, volume: true });
    const api = find(objects, "Deployment", "api") as Deployment;
    expect(kekOf(api)).toEqual({ env: true, volume: true });
    expect(api.spec.template.spec.containers[0]?.volumeMounts).toContainEqual({
      name: "kek",
      mountPath: "/etc/loco/kek",
      readOnly: true,
    });
    expect(resurrector.spec.template.spec.containers[0]?.args?.slice(0, 2)).toEqual([
      "dist/resurrector/main.js",
      "watch",
    ]);
  });

  it("passes flags and environment that each program's own configuration parser accepts", async () => {
    const parsed: Record<string, unknown> = {};
    for (const objects of [await renderChart("loco", ns), await renderChart("loco", ns, ["-f", fullValues])]) {
      Object.assign(parsed, loadEachProcess(objects));
    }
    // The last render (full values) wins in `parsed`.
    expect(parsed["loco-operator"]).toMatchObject({
      leaderElect: true,
      leaderElectionNamespace: ns,
      leaseName: "loco-operator-main",
      healthAddress: { host: "0.0.0.0", port: 9091 },
      concurrency: 16,
      selector: "loco.dev/shard=main",
      databaseUrl: fromSecrets.LOCO_DATABASE_URL,
      leaseDuration: 20_000,
      minTimeout: 60_000,
      minTriggerInterval: 30_000,
      allowedPodAnnotations: ["sidecar.istio.io/inject", "example.com/*"],
      reconcileTimeout: 90_000,
    });
    expect(parsed["loco-api"]).toMatchObject({
      address: { host: "0.0.0.0", port: 8080 },
      databaseUrl: fromSecrets.LOCO_DATABASE_URL,
      oidcIssuer: "https://login.example.com",
      platformAdminGroups: ["platform-admins"],
      objectLabels: { "loco.dev/shard": "main" },
      trustProxy: true,
      bootstrap: false,
      maxPageSize: 200,
      streamsPerCredential: 20,
      streamsPerTenant: 200,
      metricsUrl: "http://prometheus.monitoring:9090",
      metricsRateWindow: 60_000,
      metricsAuthorization: "Bearer metrics-query",
    });
    expect(parsed["loco-resurrector"]).toMatchObject({
      command: "watch",
      databaseUrl: fromSecrets.LOCO_DATABASE_URL,
      interval: 60_000,
      concurrency: 8,
    });
  });

  it("schedules loco-db prune with the database (retention, on by default), as the image's program reads its flags", async () => {
    type CronJob = KubeObject & {
      spec: {
        schedule: string;
        concurrencyPolicy: string;
        jobTemplate: { spec: { template: { spec: PodSpec & { automountServiceAccountToken?: boolean } } } };
      };
    };
    const objects = await renderChart("loco", ns, ["-f", fullValues]);
    const cron = find(objects, "CronJob", "prune") as CronJob;
    expect(cron.spec).toMatchObject({ schedule: "17 3 * * *", concurrencyPolicy: "Forbid" });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    const container = pod.containers[0]!;
    expect(container.args).toEqual(["dist/db/admin.js", "prune", "--older-than=30d", "--batch-size=1000"]);
    expect(container.env?.find((e) => e.name === "LOCO_DATABASE_URL")?.valueFrom).toBeDefined();
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    const off = await renderChart("loco", ns, ["-f", fullValues, "--set", "retention.enabled=false"]);
    expect(find(off, "CronJob", "prune")).toBeUndefined();
    // Without a database there is nothing to prune.
    expect(find(await renderChart("loco", ns), "CronJob", "prune")).toBeUndefined();
  });

  it("runs every container non-root with a read-only root filesystem, no capabilities and seccomp RuntimeDefault", async () => {
    for (const objects of [await renderChart("loco", ns), await renderChart("loco", ns, ["-f", fullValues])]) {
      for (const deployment of deployments(objects)) {
        const pod = deployment.spec.template.spec;
        expect(pod.securityContext, deployment.metadata.name).toMatchObject({
          runAsNonRoot: true,
          seccompProfile: { type: "RuntimeDefault" },
        });
        expect(pod.serviceAccountName).toMatch(/^loco-/);
        for (const container of pod.containers) {
          expect(container.securityContext, `${deployment.metadata.name}/${container.name}`).toMatchObject({
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
          });
        }
      }
    }
  });

  it("renders objects the real kube-apiserver accepts (server-side dry run, strict field validation)", async () => {
    const crds = readdirSync(join(chartDir, "crds")).map((file) => join(chartDir, "crds", file));
    const dryRun = ["apply", "--server-side", "--dry-run=server", "--validate=strict", "--field-manager=loco-test"];
    const crdOutput = await kubectl(state(), [...dryRun, ...crds.flatMap((f) => ["-f", f])]);
    expect(crdOutput.trim().split("\n")).toHaveLength(crds.length);
    for (const values of [[], ["-f", fullValues]]) {
      const { stdout: manifest } = await helm(["template", "loco", chartDir, "--namespace", ns, ...values]);
      const objects = parseManifest(manifest);
      const output = await kubectl(state(), [...dryRun, "-f", "-"], manifest);
      const accepted = output.trim().split("\n");
      expect(accepted, output).toHaveLength(objects.length);
      for (const line of accepted) expect(line).toMatch(/serverside-applied \(server dry run\)$/);
    }
  });

  it("installs into the control plane with the full values, creates its objects, and uninstalls cleanly", async () => {
    const release = `loco-${randomBytes(3).toString("hex")}`;
    const target = await kube.namespace("chart-install");
    for (const [name, key, value] of [
      ["loco-database", "url", "postgres://loco:secret@postgres.example:5432/loco"],
      ["loco-kek", "keys", `k1:${Buffer.alloc(32, 7).toString("base64")}`],
      ["loco-otlp", "headers", "Authorization=Basic bG9jbzpzZWNyZXQ="],
      ["loco-metrics-query", "authorization", "Bearer metrics-query"],
    ] as const) {
      await kube.core.createNamespacedSecret({
        namespace: target,
        body: { metadata: { name }, stringData: { [key]: value } },
      });
    }
    const kubeconfig = inject("kubeconfig");
    // --skip-crds: the shared control plane already has loco's CRDs (the same files; the dry run above covers them).
    await helm(["install", release, chartDir, "--namespace", target, "-f", fullValues, "--skip-crds"], kubeconfig);
    try {
      const { stdout: manifest } = await helm(["get", "manifest", release, "--namespace", target], kubeconfig);
      const objects = parseManifest(manifest);
      expect(objects.length).toBeGreaterThanOrEqual(20);
      // Every object of the release exists (kubectl fails on the first one that does not).
      const names = (await kubectl(state(), ["get", "-o", "name", "-f", "-"], manifest)).trim().split("\n");
      expect(names).toHaveLength(objects.length);
      // The Deployments do their work: kube-controller-manager creates the operator's three pods.
      await eventually("the operator's pods", async () => {
        const pods = await kube.core.listNamespacedPod({
          namespace: target,
          labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=operator`,
        });
        return pods.items.length === 3 ? pods.items : undefined;
      });
    } finally {
      await helm(["uninstall", release, "--namespace", target, "--wait", "--timeout", "60s"], kubeconfig);
    }
    const remaining = await kubectl(state(), [
      "get",
      "clusterroles,clusterrolebindings",
      "-l",
      `app.kubernetes.io/instance=${release}`,
      "-o",
      "name",
    ]);
    expect(remaining.trim()).toBe("");
  });
});

describe("the values of the security hardening", () => {
  it("reach the operator's and the API's flags, and each process's own loader parses them", async () => {
    const objects = await renderChart("loco", ns, [...apiOn, ...hardeningValues]);
    const processes = loadEachProcess(objects);
    expect(processes["loco-operator"]).toMatchObject({
      minTriggerInterval: 5 * 60_000,
      allowedPodAnnotations: ["example.com/team", "vault.hashicorp.com/*"],
      reconcileTimeout: 2 * 60_000,
      secretVersions: 25,
    });
    expect(processes["loco-api"]).toMatchObject({
      streamsPerCredential: 4,
      streamsPerTenant: 20,
      bootstrap: true,
      bootstrapTokenTtl: 2 * 3_600_000,
      bootstrapTokenFile: "/run/loco/first-start/token",
    });
  });

  it("are left to each process's default when unset, so an older values file's extraArgs and extraEnv still decide", async () => {
    // The chart renders no flag it was not given: the processes' defaults apply…
    const plain = await renderChart("loco", ns, [...apiOn, "--set", "api.bootstrapTokenFile="]);
    for (const deployment of deployments(plain)) {
      expect(
        flagsOf(deployment).filter((flag) => hardeningFlags.includes(flag)),
        deployment.metadata.name,
      ).toEqual([]);
    }
    expect(loadEachProcess(plain)["loco-operator"]).toMatchObject({
      minTriggerInterval: 60_000,
      allowedPodAnnotations: [],
      reconcileTimeout: 60_000,
      secretVersions: 10,
    });
    expect(loadEachProcess(plain)["loco-api"]).toMatchObject({
      streamsPerCredential: 10,
      streamsPerTenant: 50,
      bootstrapTokenTtl: 24 * 3_600_000,
    });
    // …and a values file written before these values existed renders as before: what it set through the API's
    // extraArgs and the operator's extraEnv (the only ways then) still reaches the processes.
    const folder = mkdtempSync(join(tmpdir(), "loco-old-values-"));
    const oldValues = join(folder, "values.yaml");
    writeFileSync(
      oldValues,
      stringify({
        database: { existingSecret: "loco-database" },
        operator: {
          extraEnv: [
            { name: "LOCO_MIN_TRIGGER_INTERVAL", value: "10m" },
            { name: "LOCO_ALLOWED_POD_ANNOTATIONS", value: "example.com/*" },
            { name: "LOCO_RECONCILE_TIMEOUT", value: "90s" },
          ],
        },
        api: {
          enabled: true,
          bootstrap: true,
          extraArgs: ["--streams-per-credential=3", "--streams-per-tenant=30", "--bootstrap-token-ttl=6h"],
        },
      }),
    );
    const old = loadEachProcess(await renderChart("loco", ns, ["-f", oldValues]));
    expect(old["loco-operator"]).toMatchObject({
      minTriggerInterval: 10 * 60_000,
      allowedPodAnnotations: ["example.com/*"],
      reconcileTimeout: 90_000,
    });
    expect(old["loco-api"]).toMatchObject({
      streamsPerCredential: 3,
      streamsPerTenant: 30,
      bootstrapTokenTtl: 6 * 3_600_000,
    });
  });

  it("writes the bootstrap token by default to a file on an in-memory emptyDir that only the API container mounts", async () => {
    const objects = await renderChart("loco", ns, apiOn);
    const api = find(objects, "Deployment", "api") as Deployment;
    const container = api.spec.template.spec.containers[0]!;
    const path = "/run/loco/bootstrap/token";
    expect(container.args).toContain(`--bootstrap-token-file=${path}`);
    expect(loadEachProcess(objects)["loco-api"]).toMatchObject({ bootstrap: true, bootstrapTokenFile: path });
    // The root filesystem stays read-only: the file's folder is a writable mount of its own, held in memory (the
    // token never reaches a node's disk) and gone with the pod.
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true);
    const mount = container.volumeMounts?.find((m) => m.mountPath === dirname(path));
    expect(mount, `a volume mounted at ${dirname(path)}`).toBeDefined();
    expect(mount?.readOnly).not.toBe(true);
    const volume = api.spec.template.spec.volumes?.find((v) => v.name === mount?.name);
    expect(volume?.emptyDir).toMatchObject({ medium: "Memory" });
    // Only the API container mounts it, and no other loco pod has such a volume.
    for (const other of api.spec.template.spec.containers.slice(1)) {
      expect(other.volumeMounts?.map((m) => m.name) ?? []).not.toContain(mount?.name);
    }
    for (const deployment of deployments(objects).filter((d) => d !== api)) {
      expect(memoryVolumes(deployment), deployment.metadata.name).toEqual([]);
    }
    // The real apiserver accepts the pod spec (strict field validation; duplicate mount paths would be refused).
    const { stdout: manifest } = await helm(["template", "loco", chartDir, "--namespace", ns, ...apiOn]);
    const output = await kubectl(
      state(),
      ["apply", "--server-side", "--dry-run=server", "--validate=strict", "--field-manager=loco-test", "-f", "-"],
      manifest,
    );
    expect(output).toMatch(/deployment.apps\/loco-api serverside-applied \(server dry run\)/);
  });

  it("prints the bootstrap token to the log only when asked to, and mounts nothing for it without a bootstrap token", async () => {
    const toLog = await renderChart("loco", ns, [...apiOn, "--set", "api.bootstrapTokenFile="]);
    const api = find(toLog, "Deployment", "api") as Deployment;
    expect(loadEachProcess(toLog)["loco-api"]).toMatchObject({ bootstrap: true, bootstrapTokenFile: undefined });
    expect(memoryVolumes(api)).toEqual([]);
    const off = await renderChart("loco", ns, [...apiOn, ...hardeningValues, "--set", "api.bootstrap=false"]);
    const apiOff = find(off, "Deployment", "api") as Deployment;
    expect(flagsOf(apiOff)).toContain("--no-bootstrap");
    expect(flagsOf(apiOff)).not.toContain("--bootstrap-token-file");
    expect(flagsOf(apiOff)).not.toContain("--bootstrap-token-ttl");
    expect(memoryVolumes(apiOff)).toEqual([]);
  });

  it("tells the installer how to read the bootstrap token once, when it expires and how to revoke it", async () => {
    const notes = async (values: string[]) => {
      const { stdout } = await helm(
        ["install", "loco", chartDir, "--namespace", ns, "--dry-run=client", ...apiOn, ...values],
        inject("kubeconfig"),
      );
      return stdout.slice(stdout.indexOf("NOTES:"));
    };
    const one = await notes(["--set", "api.replicas=1", "--set", "api.bootstrapTokenTtl=2h"]);
    expect(one).toContain(`kubectl -n ${ns} exec deploy/loco-api -c api -- cat /run/loco/bootstrap/token`);
    expect(one).toContain("expires 2h after");
    expect(one).toContain("loco token revoke --bootstrap");
    expect(one).toMatch(/first (OIDC|OpenID Connect) sign-in of a\s+platform admin/);
    // With several replicas only the one that minted it holds the file: ask each pod.
    const two = await notes([]);
    expect(two).toContain(
      `kubectl -n ${ns} get pods -l app.kubernetes.io/instance=loco,app.kubernetes.io/component=api -o name`,
    );
    expect(two).toContain("-c api -- cat /run/loco/bootstrap/token");
    expect(two).toContain("expires 24h after");
    // Configured platform admins: the API never mints one, so the notes say nothing of it.
    expect(await notes(["--set-json", 'api.platformAdmins=["alice@example.com"]'])).not.toContain("bootstrap");
    // Asked to print it: the notes point at the log, as before.
    expect(await notes(["--set", "api.bootstrapTokenFile="])).toContain(
      `kubectl -n ${ns} logs -l app.kubernetes.io/instance=loco,app.kubernetes.io/component=api --tail=-1 --prefix | grep -A2 "Bootstrap token"`,
    );
  });

  it("refuses, at install time, hardening values the processes would refuse", async () => {
    for (const [values, key] of [
      [["--set", "operator.minTriggerInterval=1min"], "/operator/minTriggerInterval"],
      [["--set", "operator.reconcileTimeout=soon"], "/operator/reconcileTimeout"],
      [["--set-string", "operator.secretVersions=0"], "/operator/secretVersions"],
      [["--set-json", 'operator.allowedPodAnnotations=["Not A Key"]'], "/operator/allowedPodAnnotations"],
      [["--set", "api.streamsPerCredential=0"], "/api/streamsPerCredential"],
      [["--set", "api.streamsPerTenant=-1"], "/api/streamsPerTenant"],
      [["--set", "api.bootstrapTokenTtl=1d"], "/api/bootstrapTokenTtl"],
      // Relative, or straight in /tmp (which has its own volume): no folder of its own to mount.
      [["--set", "api.bootstrapTokenFile=token"], "/api/bootstrapTokenFile"],
      [["--set", "api.bootstrapTokenFile=/tmp/token"], "/api/bootstrapTokenFile"],
    ] as const) {
      // The schema names the value and why (an unknown key would be refused at its parent, without the reason).
      await expect(renderChart("loco", ns, [...apiOn, ...values]), values.join(" ")).rejects.toThrow(`at '${key}`);
    }
  });
});
