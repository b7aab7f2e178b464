// A fleet of Apps across tenant namespaces, for the steady-state and crash tests and the convergence benchmark.
// No vitest imports: the benchmark uses it too.

import { APP, PROFILE } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import {
  BACKEND_TRAFFIC_POLICY,
  DEPLOYMENT,
  GATEWAY,
  HTTP_ROUTE,
  NAMESPACE,
  SECRET,
  SERVICE,
} from "../../kube/resources.ts";
import type { KubeObject, ResourceType } from "../../kube/types.ts";

export const CHILD_KINDS: ResourceType[] = [DEPLOYMENT, SERVICE, HTTP_ROUTE, BACKEND_TRAFFIC_POLICY, SECRET];

export interface Fleet {
  shard: string;
  profile: string;
  gatewayNamespace: string;
  namespaces: string[];
  apps: KubeObject[];
}

export interface FleetOptions {
  shard: string;
  shardLabel: string;
  apps: number;
  namespaces?: number;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function mapLimit<T, R>(
  items: T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

export function fleetApp(
  fleet: Pick<Fleet, "profile" | "shard">,
  shardLabel: string,
  namespace: string,
  name: string,
): KubeObject {
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: { name, namespace, labels: { [shardLabel]: fleet.shard } },
    spec: {
      profile: fleet.profile,
      project: "fleet",
      image: `registry.example.com/fleet/${name}:1.0.0`,
      ports: [{ name: "http", port: 8080, protocol: "HTTP" }],
      health: { readiness: { http: { path: "/healthz" } } },
      resources: { cpu: "10m", memory: "32Mi" },
      env: [{ name: "LOG_LEVEL", value: "info" }],
    },
  };
}

/** Namespaces (labelled as tenants), a Gateway and a Profile; the Apps are returned, not yet applied. */
export async function prepareFleet(client: KubeClient, options: FleetOptions): Promise<Fleet> {
  const { shard, shardLabel } = options;
  const namespaceCount = options.namespaces ?? Math.max(1, Math.ceil(options.apps / 50));
  const fleet: Fleet = {
    shard,
    profile: `fleet-${shard}`,
    gatewayNamespace: `fleet-gw-${shard}`,
    namespaces: Array.from({ length: namespaceCount }, (_, i) => `fleet-${shard}-${i}`),
    apps: [],
  };
  const manager = "loco-test";
  for (const [index, name] of [fleet.gatewayNamespace, ...fleet.namespaces].entries()) {
    await client.apply(
      NAMESPACE,
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: { "loco.dev/test": "true", "loco.dev/tenant": `tenant${index}` } },
      },
      manager,
    );
  }
  await client.apply(
    GATEWAY,
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name: "public", namespace: fleet.gatewayNamespace },
      spec: {
        gatewayClassName: "envoy",
        listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }],
      },
    },
    manager,
  );
  await client.apply(
    PROFILE,
    {
      apiVersion: "loco.dev/v1alpha1",
      kind: "Profile",
      metadata: { name: fleet.profile, labels: { [shardLabel]: shard } },
      spec: {
        // One domain per fleet: hostname claims are cluster-wide, and fleets of files running at once must not collide.
        baseDomain: `${shard}.fleet.example.com`,
        gateway: { name: "public", namespace: fleet.gatewayNamespace },
        defaults: { replicas: 1, idleTimeout: "60s" },
      },
    },
    manager,
  );
  for (let i = 0; i < options.apps; i++) {
    const namespace = fleet.namespaces[i % namespaceCount] as string;
    fleet.apps.push(fleetApp(fleet, shardLabel, namespace, `app-${String(i).padStart(4, "0")}`));
  }
  return fleet;
}

export function applyApps(client: KubeClient, apps: KubeObject[], concurrency = 16): Promise<KubeObject[]> {
  return mapLimit(apps, concurrency, (app) => client.apply(APP, app, "loco-test"));
}

async function listAll(
  client: KubeClient,
  resource: ResourceType,
  namespaces: string[],
  labelSelector?: string,
): Promise<KubeObject[]> {
  const lists = await Promise.all(
    namespaces.map((ns) => client.list(resource, ns, labelSelector ? { labelSelector } : {})),
  );
  return lists.flatMap((list) => list.items.map((item) => ({ ...item, kind: resource.kind })));
}

const readyCondition = (app: KubeObject) =>
  ((app.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).find(
    (c) => c.type === "Ready",
  );

/** How many of the fleet's Apps are Ready for their current generation. */
export async function countReady(client: KubeClient, fleet: Fleet): Promise<number> {
  const apps = await listAll(client, APP, fleet.namespaces);
  return apps.filter(
    (app) =>
      readyCondition(app)?.status === "True" &&
      (app.status as { observedGeneration?: number }).observedGeneration === app.metadata.generation,
  ).length;
}

/** resourceVersion of every App and child in the fleet, keyed by kind/namespace/name. */
export async function snapshotVersions(client: KubeClient, fleet: Fleet): Promise<Map<string, string>> {
  const snapshot = new Map<string, string>();
  for (const resource of [APP, ...CHILD_KINDS]) {
    for (const object of await listAll(client, resource, fleet.namespaces)) {
      snapshot.set(
        `${resource.kind}/${object.metadata.namespace}/${object.metadata.name}`,
        object.metadata.resourceVersion ?? "",
      );
    }
  }
  return snapshot;
}

export async function deleteFleet(client: KubeClient, fleet: Fleet): Promise<void> {
  await client.delete(PROFILE, undefined, fleet.profile);
  for (const ns of [fleet.gatewayNamespace, ...fleet.namespaces]) await client.delete(NAMESPACE, undefined, ns);
}

export { listAll };
