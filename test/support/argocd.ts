// A real Argo CD for the GitOps tests: its application controller and repo server (one binary, built from its Go
// module by hack/build-argocd.sh and cached by version) run as processes against the suite's control plane, with
// Redis from Debian on a free loopback port and a Git repository the test writes on disk (a file:// URL).
// Only the test files that need it start it (it costs a few seconds and ~300 MB of memory); each gets its own
// Argo CD namespace, so two files could run side by side.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { type KubernetesObject, PatchStrategy } from "@kubernetes/client-node";
import { inject } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { kubectl } from "../../hack/control-plane/control-plane.ts";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { launchSupervised, processAlive, stopProcessGroups } from "../../hack/control-plane/processes.ts";
import { eventually, type TestKube, testKube } from "./kube.ts";

const execFileAsync = promisify(execFile);
const root = join(import.meta.dirname, "..", "..");
const buildScript = join(root, "hack", "build-argocd.sh");
/** The chart's ready-made argocd-cm snippet with loco's health checks (generated from charts/loco/argocd/*.lua). */
const chartArgocdCm = join(root, "charts", "loco", "argocd", "argocd-cm.yaml");

/** The in-cluster destination: with ARGOCD_FAKE_IN_CLUSTER the controller maps it to its kubeconfig. */
export const IN_CLUSTER = "https://kubernetes.default.svc";

export interface ResourceStatus {
  group?: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: string;
  health?: { status?: string; message?: string };
}

export interface ApplicationStatus {
  sync?: { status?: string; revision?: string };
  health?: { status?: string; message?: string };
  resources?: ResourceStatus[];
  history?: { id: number; revision?: string }[];
  operationState?: {
    phase?: string;
    message?: string;
    startedAt?: string;
    operation?: {
      initiatedBy?: { automated?: boolean; username?: string };
      sync?: { autoHealAttemptsCount?: number; resources?: { kind: string; name: string }[] };
    };
    syncResult?: { revision?: string };
  };
  conditions?: { type: string; message: string }[];
  reconciledAt?: string;
}

export interface Application extends KubernetesObject {
  spec: Record<string, unknown>;
  status?: ApplicationStatus;
}

/** A Git repository on disk that Argo CD reads through a file:// URL. */
export interface GitRepo {
  url: string;
  /** Writes (string) or removes (null) files, commits them and returns the commit's SHA. */
  commit(files: Record<string, string | null>, message: string): Promise<string>;
}

export interface RunningArgoCd {
  /** The namespace Argo CD runs in (its Applications, AppProject and settings live here). */
  namespace: string;
  repo: GitRepo;
  kube: TestKube;
  /** Creates or replaces an Application in Argo CD's namespace (server-side apply). */
  applyApplication(name: string, spec: Record<string, unknown>): Promise<void>;
  application(name: string): Promise<Application>;
  /** Asks the controller to compare again now (the refresh annotation), instead of its poll interval. */
  refresh(name: string, hard?: boolean): Promise<void>;
  /** Has the controller compare the Application again (a hard refresh) and returns it once it has. */
  compareAgain(name: string): Promise<Application>;
  /** Polls the Application until `probe` returns a value, refreshing it now and then; the error shows its status. */
  until<T>(name: string, what: string, probe: (app: Application) => T | undefined, timeoutMs?: number): Promise<T>;
  /** The end of each component's log, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/** Builds Argo CD if missing (a cold build takes 15-25 minutes; hack/test.sh does it before the tests) and returns its folder. */
export async function argocdBinDir(): Promise<string> {
  const { stdout } = await execFileAsync("bash", [buildScript], { maxBuffer: 16 * 1024 * 1024 });
  const dir = stdout.trim().split("\n").pop() ?? "";
  if (!existsSync(join(dir, "argocd")))
    throw new Error(`hack/build-argocd.sh printed no Argo CD folder (got "${dir}")`);
  return dir;
}

async function waitForPort(port: number, name: string, alive: () => boolean, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${name} exited at start:\n${log()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await sleep(200);
  }
  throw new Error(`${name} did not listen on 127.0.0.1:${port} within 60s:\n${log()}`);
}

const git = (dir: string, args: string[]) =>
  execFileAsync("git", ["-c", "user.name=loco test", "-c", "user.email=test@loco.invalid", ...args], { cwd: dir });

async function createRepo(dir: string): Promise<GitRepo> {
  mkdirSync(dir, { recursive: true });
  await git(dir, ["init", "--quiet", "--initial-branch=main"]);
  return {
    url: `file://${dir}`,
    async commit(files, message) {
      for (const [path, content] of Object.entries(files)) {
        const target = join(dir, path);
        if (content === null) {
          if (existsSync(target)) unlinkSync(target);
        } else {
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, content);
        }
      }
      await git(dir, ["add", "--all"]);
      await git(dir, ["commit", "--quiet", "--allow-empty", "-m", message]);
      return (await git(dir, ["rev-parse", "HEAD"])).stdout.trim();
    },
  };
}

