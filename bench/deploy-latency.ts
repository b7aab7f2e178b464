// Deploy overhead: how much longer a deploy through loco takes to become Ready than the same Deployment applied
// directly takes to become Available — what loco adds to what Kubernetes itself needs.
//
//   npm run bench:deploy-latency     (BENCH_DEPLOYS=100)
//
// Everything is real and private to the run: a control plane (hack/control-plane), a PostgreSQL server, the
// operator (operator/main.ts, mirroring into that server) and loco-api (api/main.ts), each its own process. One
// tenant deploys through the API; each round, in turn:
//   - loco: `POST …/apps/<app>/deployments` (a new App), then the deployment's event stream, until its `end`
//     event says Available — what `loco deploy` waits for;
//   - floor: the Deployment the operator made for that App, under another name in a namespace of its own,
//     server-side applied by a plain client, until a watch sees it Available (observedGeneration current, every
//     replica updated and available).
// loco's added time is the difference of the two, per round; the p50/p95 are over rounds. On the loco side,
// watches also timestamp when the Deployment appeared, when it was Available and when the App was Ready, so that
// the added time can be split into the operator's share, the status write and the API's stream.
// Prints its figures and writes bench/results/deploy-latency.json.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { KubeConfig } from "@kubernetes/client-node";
import { APP } from "../crds/kinds.ts";
import { startControlPlane, stopControlPlane } from "../hack/control-plane/control-plane.ts";
import { freePort } from "../hack/control-plane/free-port.ts";
import { KubeClient } from "../kube/kube-client.ts";
import { DEPLOYMENT, GATEWAY, NAMESPACE } from "../kube/resources.ts";
import type { KubeObject, ResourceType } from "../kube/types.ts";
import { installLocoCrds } from "../test/support/install-crds.ts";
import { privateServer } from "../test/support/postgres-server.ts";

const deploys = Number(process.env.BENCH_DEPLOYS ?? 100);
const tenant = "acme";
const profile = "bench";
const floorNamespace = "floor";
const log = (message: string) => process.stdout.write(`${message}\n`);
/** loco-api's address, once it listens. */
let apiUrl = "";

interface Condition {
  type: string;
  status: string;
  observedGeneration?: number;
}
const conditionOf = (object: KubeObject, type: string) =>
  ((object.status as { conditions?: Condition[] } | undefined)?.conditions ?? []).find((c) => c.type === type);

