// Runs a Helm release's loco Deployments as local processes, for the test bed that has no kubelet: kwok's simulated
// node "runs" their pods (so `kubectl rollout status` sees them Available), and this stand-in runs the program each
// pod would, from this checkout's sources, with what the *live* Deployment says — its args and env, the Secrets its
// env and volumes name, its ServiceAccount's identity (a TokenRequest token, so the chart's RBAC is what the program
// can do). It starts a program once its Deployment exists and stops it once the Deployment is gone (`helm
// uninstall`), as a cluster would. What a pod has and a local process cannot, mapped here and only here:
// - the image's `dist/<program>.js` is the source `<program>.ts` (Node strips the types);
// - a container port is a free loopback port: `0.0.0.0:<containerPort>` in an arg becomes `127.0.0.1:<port>`;
// - a volume is a temporary folder (a Secret volume holds the Secret's keys as files): its mountPath in an arg or
//   env value becomes that folder;
// - one process per Deployment, whatever its replicas;
// - the pod's name (`fieldRef: metadata.name`) is `<deployment>-stand-in`: its token is bound to no pod, so the
//   chart's leader fence, which keys on the pod a token is bound to, lets it write as a cluster's single replica.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { KubeClient } from "../../kube/kube-client.ts";
import { DEPLOYMENT, SECRET } from "../../kube/resources.ts";
import type { KubeObject } from "../../kube/types.ts";
import { serviceAccountKubeConfig } from "./service-account.ts";

const repo = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}
interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface Volume {
  name: string;
  emptyDir?: unknown;
  secret?: { secretName: string; items?: { key: string; path: string }[] };
}
type DeploymentObject = KubeObject & {
  spec: { template: { spec: { serviceAccountName?: string; containers: Container[]; volumes?: Volume[] } } };
};

export interface LocalPod {
  deployment: string;
  child: ChildProcess;
  /** The loopback port standing in for each named container port. */
  ports: Record<string, number>;
  output(): string;
}

export interface ChartProcesses {
  /** The running program of a Deployment, if its Deployment exists. */
  pod(deployment: string): LocalPod | undefined;
  /** Every program's output so far (for a failing test's message). */
  output(): string;
  stop(): Promise<void>;
}

