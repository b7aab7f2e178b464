import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { type CertificatePaths, existingCertificates, generateCertificates } from "./certificates.ts";
import { freePortPreferring } from "./free-port.ts";
import { launchSupervised, processAlive, stopProcessGroups } from "./processes.ts";
import { type BinaryPaths, binaryPaths } from "./versions.ts";

const execFileAsync = promisify(execFile);
const locoStages = new URL("../kwok/loco-stages.yaml", import.meta.url).pathname;
const nodeManifest = new URL("../kwok/node.yaml", import.meta.url).pathname;

/** What a started control plane leaves in `<dir>/state.json`: enough to use it and to stop it by PID. */
export interface ControlPlaneState {
  dir: string;
  kubeconfig: string;
  server: string;
  pids: Record<string, number>;
  ports: Record<string, number>;
  /** How each process was started, so one can be restarted (tests of apiserver restarts). */
  commands: Record<string, { name: string; command: string; args: string[] }>;
  ownerPid: number;
  startedAt: string;
  startSeconds: number;
  /** True when this start reused the certificates and etcd data an earlier start left (see StartOptions.keep). */
  keptData: boolean;
}

export interface StartOptions {
  /** Folder for certificates, etcd data, logs and state. */
  dir: string;
  /**
   * Reuse what an earlier start left in `dir` (certificates, etcd data, and its ports when they are still free), so
   * every object survives a stop and start. Without it, or when `dir` holds no complete earlier cluster, the folder
   * is wiped and the cluster starts empty — what tests and benchmarks want.
   */
  keep?: boolean;
  /** Processes stop by themselves when this PID exits (0: run until stopped). */
  ownerPid?: number;
  log?: (message: string) => void;
  /** Extra kube-apiserver flags (e.g. --watch-cache=false for tests of watch expiry). */
  apiserverArgs?: string[];
}

const stateFile = (dir: string) => join(dir, "state.json");
/** The ports of the last start; unlike state.json it outlives a stop, so a restart can keep its addresses. */
const portsFile = (dir: string) => join(dir, "ports.json");
const etcdDataDir = (dir: string) => join(dir, "etcd-data");

type PortName = "etcdClient" | "etcdPeer" | "apiserver" | "controllerManager" | "scheduler" | "kwok";
const portNames: PortName[] = ["etcdClient", "etcdPeer", "apiserver", "controllerManager", "scheduler", "kwok"];

function readPorts(dir: string): Partial<Record<PortName, number>> {
  const file = portsFile(dir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<Record<PortName, number>>) : {};
}

/**
 * Certificates and an etcd data folder from an earlier start, or undefined when `dir` holds no complete cluster
 * (never started, or wiped).
 */
function keptCluster(dir: string): CertificatePaths | undefined {
  if (!existsSync(etcdDataDir(dir))) return undefined;
  return existingCertificates(dir);
}

export function readState(dir: string): ControlPlaneState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, "utf8")) as ControlPlaneState;
}

function assertBuilt(bins: BinaryPaths): void {
  const missing = Object.entries(bins).filter(([, path]) => !existsSync(path));
  if (missing.length > 0) {
    throw new Error(
      `Control-plane binaries are missing (${missing.map(([name]) => name).join(", ")}). ` +
        "Run `bash hack/build-control-plane.sh` first (a cold build takes 10-20 minutes, then it is cached).",
    );
  }
}