/** A Deployment rolled out: its controller saw this generation, and every replica is updated and available. */
function deploymentAvailable(deployment: KubeObject): boolean {
  const spec = deployment.spec as { replicas?: number };
  const status = (deployment.status ?? {}) as {
    observedGeneration?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
  const replicas = spec.replicas ?? 1;
  return (
    status.observedGeneration === deployment.metadata.generation &&
    (status.updatedReplicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    conditionOf(deployment, "Available")?.status === "True"
  );
}

function appReady(app: KubeObject): boolean {
  const ready = conditionOf(app, "Ready");
  return (
    ready?.status === "True" &&
    (app.status as { observedGeneration?: number } | undefined)?.observedGeneration === app.metadata.generation
  );
}

/**
 * One watch of a kind in a namespace that timestamps, per object name, the first event seen and the first event
 * where `done` holds. Renewed when the server ends it.
 */
class Stamps {
  readonly seen = new Map<string, number>();
  readonly done = new Map<string, number>();
  private readonly waiters = new Map<string, () => void>();
  private readonly stop = new AbortController();

  constructor(client: KubeClient, resource: ResourceType, namespace: string, done: (object: KubeObject) => boolean) {
    void (async () => {
      let resourceVersion = (await client.list(resource, namespace, { limit: 1 })).metadata.resourceVersion;
      while (!this.stop.signal.aborted) {
        try {
          for await (const event of client.watch<KubeObject>(
            resource,
            namespace,
            { resourceVersion, allowWatchBookmarks: true },
            this.stop.signal,
          )) {
            const now = performance.now();
            if (event.type === "ERROR") {
              resourceVersion = (await client.list(resource, namespace, { limit: 1 })).metadata.resourceVersion;
              break;
            }
            resourceVersion = event.object.metadata.resourceVersion;
            if (event.type === "BOOKMARK" || event.type === "DELETED") continue;
            const name = event.object.metadata.name!;
            if (!this.seen.has(name)) this.seen.set(name, now);
            if (!this.done.has(name) && done(event.object)) {
              this.done.set(name, now);
              this.waiters.get(name)?.();
            }
          }
        } catch (error) {
          if (this.stop.signal.aborted) return;
          log(`A watch of ${resource.plural} in ${namespace} broke (${String(error)}); renewing it`);
          await sleep(100);
        }
      }
    })();
  }

  /** When `done` first held for `name` (waits for it). */
  async when(name: string, timeoutMs = 300_000): Promise<number> {
    const stamp = this.done.get(name);
    if (stamp !== undefined) return stamp;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Timed out waiting for ${name}`)), timeoutMs);
      this.waiters.set(name, () => {
        clearTimeout(timer);
        this.waiters.delete(name);
        resolve();
      });
    });
    return this.done.get(name)!;
  }

  close(): void {
    this.stop.abort();
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// --- The run. ---

const dir = mkdtempSync(join(tmpdir(), "loco-bench-deploy-"));
const plane = await startControlPlane({ dir, ownerPid: process.pid });
const postgres = await privateServer(process.pid);
const children: ChildProcess[] = [];
const watches: Stamps[] = [];
try {
  await installLocoCrds(plane.kubeconfig);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(plane.kubeconfig);
  const client = await KubeClient.create(kubeConfig, { userAgent: "loco-bench" });

  const operatorPort = await freePort();
  children.push(
    start("loco-operator", join(import.meta.dirname, "..", "operator", "main.ts"), [
      "--kubeconfig",
      plane.kubeconfig,
      "--database-url",
      postgres.url,
      "--no-leader-elect",
      "--health-address",
      `127.0.0.1:${operatorPort}`,
    ]),
  );
  await waitFor(
    "loco-operator to be ready",
    async () => (await status(`http://127.0.0.1:${operatorPort}/readyz`)) === 200,
  );
  const apiPort = await freePort();
  const api = `http://127.0.0.1:${apiPort}`;
  apiUrl = api;
  let apiOutput = "";
  const apiChild = start("loco-api", join(import.meta.dirname, "..", "api", "main.ts"), [
    "--address",
    `127.0.0.1:${apiPort}`,
    "--database-url",
    postgres.url,
    "--kubeconfig",
    plane.kubeconfig,
    "--rate-limit-per-ip",
    "100000",
    "--rate-limit-per-token",
    "100000",
  ]);
  apiChild.stdout!.on("data", (chunk: Buffer) => {
    apiOutput += chunk.toString("utf8");
  });
  children.push(apiChild);
  await waitFor("loco-api to be ready", async () => (await status(`${api}/readyz`)) === 200);
  const bootstrap = /(loco_\S+)/.exec(apiOutput)?.[1];
  if (!bootstrap) throw new Error("loco-api printed no bootstrap token");

  // What a platform install provides: a Gateway and a Profile routing through it.
  await client.apply(NAMESPACE, { apiVersion: "v1", kind: "Namespace", metadata: { name: "gateways" } }, "loco-bench");
  await client.apply(
    GATEWAY,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "public", namespace: "gateways" },
      spec: {
        gatewayClassName: "envoy",
        listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
      },
    },
    "loco-bench",
  );
  await call("PUT", `/v1/profiles/${profile}`, bootstrap, {
    spec: { baseDomain: "apps.example.com", gateway: { name: "public", namespace: "gateways" } },
  });
  await waitFor("the Profile to be mirrored", async () => {
    const res = await fetch(`${api}/v1/profiles/${profile}`, { headers: { authorization: `Bearer ${bootstrap}` } });
    await res.arrayBuffer();
    return res.status === 200;
  });
  const created = (await call("POST", "/v1/tenants", bootstrap, { name: tenant, owner: "bench-owner" })) as {
    namespaces: { profile: string; namespace: string }[];
  };
  const namespace = created.namespaces.find((n) => n.profile === profile)!.namespace;
  const minted = (await call("POST", `/v1/tenants/${tenant}/tokens`, bootstrap, {
    name: "bench",
    role: "developer",
  })) as { secret: string };
  const token = minted.secret;
  await client.apply(
    NAMESPACE,
    { apiVersion: "v1", kind: "Namespace", metadata: { name: floorNamespace } },
    "loco-bench",
  );

  const locoDeployments = new Stamps(client, DEPLOYMENT, namespace, deploymentAvailable);
  const locoApps = new Stamps(client, APP, namespace, appReady);
  const floorDeployments = new Stamps(client, DEPLOYMENT, floorNamespace, deploymentAvailable);
  watches.push(locoDeployments, locoApps, floorDeployments);
  await sleep(1000);

  interface Round {
    locoMs: number;
    floorMs: number;
    /** Request sent → the API answered with the deployment id. */
    acceptedMs: number;
    /** Request sent → the App appeared (the API's checks and writes before it applies the App). */
    appCreatedMs: number;
    /** The App appeared → the operator's Deployment appeared. */
    deploymentCreatedMs: number;
    /** The Deployment Available → the App Ready (seen by watches). */
    readyAfterAvailableMs: number;
    /** The App Ready → the API's stream said Available. */
    streamAfterReadyMs: number;
    /** The Deployment created → Available, on loco's side (Kubernetes' own work, as the floor measures it). */
    rolloutMs: number;
  }
  const rounds: Round[] = [];
  const loadBefore = loadavg()[0]!;
  for (let i = -3; i < deploys; i++) {
    const name = `app${String(i + 3).padStart(3, "0")}`;
    const spec = {
      profile,
      image: `registry.example.com/acme/${name}:1.0.0`,
      ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
      resources: { cpu: "10m", memory: "32Mi" },
    };
    // loco.
    const t0 = performance.now();
    const accepted = (await call("POST", `/v1/tenants/${tenant}/apps/${name}/deployments?profile=${profile}`, token, {
      spec,
    })) as { events: string; deploymentId: string };
    const tAccepted = performance.now();
    const outcome = await followEnd(`${api}${accepted.events}`, token);
    const tEnd = performance.now();
    if (outcome !== "Available") throw new Error(`Deployment of ${name} ended ${outcome}`);
    const [tAvailable, tReady] = await Promise.all([locoDeployments.when(name), locoApps.when(name)]);
    const tCreated = locoDeployments.seen.get(name)!;
    const tApp = locoApps.seen.get(name)!;

    // The floor: the same Deployment, another name, applied directly.
    const made = await client.get<KubeObject>(DEPLOYMENT, namespace, name);
    const floorName = `floor${String(i + 3).padStart(3, "0")}`;
    const template = structuredClone((made.spec as { template: KubeObject }).template);
    const labels = { "bench.loco.dev/deployment": floorName };
    template.metadata = { ...template.metadata, labels };
    const floorObject: KubeObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: floorName, namespace: floorNamespace },
      spec: {
        replicas: (made.spec as { replicas?: number }).replicas ?? 1,
        selector: { matchLabels: labels },
        template,
      },
    };
    const f0 = performance.now();
    await client.apply(DEPLOYMENT, floorObject, "loco-bench");
    const fEnd = await floorDeployments.when(floorName);

    if (i >= 0) {
      rounds.push({
        locoMs: tEnd - t0,
        floorMs: fEnd - f0,
        acceptedMs: tAccepted - t0,
        appCreatedMs: tApp - t0,
        deploymentCreatedMs: tCreated - tApp,
        readyAfterAvailableMs: tReady - tAvailable,
        streamAfterReadyMs: tEnd - tReady,
        rolloutMs: tAvailable - tCreated,
      });
      if (rounds.length % 10 === 0) {
        const last = rounds.at(-1)!;
        log(
          `${rounds.length}/${deploys}: loco ${round(last.locoMs)} ms, floor ${round(last.floorMs)} ms, added ${round(last.locoMs - last.floorMs)} ms`,
        );
      }
    }
    // Keep the node's pod count flat: each side's objects go once measured.
    await fetch(`${api}/v1/tenants/${tenant}/apps/${name}?profile=${profile}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${token}` },
    }).then((res) => res.arrayBuffer());
    await client.delete(DEPLOYMENT, floorNamespace, floorName);
  }

  const added = rounds.map((r) => r.locoMs - r.floorMs);
  const p = (values: number[], q: number) => round(quantile(values, q));
  const result = {
    deploys,
    p50Ms: p(added, 0.5),
    p95Ms: p(added, 0.95),
    ratio: round(
      quantile(
        rounds.map((r) => r.locoMs),
        0.5,
      ) /
        quantile(
          rounds.map((r) => r.floorMs),
          0.5,
        ),
      2,
    ),
    locoP50Ms: p(
      rounds.map((r) => r.locoMs),
      0.5,
    ),
    locoP95Ms: p(
      rounds.map((r) => r.locoMs),
      0.95,
    ),
    floorP50Ms: p(
      rounds.map((r) => r.floorMs),
      0.5,
    ),
    floorP95Ms: p(
      rounds.map((r) => r.floorMs),
      0.95,
    ),
    acceptedP50Ms: p(
      rounds.map((r) => r.acceptedMs),
      0.5,
    ),
    appCreatedP50Ms: p(
      rounds.map((r) => r.appCreatedMs),
      0.5,
    ),
    deploymentCreatedP50Ms: p(
      rounds.map((r) => r.deploymentCreatedMs),
      0.5,
    ),
    rolloutP50Ms: p(
      rounds.map((r) => r.rolloutMs),
      0.5,
    ),
    readyAfterAvailableP50Ms: p(
      rounds.map((r) => r.readyAfterAvailableMs),
      0.5,
    ),
    readyAfterAvailableP95Ms: p(
      rounds.map((r) => r.readyAfterAvailableMs),
      0.95,
    ),
    streamAfterReadyP50Ms: p(
      rounds.map((r) => r.streamAfterReadyMs),
      0.5,
    ),
    streamAfterReadyP95Ms: p(
      rounds.map((r) => r.streamAfterReadyMs),
      0.95,
    ),
    loadAverage1m: round(loadBefore),
    loadAverage1mAfter: round(loadavg()[0]!),
  };
  log(JSON.stringify(result, null, 2));
  mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
  writeFileSync(join(import.meta.dirname, "results", "deploy-latency.json"), `${JSON.stringify(result, null, 2)}\n`);
  client.close();
} finally {
  for (const watch of watches) watch.close();
  for (const child of children.reverse()) {
    if (child.exitCode !== null) continue;
    child.kill("SIGTERM");
    await Promise.race([new Promise((resolve) => child.once("exit", resolve)), sleep(25_000)]);
  }
  await postgres.stop();
  await stopControlPlane(dir);
  rmSync(dir, { recursive: true, force: true });
}

