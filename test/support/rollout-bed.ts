// The test bed of the rollout tests (canary and blue-green): a tenant namespace with its Gateway and Profile, a test
// operator on the file's shard and, when the file judges metrics, a traffic exporter standing in for pods and a real
// Prometheus scraping it under the target labels a cluster's scrape would give them. `stop` removes it all, stopping
// whichever operator runs by then (a test may restart it).
import type { KubeClient } from "../../kube/kube-client.ts";
import type { KubeObject } from "../../kube/types.ts";
import type { RunningOperator } from "../../operator/operator.ts";
import { type TestKube, testKube } from "./kube.ts";
import { newShard, SHARD_LABEL, startTestOperator } from "./operator.ts";
import { type RunningPrometheus, type ScrapeTarget, startPrometheus } from "./prometheus-server.ts";
import { createTenantGateway, removeTenantGateway, type TenantGateway } from "./tenant-gateway.ts";
import { type PodTraffic, startTrafficExporter, type TrafficExporter } from "./traffic-exporter.ts";

export interface RolloutBed {
  kube: TestKube;
  ns: string;
  operator: RunningOperator;
  client: KubeClient;
  prometheus: RunningPrometheus | undefined;
  stop(): Promise<void>;
}

export async function startRolloutBed(options: {
  shard: string;
  world: TenantGateway;
  /** Profile spec fields besides the query endpoint, which is the bed's Prometheus when there is one. */
  profile?: Record<string, unknown>;
  /** The "pods" whose metrics Prometheus scrapes, and their targets (which name the namespace, known only here). */
  metrics?: { pods: PodTraffic[]; targets: (ns: string, exporterAddress: string) => ScrapeTarget[] };
}): Promise<RolloutBed> {
  const kube = testKube();
  let exporter: TrafficExporter | undefined;
  let prometheus: RunningPrometheus | undefined;
  const release = async () => {
    await prometheus?.stop();
    await exporter?.stop();
    await removeTenantGateway(kube, options.world);
  };
  let ns: string;
  let operator: RunningOperator;
  try {
    if (options.metrics) {
      exporter = await startTrafficExporter(options.metrics.pods);
      prometheus = await startPrometheus();
    }
    const telemetry = prometheus ? { telemetry: { queryEndpoint: prometheus.url } } : {};
    ns = await createTenantGateway(kube, { ...options.world, profile: { ...options.profile, ...telemetry } });
    if (prometheus && exporter && options.metrics) {
      // The targets carry the namespace among their labels, so they are scraped once it exists.
      const targets = options.metrics.targets(ns, exporter.address);
      prometheus.setTargets(targets);
      await prometheus.waitForTargets(targets.map((t) => t.job));
    }
    operator = await startTestOperator(options.shard);
  } catch (error) {
    await release();
    throw error;
  }
  const bed: RolloutBed = {
    kube,
    ns,
    operator,
    client: operator.client,
    prometheus,
    async stop() {
      await bed.operator.stop();
      await release();
    },
  };
  return bed;
}

/** A test file's own shard, tenant, Profile and Gateway namespace, all named from `prefix` (letters only). */
export function rolloutTestWorld(prefix: string) {
  const shard = newShard();
  const tenant = `${prefix}${shard}`;
  const world: TenantGateway = {
    prefix,
    tenant,
    gatewayNs: `gw-${prefix}-${shard}`,
    profileName: `${prefix}-${shard}`,
    labels: { [SHARD_LABEL]: shard },
  };
  return { shard, tenant, world };
}

/** An App of the test world with two replicas on one port (8080) and the given rollout. */
export function rolloutApp(
  world: TenantGateway,
  ns: string,
  app: { name: string; image: string; rollout: unknown; protocol?: "HTTP" | "GRPC"; routes?: unknown },
): KubeObject {
  const protocol = app.protocol ?? "HTTP";
  return {
    apiVersion: "loco.dev/v1alpha1",
    kind: "App",
    metadata: { name: app.name, namespace: ns, labels: world.labels },
    spec: {
      profile: world.profileName,
      image: app.image,
      replicas: 2,
      ports: [{ name: protocol.toLowerCase(), port: 8080, protocol }],
      ...(app.routes ? { routes: app.routes } : {}),
      rollout: app.rollout,
    },
  };
}