function writeKubeconfig(path: string, server: string, certs: CertificatePaths): void {
  const b64 = (file: string) => readFileSync(file).toString("base64");
  writeFileSync(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: loco-local",
      "  cluster:",
      `    server: ${server}`,
      `    certificate-authority-data: ${b64(certs.caCert)}`,
      "users:",
      "- name: loco-admin",
      "  user:",
      `    client-certificate-data: ${b64(certs.adminCert)}`,
      `    client-key-data: ${b64(certs.adminKey)}`,
      "contexts:",
      "- name: loco-local",
      "  context: { cluster: loco-local, user: loco-admin }",
      "current-context: loco-local",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
}

/** The certificate files of a started control plane (they are always at these names in its folder). */
export function clientCertificates(dir: string): CertificatePaths {
  return {
    caCert: join(dir, "ca.crt"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
  } as CertificatePaths;
}

/**
 * GETs an HTTPS path with the admin client certificate and resolves the status code (0 = not answering).
 * `verify` is off only for kube-scheduler and kube-controller-manager, whose serving certificates are self-signed in
 * memory.
 */
export function httpsStatus(url: string, certs: CertificatePaths, verify = true): Promise<number> {
  const agent = new Agent({
    ca: readFileSync(certs.caCert),
    cert: readFileSync(certs.adminCert),
    key: readFileSync(certs.adminKey),
    rejectUnauthorized: verify,
  });
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", () => resolve(0));
    req.on("timeout", () => {
      req.destroy();
      resolve(0);
    });
    req.end();
  });
}

/**
 * Polls until `check` holds. On a timeout the error carries the last lines of the named components' logs: a test run
 * removes the cluster directory when its set-up fails, so a pointer to the logs alone leaves nothing to read.
 */
async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  dir: string,
  components: string[] = [],
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  const tails = components.map((name) => {
    let text = "";
    try {
      text = readFileSync(join(dir, `${name}.log`), "utf8");
    } catch {
      return `\n--- ${name}.log: none`;
    }
    return `\n--- last lines of ${name}.log:\n${text.trimEnd().split("\n").slice(-25).join("\n")}`;
  });
  throw new Error(`Timed out after ${timeoutMs / 1000}s waiting for ${what}; see the logs in ${dir}${tails.join("")}`);
}