// --- Helpers. ---

function start(name: string, main: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [main, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LOCO_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info" },
  });
  child.stderr!.pipe(createWriteStream(join(dir, `${name}.log`)));
  if (name !== "loco-api") child.stdout!.pipe(createWriteStream(join(dir, `${name}.out`)));
  return child;
}

async function status(url: string): Promise<number> {
  try {
    const res = await fetch(url);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

async function call(method: string, path: string, bearer: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

/** Reads a deployment's event stream to its `end` event; resolves to the outcome it names. */
async function followEnd(url: string, bearer: string): Promise<string> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${bearer}`, accept: "text/event-stream" } });
  if (!response.ok || !response.body) throw new Error(`GET ${url} answered ${response.status}`);
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let boundary = buffer.indexOf("\n\n");
    while (boundary >= 0) {
      const message = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const event = /^event: (.*)$/m.exec(message)?.[1];
      const data = /^data: (.*)$/m.exec(message)?.[1];
      if (event === "end") {
        await response.body.cancel().catch(() => {});
        return (JSON.parse(data ?? "{}") as { outcome?: string }).outcome ?? "unknown";
      }
      boundary = buffer.indexOf("\n\n");
    }
  }
  throw new Error(`The event stream ${url} ended without an end event`);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(100);
  }
}
