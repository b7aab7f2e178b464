// charts/loco against the real tools and the real kube-apiserver: helm lint, helm template with the default and
// the full values, a server-side dry run of every rendered object, and a real install and uninstall into the
// shared control plane (kwok plays the pods, so nothing needs the images).
import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
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
};
type PodSpec = {
  serviceAccountName?: string;
  volumes?: { name: string; secret?: { secretName?: string } }[];
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
    expect(container.args).toContain("--selector=loco.dev/shard=main");
    const resurrector = find(objects, "Deployment", "resurrector") as Deployment;
    // The key-encryption key only where it is used: the operator's mirror and the resurrector, never the API.
    const kekOf = (deployment: Deployment) => ({
      env: deployment.spec.template.spec.containers[0]?.env?.some((e) => e.name === "LOCO_KEK_FILE"),
      volume: deployment.spec.template.spec.volumes?.some((v) => v.secret?.secretName === "loco-kek"),
    });
    expect(kekOf(operator)).toEqual({ env: true, volume: true });
    expect(kekOf(resurrector)).toEqual({ env: true, volume: true });
    expect(kekOf(find(objects, "Deployment", "api") as Deployment)).toEqual({ env: false, volume: false });
    expect(resurrector.spec.template.spec.containers[0]?.args?.slice(0, 2)).toEqual([
      "dist/resurrector/main.js",
      "watch",
    ]);
  });

  it("passes flags and environment that each program's own configuration parser accepts", async () => {
    // Values from Secrets, as the kubelet would resolve them.
    const fromSecrets: Record<string, string> = {
      LOCO_DATABASE_URL: "postgres://loco:secret@postgres:5432/loco",
      OTEL_EXPORTER_OTLP_HEADERS: "Authorization=Basic eA==",
    };
    const parsed: Record<string, unknown> = {};
    for (const objects of [await renderChart("loco", ns), await renderChart("loco", ns, ["-f", fullValues])]) {
      for (const deployment of deployments(objects)) {
        const container = deployment.spec.template.spec.containers[0]!;
        const [program, ...argv] = container.args ?? [];
        const env = Object.fromEntries(
          (container.env ?? []).map((e) => [e.name, e.value ?? fromSecrets[e.name] ?? "from-a-field"]),
        );
        const load = {
          "dist/operator/main.js": loadOperatorConfig,
          "dist/api/main.js": loadApiConfig,
          "dist/resurrector/main.js": loadResurrectorConfig,
        }[program ?? ""];
        expect(load, `${deployment.metadata.name} runs ${program}`).toBeDefined();
        parsed[deployment.metadata.name ?? ""] = load?.(argv, env);
      }
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
    });
    expect(parsed["loco-resurrector"]).toMatchObject({
      command: "watch",
      databaseUrl: fromSecrets.LOCO_DATABASE_URL,
      interval: 60_000,
      concurrency: 8,
    });
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