/** The objects Argo CD's components read at start, in its namespace (what its install manifests would create). */
function settingsObjects(namespace: string): KubernetesObject[] {
  const partOf = { "app.kubernetes.io/part-of": "argocd" };
  return [
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "argocd-cm", namespace, labels: { ...partOf, "app.kubernetes.io/name": "argocd-cm" } },
      // Argo CD's own settings; loco's health checks are merged in afterwards from the chart's snippet.
      data: { "application.resourceTrackingMethod": "annotation" },
    } as KubernetesObject,
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: "argocd-rbac-cm",
        namespace,
        labels: { ...partOf, "app.kubernetes.io/name": "argocd-rbac-cm" },
      },
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "argocd-secret", namespace, labels: { ...partOf, "app.kubernetes.io/name": "argocd-secret" } },
      stringData: { "server.secretkey": randomBytes(32).toString("base64") },
    } as KubernetesObject,
    {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "AppProject",
      metadata: { name: "default", namespace },
      spec: {
        sourceRepos: ["*"],
        destinations: [{ server: "*", namespace: "*" }],
        clusterResourceWhitelist: [{ group: "*", kind: "*" }],
      },
    } as KubernetesObject,
  ];
}

/**
 * Installs the chart's argocd-cm snippet the way docs/helm.md tells users to: a server-side apply with the field
 * manager `loco`, which merges the health-check keys into the ConfigMap without touching Argo CD's own settings.
 * Only the namespace differs (the snippet says `argocd`).
 */
async function applyChartHealthChecks(kubeconfig: string, namespace: string): Promise<void> {
  const snippet = parse(readFileSync(chartArgocdCm, "utf8")) as KubernetesObject;
  snippet.metadata = { ...snippet.metadata, namespace };
  await kubectl({ kubeconfig }, ["apply", "--server-side", "--field-manager=loco", "-f", "-"], stringify(snippet));
}

async function installCrds(kubeconfig: string, bin: string): Promise<void> {
  const files = ["application-crd.yaml", "appproject-crd.yaml"].map((f) => join(bin, "crds", f));
  await kubectl({ kubeconfig }, [
    "apply",
    "--server-side",
    "--force-conflicts",
    "--field-manager=loco-test",
    ...files.flatMap((f) => ["-f", f]),
  ]);
  const names = files.flatMap((f) =>
    parseAllDocuments(readFileSync(f, "utf8")).map((d) => (d.toJS() as KubernetesObject).metadata?.name ?? ""),
  );
  // Not `kubectl wait --for=condition=Established`: on a CRD the apiserver has not yet given a status it fails at
  // once ("<nil> is of the type <nil>, expected []interface{}") instead of waiting.
  for (const name of names) {
    await eventually(`CRD ${name} Established`, async () => {
      const stdout = await kubectl({ kubeconfig }, [
        "get",
        `crd/${name}`,
        "-o",
        'jsonpath={.status.conditions[?(@.type=="Established")].status}',
      ]);
      return stdout.trim() === "True" ? true : undefined;
    });
  }
}