export async function kubectl(
  state: Pick<ControlPlaneState, "kubeconfig">,
  args: string[],
  input?: string,
): Promise<string> {
  const bins = binaryPaths();
  const child = execFileAsync(bins.kubectl, ["--kubeconfig", state.kubeconfig, ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  const { stdout } = await child;
  return stdout;
}

/**
 * Waits until every CRD (or those matching `selector`) is Established. `kubectl wait` alone fails when it runs
 * before the apiserver has written a fresh CRD's first status, so poll instead.
 */
export async function waitForCrdsEstablished(
  state: Pick<ControlPlaneState, "kubeconfig">,
  dir: string,
  selector?: string,
): Promise<void> {
  const query = [
    "get",
    "crd",
    ...(selector ? ["-l", selector] : []),
    "-o",
    "jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=='Established')].status}{'\\n'}{end}",
  ];
  await waitFor(
    "CRDs to be Established",
    async () => {
      const lines = (await kubectl(state, query).catch(() => "")).trim().split("\n").filter(Boolean);
      return lines.length > 0 && lines.every((line) => line.endsWith("=True"));
    },
    60_000,
    dir,
  );
}

/** kwok watches its Logs/ClusterLogs and Exec/ClusterExec objects from start-up, so their CRDs must exist first. */
async function installKwokCrds(state: ControlPlaneState, dir: string): Promise<void> {
  const crdDir = binaryPaths().kwokCrds;
  // A cache built before kwok's exec objects were used lacks their CRDs; the build script adds them in place.
  if (!existsSync(join(crdDir, "kwok.x-k8s.io_clusterexecs.yaml"))) {
    throw new Error(
      `kwok's Exec/ClusterExec CRDs are not in ${crdDir}: run \`bash hack/build-control-plane.sh\` (it adds them to the cache without rebuilding anything).`,
    );
  }
  await kubectl(state, ["apply", "--server-side", "--field-manager=loco-hack", "-f", crdDir]);
  await waitFor(
    "kwok's CRDs to be Established",
    async () =>
      (
        await kubectl(state, [
          "get",
          "crd",
          "logs.kwok.x-k8s.io",
          "clusterlogs.kwok.x-k8s.io",
          "execs.kwok.x-k8s.io",
          "clusterexecs.kwok.x-k8s.io",
          "-o",
          "jsonpath={.items[*].status.conditions[?(@.type=='Established')].status}",
        ]).catch(() => "")
      ).trim() === "True True True True",
    30_000,
    dir,
  );
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok on free loopback ports, creates
 * the simulated node, installs the Gateway API and Envoy Gateway CRDs, and waits until the node is Ready. With
 * `keep`, a folder an earlier start left is reused (same objects, certificates and, where still free, ports);
 * otherwise the folder is wiped first.
 */
export async function startControlPlane(options: StartOptions): Promise<ControlPlaneState> {
  const started = Date.now();
  const log = options.log ?? (() => {});
  const { dir } = options;
  const ownerPid = options.ownerPid ?? 0;
  const bins = binaryPaths();
  assertBuilt(bins);
  if (readState(dir)) await stopControlPlane(dir);
  const kept = options.keep ? keptCluster(dir) : undefined;
  if (!kept) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const certs = kept ?? generateCertificates(dir);
  const previousPorts = kept ? readPorts(dir) : {};
  const ports = {} as Record<PortName, number>;
  for (const name of portNames) ports[name] = await freePortPreferring(previousPorts[name]);
  writeFileSync(portsFile(dir), `${JSON.stringify(ports, null, 2)}\n`);
  const server = `https://127.0.0.1:${ports.apiserver}`;
  const kubeconfig = join(dir, "kubeconfig");
  // Rewritten on every start: a restart may have had to move the apiserver to another port.
  writeKubeconfig(kubeconfig, server, certs);
  const pids: Record<string, number> = {};
  const state: ControlPlaneState = {
    dir,
    kubeconfig,
    server,
    pids,
    ports,
    commands: {},
    ownerPid,
    startedAt: new Date(started).toISOString(),
    startSeconds: 0,
    keptData: kept !== undefined,
  };
  const saveState = () => writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
  const start = (key: string, name: string, command: string, args: string[]) => {
    state.commands[key] = { name, command, args };
    return launchSupervised(dir, name, ownerPid, command, args);
  };

  try {
    const etcdUrl = `http://127.0.0.1:${ports.etcdClient}`;
    pids.etcd = start("etcd", "etcd", bins.etcd, [
      `--data-dir=${etcdDataDir(dir)}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${ports.etcdPeer}`,
      // A test etcd holds nothing worth an fsync; skipping it makes every write several times faster. A cluster that
      // is meant to be kept (npm start) syncs, so a machine crash does not lose or corrupt it.
      ...(options.keep ? [] : ["--unsafe-no-fsync"]),
      "--quota-backend-bytes=4294967296",
      "--log-level=warn",
    ]);
    saveState();
    await waitFor(
      "etcd",
      async () =>
        (await fetch(`${etcdUrl}/health`)
          .then((r) => r.ok)
          .catch(() => false)) as boolean,
      30_000,
      dir,
    );
    log(`Started etcd on 127.0.0.1:${ports.etcdClient}${kept ? " on its existing data" : ""}`);

    pids.kubeApiserver = start("kubeApiserver", "kube-apiserver", bins.kubeApiserver, [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.apiserver}`,
      `--tls-cert-file=${certs.servingCert}`,
      `--tls-private-key-file=${certs.servingKey}`,
      `--client-ca-file=${certs.caCert}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${certs.serviceAccountPub}`,
      `--service-account-signing-key-file=${certs.serviceAccountKey}`,
      "--service-cluster-ip-range=10.96.0.0/16",
      "--authorization-mode=RBAC",
      "--allow-privileged=true",
      // Nothing here connects to the apiserver through the in-cluster `kubernetes` Service.
      "--endpoint-reconciler-type=none",
      "--enable-priority-and-fairness=false",
      // Pod logs, exec and port-forward go to kwok's kubelet-like server on the node's InternalIP (127.0.0.1); it
      // serves with the apiserver's own certificate, signed by the cluster CA.
      `--kubelet-certificate-authority=${certs.caCert}`,
      `--kubelet-client-certificate=${certs.adminCert}`,
      `--kubelet-client-key=${certs.adminKey}`,
      "--kubelet-preferred-address-types=InternalIP",
      "--profiling=false",
      "--v=1",
      ...(options.apiserverArgs ?? []),
    ]);
    saveState();
    await waitFor(
      "kube-apiserver /readyz",
      async () => (await httpsStatus(`${server}/readyz`, certs)) === 200,
      90_000,
      dir,
      ["kube-apiserver", "etcd"],
    );
    log(`Started kube-apiserver on ${server}`);
    await installKwokCrds(state, dir);

    pids.kubeControllerManager = start("kubeControllerManager", "kube-controller-manager", bins.kubeControllerManager, [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.controllerManager}`,
      `--service-account-private-key-file=${certs.serviceAccountKey}`,
      `--root-ca-file=${certs.caCert}`,
      "--leader-elect=false",
      "--use-service-account-credentials=false",
      // Fast feedback for tests: garbage collection and Job/Deployment syncs are already immediate.
      "--concurrent-gc-syncs=10",
      "--profiling=false",
      "--v=1",
    ]);
    pids.kubeScheduler = start("kubeScheduler", "kube-scheduler", bins.kubeScheduler, [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${ports.scheduler}`,
      "--leader-elect=false",
      "--profiling=false",
      "--v=1",
    ]);
    const stageFiles = [
      join(bins.kwokStages, "node", "fast", "node-initialize.yaml"),
      join(bins.kwokStages, "node", "heartbeat-with-lease", "node-heartbeat-with-lease.yaml"),
      join(bins.kwokStages, "pod", "fast", "pod-ready.yaml"),
      join(bins.kwokStages, "pod", "fast", "pod-delete.yaml"),
      locoStages,
    ];
    pids.kwok = start("kwok", "kwok", bins.kwok, [
      `--kubeconfig=${kubeconfig}`,
      "--manage-all-nodes=false",
      "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
      "--node-ip=127.0.0.1",
      "--cidr=10.244.0.1/16",
      "--node-lease-duration-seconds=40",
      `--server-address=127.0.0.1:${ports.kwok}`,
      `--node-port=${ports.kwok}`,
      `--tls-cert-file=${certs.servingCert}`,
      `--tls-private-key-file=${certs.servingKey}`,
      // Canned pod logs come from Logs/ClusterLogs objects in the cluster (tests create their own per namespace).
      // pods/exec runs a real local command named by an Exec/ClusterExec object (tests create theirs per namespace).
      "--enable-crds=Logs,ClusterLogs,Exec,ClusterExec",
      ...stageFiles.map((file) => `--config=${file}`),
    ]);
    saveState();
    await provisionCluster(state, dir, log);
    state.startSeconds = (Date.now() - started) / 1000;
    saveState();
    log(`Control plane ready in ${state.startSeconds.toFixed(1)}s (node kwok-node-0 Ready)`);
    return state;
  } catch (error) {
    await stopControlPlane(dir);
    throw error;
  }
}

/**
 * What a new cluster gets before loco: the simulated node and the Gateway API / Envoy Gateway CRDs (a platform
 * install), then waits until scheduling and the controller-manager work.
 */
async function provisionCluster(state: ControlPlaneState, dir: string, log: (message: string) => void): Promise<void> {
  const bins = binaryPaths();
  const certs = {
    caCert: join(dir, "ca.crt"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
  } as CertificatePaths;
  const ports = state.ports as Record<"scheduler", number>;
  await kubectl(state, ["apply", "--server-side", "--field-manager=loco-hack", "-f", nodeManifest]);
  await kubectl(state, [
    "apply",
    "--server-side",
    "--field-manager=loco-hack",
    "-f",
    bins.gatewayApiCrds,
    "-f",
    bins.envoyGatewayCrds,
  ]);
  await waitForCrdsEstablished(state, dir);
  log("Installed Gateway API and Envoy Gateway CRDs");
  await waitFor(
    "the kwok node to become Ready",
    async () =>
      (await kubectl(state, [
        "get",
        "node",
        "kwok-node-0",
        "-o",
        "jsonpath={.status.conditions[?(@.type=='Ready')].status}",
      ]).catch(() => "")) === "True",
    60_000,
    dir,
    ["kwok"],
  );
  await waitFor(
    "kube-scheduler /healthz",
    async () => (await httpsStatus(`https://127.0.0.1:${ports.scheduler}/healthz`, certs, false)) === 200,
    30_000,
    dir,
    ["kube-scheduler"],
  );
  await waitFor(
    "kube-controller-manager (the default ServiceAccount)",
    async () =>
      (await kubectl(state, ["get", "serviceaccount", "default", "-o", "name"]).catch(() => "")).trim() !== "",
    // Generous: a first start on a fresh, busy machine once took over 60 s here.
    120_000,
    dir,
    ["kube-controller-manager", "kube-apiserver"],
  );
}

/**
 * The disaster drill's disaster: stops every component, deletes etcd's data and starts them all again with the same
 * flags, ports and certificates, then provisions the empty cluster as a platform install would (node, Gateway API
 * CRDs) — loco's own CRDs and objects are gone.
 */
export async function restartWithEmptyEtcd(dir: string, log: (message: string) => void = () => {}): Promise<void> {
  const state = readState(dir);
  if (!state) throw new Error(`No control plane in ${dir}`);
  await stopProcessGroups(Object.values(state.pids).reverse(), "SIGTERM", 10_000);
  rmSync(etcdDataDir(dir), { recursive: true, force: true });
  const certs = {
    caCert: join(dir, "ca.crt"),
    adminCert: join(dir, "admin.crt"),
    adminKey: join(dir, "admin.key"),
  } as CertificatePaths;
  for (const [key, spec] of Object.entries(state.commands)) {
    state.pids[key] = launchSupervised(dir, spec.name, state.ownerPid, spec.command, spec.args);
    if (key === "etcd") {
      await waitFor(
        "etcd",
        async () =>
          (await fetch(`http://127.0.0.1:${state.ports.etcdClient}/health`).catch(() => undefined))?.ok === true,
        30_000,
        dir,
      );
    }
    if (key === "kubeApiserver") {
      await waitFor(
        "kube-apiserver /readyz",
        async () => (await httpsStatus(`${state.server}/readyz`, certs)) === 200,
        90_000,
        dir,
      );
      await installKwokCrds(state, dir);
    }
  }
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
  await provisionCluster(state, dir, log);
  log("Restarted the control plane on an empty etcd");
}

/** Stops every recorded process group (TERM, then KILL after a grace period). Safe to call twice. */
export async function stopControlPlane(dir: string, graceMs = 10_000): Promise<void> {
  const state = readState(dir);
  if (!state) return;
  // Reverse start order: clients stop before etcd, so nothing logs errors about a vanished backend.
  await stopProcessGroups(Object.values(state.pids).reverse(), "SIGTERM", graceMs);
  rmSync(stateFile(dir), { force: true });
}

/** Stops one component (e.g. "kubeApiserver") and starts it again with the same flags; waits for the apiserver. */
export async function restartComponent(dir: string, key: string): Promise<void> {
  const state = readState(dir);
  const spec = state?.commands[key];
  if (!state || !spec) throw new Error(`No running component ${key} in ${dir}`);
  await stopProcessGroups([state.pids[key] ?? 0], "SIGTERM", 10_000);
  state.pids[key] = launchSupervised(dir, spec.name, state.ownerPid, spec.command, spec.args);
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`);
  if (key === "kubeApiserver") {
    const certs = {
      caCert: join(dir, "ca.crt"),
      adminCert: join(dir, "admin.crt"),
      adminKey: join(dir, "admin.key"),
    } as CertificatePaths;
    await waitFor(
      "kube-apiserver /readyz",
      async () => (await httpsStatus(`${state.server}/readyz`, certs)) === 200,
      90_000,
      dir,
    );
  }
}

export function isRunning(state: ControlPlaneState): boolean {
  return Object.values(state.pids).every(processAlive);
}