/** Watches `namespace` for the named Deployments and runs each as a local process while it exists. */
export async function runChartDeployments(options: {
  kubeconfig: string;
  namespace: string;
  deployments: string[];
  /** Extra environment for every program (e.g. LOCO_LOG_LEVEL). */
  env?: Record<string, string>;
  /** Loopback ports chosen beforehand, by Deployment and container port name (so a URL is known in advance). */
  ports?: Record<string, Record<string, number>>;
}): Promise<ChartProcesses> {
  const adminConfig = new KubeConfig();
  adminConfig.loadFromFile(options.kubeconfig);
  const core = adminConfig.makeApiClient(CoreV1Api);
  const kube = await KubeClient.create(adminConfig, { userAgent: "loco-test-chart-processes" });
  const root = mkdtempSync(join(tmpdir(), "loco-chart-pods-"));
  const pods = new Map<string, LocalPod & { uid: string; exited: Promise<void> }>();
  let log = "";
  let stopped = false;

  async function start(deployment: DeploymentObject): Promise<void> {
    const name = deployment.metadata.name!;
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0]!;
    const dir = mkdtempSync(join(root, `${name}-`));
    const mounts: [string, string][] = [];
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.volumes?.find((v) => v.name === mount.name);
      const folder = join(dir, "volumes", mount.name);
      mkdirSync(folder, { recursive: true });
      if (volume?.secret) {
        const data = await secretData(volume.secret.secretName);
        const items = volume.secret.items ?? Object.keys(data).map((key) => ({ key, path: key }));
        for (const item of items) writeFileSync(join(folder, item.path), data[item.key] ?? "", { mode: 0o400 });
      } else if (!volume?.emptyDir) {
        throw new Error(`Deployment ${name}: volume ${mount.name} is neither an emptyDir nor a Secret`);
      }
      mounts.push([mount.mountPath, folder]);
    }
    const ports: Record<string, number> = {};
    const addresses: [string, string][] = [];
    for (const port of container.ports ?? []) {
      const local = options.ports?.[name]?.[port.name ?? ""] ?? (await freePort());
      ports[port.name ?? String(port.containerPort)] = local;
      addresses.push([`0.0.0.0:${port.containerPort}`, `127.0.0.1:${local}`]);
    }
    const mapValue = (value: string) => {
      let mapped = value;
      for (const [from, to] of [...addresses, ...mounts]) mapped = mapped.replaceAll(from, to);
      return mapped;
    };
    const env: Record<string, string> = {};
    for (const variable of container.env ?? []) {
      if (variable.value !== undefined) env[variable.name] = mapValue(variable.value);
      else if (variable.valueFrom?.secretKeyRef) {
        const ref = variable.valueFrom.secretKeyRef;
        const value = (await secretData(ref.name))[ref.key];
        if (value === undefined && !ref.optional)
          throw new Error(`Deployment ${name}: Secret ${ref.name} has no ${ref.key}`);
        if (value !== undefined) env[variable.name] = value;
      } else if (variable.valueFrom?.fieldRef?.fieldPath === "metadata.namespace")
        env[variable.name] = options.namespace;
      else if (variable.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[variable.name] = `${name}-stand-in`;
      else throw new Error(`Deployment ${name}: env ${variable.name} has a source this stand-in does not know`);
    }
    // The image's entrypoint is node: Node's own flags (operator.nodeFlags) come before the script, as there.
    const all = container.args ?? [];
    const script = all.findIndex((arg) => !arg.startsWith("--"));
    const nodeFlags = all.slice(0, Math.max(0, script));
    const [program, ...args] = all.slice(Math.max(0, script));
    const source = /^dist\/(.+)\.js$/.exec(program ?? "");
    if (!source) throw new Error(`Deployment ${name}: its first arg ${program} is not a dist/<program>.js`);
    const kubeconfig = join(dir, "kubeconfig");
    const identity = await serviceAccountKubeConfig(core, options.namespace, pod.serviceAccountName ?? "default", {
      cluster: adminConfig,
    });
    writeFileSync(kubeconfig, identity.exportConfig(), { mode: 0o600 });
    const child = spawn(process.execPath, [...nodeFlags, join(repo, `${source[1]}.ts`), ...args.map(mapValue)], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? "", HOME: dir, ...options.env, ...env, KUBECONFIG: kubeconfig },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-200_000);
      const lines = chunk
        .toString()
        .split("\n")
        .filter((line) => line !== "");
      log = (log + lines.map((line) => `[${name}] ${line}\n`).join("")).slice(-400_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    pods.set(name, { deployment: name, child, ports, output: () => output, uid: deployment.metadata.uid!, exited });
  }

  async function secretData(secret: string): Promise<Record<string, string>> {
    const object = await kube.get<KubeObject & { data?: Record<string, string> }>(SECRET, options.namespace, secret);
    return Object.fromEntries(
      Object.entries(object.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
    );
  }

  async function stopPod(name: string): Promise<void> {
    const pod = pods.get(name);
    if (!pod) return;
    pods.delete(name);
    if (pod.child.exitCode === null && pod.child.signalCode === null) {
      pod.child.kill("SIGTERM");
      const killed = sleep(10_000).then(() => pod.child.kill("SIGKILL"));
      await Promise.race([pod.exited, killed]);
    }
  }

  const loop = (async () => {
    while (!stopped) {
      for (const name of options.deployments) {
        try {
          const live = await kube.find<DeploymentObject>(DEPLOYMENT, options.namespace, name);
          const running = pods.get(name);
          if (live && !live.metadata.deletionTimestamp && running?.uid !== live.metadata.uid) {
            if (running) await stopPod(name);
            await start(live);
          } else if ((!live || live.metadata.deletionTimestamp) && running) await stopPod(name);
        } catch (error) {
          log += `[stand-in] ${name}: ${(error as Error).message}\n`;
        }
      }
      await sleep(300);
    }
  })();

  return {
    pod: (name) => pods.get(name),
    output: () => log,
    async stop() {
      stopped = true;
      await loop;
      await Promise.all([...pods.keys()].map(stopPod));
      kube.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}