/** `kubeconfig`: the control plane to run against; the suite's unless given (a benchmark brings its own). */
export async function startArgoCd(options: { kubeconfig?: string } = {}): Promise<RunningArgoCd> {
  const kubeconfig = options.kubeconfig ?? inject("kubeconfig");
  const bin = await argocdBinDir();
  const kube = testKube(kubeconfig);
  const dir = mkdtempSync(join(tmpdir(), "loco-argocd-"));
  const namespace = `argocd-${randomBytes(3).toString("hex")}`;
  const pids: number[] = [];
  const logNames = ["redis", "repo-server", "application-controller"];
  const logs = () =>
    logNames
      .map((name) => {
        const file = join(dir, `${name}.log`);
        return existsSync(file) ? `--- ${name}\n${readFileSync(file, "utf8").slice(-4000)}` : "";
      })
      .join("\n");
  const stop = async () => {
    await stopProcessGroups(pids);
    await kube.core.deleteNamespace({ name: namespace }).catch(() => {});
    if (!process.env.LOCO_KEEP_TEST_ENV) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await installCrds(kubeconfig, bin);
    await kube.core.createNamespace({ body: { metadata: { name: namespace, labels: { "loco.dev/test": "true" } } } });
    for (const object of settingsObjects(namespace)) await kube.apply(object);
    await applyChartHealthChecks(kubeconfig, namespace);

    // Redis from Debian: loopback only, nothing written to disk.
    const redisPort = await freePort();
    pids.push(
      launchSupervised(dir, "redis", process.pid, "redis-server", [
        "--port",
        String(redisPort),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        dir,
      ]),
    );
    await waitForPort(redisPort, "redis-server", () => processAlive(pids[0]!), logs);
    const redis = `127.0.0.1:${redisPort}`;

    // The binary acts as the component its file name says, so each is started through its link. The repo server
    // runs git-verify-wrapper.sh from PATH; its clones, ask-pass socket and git configuration stay in `dir`.
    const env = [
      `PATH=${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      `HOME=${dir}`,
      `TMPDIR=${dir}`,
      `KUBECONFIG=${kubeconfig}`,
      "ARGOCD_FAKE_IN_CLUSTER=true",
      "ARGOCD_GPG_ENABLED=false",
      `ARGOCD_ASK_PASS_SOCK=${join(dir, "askpass.sock")}`,
    ];
    const repoPort = await freePort();
    pids.push(
      launchSupervised(dir, "repo-server", process.pid, "env", [
        ...env,
        join(bin, "argocd-repo-server"),
        "--address=127.0.0.1",
        `--port=${repoPort}`,
        "--metrics-address=127.0.0.1",
        `--metrics-port=${await freePort()}`,
        `--redis=${redis}`,
        // Plain gRPC on loopback; its default client-CA path (for mTLS) must then be unset.
        "--disable-tls",
        "--client-ca-path=",
        "--logformat=text",
        "--loglevel=warn",
      ]),
    );
    await waitForPort(repoPort, "argocd-repo-server", () => processAlive(pids[1]!), logs);
    pids.push(
      launchSupervised(dir, "application-controller", process.pid, "env", [
        ...env,
        join(bin, "argocd-application-controller"),
        `--kubeconfig=${kubeconfig}`,
        `--namespace=${namespace}`,
        `--repo-server=127.0.0.1:${repoPort}`,
        "--repo-server-plaintext",
        `--redis=${redis}`,
        `--metrics-port=${await freePort()}`,
        // Keep each resource's health in the Application's status (the default since 3.0 keeps it in Redis only),
        // so the tests read the verdict of loco's Lua checks from the Application itself.
        "--persist-resource-health",
        // A failed self-heal is retried after 2 s, not the default backoff; the tests wait for reverts.
        "--self-heal-backoff-timeout-seconds=1",
        "--logformat=text",
        "--loglevel=warn",
      ]),
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const group = "argoproj.io";
  const application = async (name: string) =>
    (await kube.objects.read({
      apiVersion: `${group}/v1alpha1`,
      kind: "Application",
      metadata: { name, namespace },
    })) as Application;
  const refresh = async (name: string, hard = false) => {
    await kube.objects.patch(
      {
        apiVersion: `${group}/v1alpha1`,
        kind: "Application",
        metadata: { name, namespace, annotations: { "argocd.argoproj.io/refresh": hard ? "hard" : "normal" } },
      },
      undefined,
      undefined,
      "loco-test",
      undefined,
      PatchStrategy.MergePatch,
    );
  };
  return {
    namespace,
    repo: await createRepo(join(dir, "repo")),
    kube,
    logs,
    application,
    refresh,
    async applyApplication(name, spec) {
      await kube.apply({
        apiVersion: `${group}/v1alpha1`,
        kind: "Application",
        metadata: { name, namespace },
        spec,
      });
    },
    async compareAgain(name) {
      const previous = (await application(name)).status?.reconciledAt;
      // reconciledAt has whole seconds: start the comparison in a later second than the last one, so it shows.
      await sleep(1100);
      let asked = 0;
      return eventually(`a new comparison of ${name} after ${previous}`, async () => {
        const app = await application(name);
        const pending = app.metadata?.annotations?.["argocd.argoproj.io/refresh"] !== undefined;
        if (app.status?.reconciledAt !== previous && !pending) return app;
        if (!pending && asked++ % 25 === 0) await refresh(name, true);
        return undefined;
      });
    },
    async until(name, what, probe, timeoutMs = 60_000) {
      let last: Application | undefined;
      let polls = 0;
      try {
        return await eventually(
          what,
          async () => {
            // A new commit is only seen at the next poll (minutes) unless asked: refresh every ~2 s.
            if (polls++ % 10 === 0) await refresh(name, true);
            last = await application(name);
            return probe(last);
          },
          { timeoutMs },
        );
      } catch (error) {
        throw new Error(
          `${(error as Error).message}\nApplication status: ${JSON.stringify(last?.status ?? {}, null, 1).slice(0, 6000)}\n${logs()}`,
        );
      }
    },
    stop,
  };
}
