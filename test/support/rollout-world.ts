// Reading and steering an App's rollout in operator tests (canary and blue-green, ADR 0010 and 0012): its status, the
// weights of loco's rule on a route object, the Deployments' images and sizes, and the promote/abort requests a
// person makes (the annotation naming the rollout, under another field manager, as the API writes it). The client
// and namespace are read when each helper runs, since test files set them up in beforeAll.
import { APP } from "../../crds/kinds.ts";
import type { KubeClient } from "../../kube/kube-client.ts";
import { DEPLOYMENT, HTTP_ROUTE } from "../../kube/resources.ts";
import type { ResourceType } from "../../kube/types.ts";
import { eventually } from "./kube.ts";

export type Condition = { type: string; status: string; reason: string; message: string };
export type RolloutView = {
  deploymentId: string;
  step: number;
  weight: number;
  phase: string;
  message: string;
  stepStartedAt: string;
  analysis?: { passed: number; failed: number; inconclusive: number };
};

export type RouteRule = {
  filters?: unknown[];
  matches?: { path?: { value?: string } }[];
  backendRefs?: { name: string; weight?: number }[];
};

/** The weights of a route's first rule (loco's): `service=weight` pairs. */
export const ruleWeights = (rules: RouteRule[]) =>
  (rules[0]?.backendRefs ?? []).map((r) => `${r.name}=${r.weight}`).join(",");

/** What another tool (kubectl, a policy controller) adds to an App's HTTPRoute: a filter on loco's rule, a rule. */
export const TEAM_FILTER = {
  type: "RequestHeaderModifier",
  requestHeaderModifier: { add: [{ name: "x-team", value: "a" }] },
};
export const TEAM_RULE = {
  matches: [{ path: { type: "PathPrefix", value: "/legacy" } }],
  backendRefs: [{ name: "legacy", port: 80 }],
};

export function rolloutWorld(context: () => { client: KubeClient; ns: string }) {
  const status = async (name: string) => {
    const { client, ns } = context();
    return (await client.get(APP, ns, name)).status as {
      rollout?: RolloutView;
      conditions?: Condition[];
      deploymentId?: string;
    };
  };
  const condition = async (name: string, type: string) => (await status(name)).conditions?.find((c) => c.type === type);
  const rolloutWith = (name: string, test: (r: RolloutView) => boolean, what: string, timeoutMs = 60_000) =>
    eventually(
      `${name} rollout ${what}`,
      async () => {
        const r = (await status(name)).rollout;
        return r && test(r) ? r : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  const deploymentSpec = async (name: string) => {
    const { client, ns } = context();
    return (await client.get(DEPLOYMENT, ns, name)).spec as {
      replicas: number;
      template: { spec: { containers: { image: string }[] } };
    };
  };
  return {
    status,
    condition,
    rolloutWith,
    phase: (name: string, wanted: string, timeoutMs = 60_000) =>
      rolloutWith(name, (r) => r.phase === wanted, wanted, timeoutMs),
    /** Waits until the App's Ready condition is True. */
    ready: (name: string) =>
      eventually(`${name} Ready`, async () => ((await condition(name, "Ready"))?.status === "True" ? true : undefined)),
    /** The weights of loco's (first) rule: `service=weight` pairs. */
    async weights(resource: ResourceType, name: string): Promise<string> {
      const { client, ns } = context();
      const route = await client.get(resource, ns, name);
      return ruleWeights((route.spec as { rules: RouteRule[] }).rules);
    },
    /**
     * Records every version of a route from now on, through a watch (polling misses a state that lasts less than a
     * poll on a loaded machine). stop() ends the watch and answers the versions' rules, oldest first.
     */
    async recordRoute(
      resource: ResourceType,
      name: string,
    ): Promise<{ latest(): RouteRule[]; stop(): Promise<RouteRule[][]> }> {
      const { client, ns } = context();
      const first = await client.get(resource, ns, name);
      const versions: RouteRule[][] = [(first.spec as { rules: RouteRule[] }).rules];
      const abort = new AbortController();
      const watching = (async () => {
        const events = client.watch(
          resource,
          ns,
          { resourceVersion: first.metadata.resourceVersion, fieldSelector: `metadata.name=${name}` },
          abort.signal,
        );
        for await (const event of events) {
          if (event.type === "MODIFIED") versions.push((event.object.spec as { rules: RouteRule[] }).rules);
        }
      })().catch((error: unknown) => {
        if (!abort.signal.aborted) throw error;
      });
      return {
        latest: () => versions.at(-1) ?? [],
        async stop() {
          abort.abort();
          await watching;
          return versions;
        },
      };
    },
    imageOf: async (deployment: string) => (await deploymentSpec(deployment)).template.spec.containers[0]?.image,
    replicasOf: async (deployment: string) => (await deploymentSpec(deployment)).replicas,
    /** Adds TEAM_FILTER to loco's (first) rule of the App's HTTPRoute and TEAM_RULE after it, as field manager team-tool. */
    async addTeamRule(name: string): Promise<void> {
      const { client, ns } = context();
      const live = await client.get(HTTP_ROUTE, ns, name);
      const [own] = (live.spec as { rules: Record<string, unknown>[] }).rules;
      await client.apply(
        HTTP_ROUTE,
        {
          apiVersion: "gateway.networking.k8s.io/v1",
          kind: "HTTPRoute",
          metadata: { name, namespace: ns },
          spec: { rules: [{ ...own, filters: [TEAM_FILTER] }, TEAM_RULE] },
        },
        "team-tool",
      );
    },
    /** What `loco rollout promote|abort` asks for. */
    async request(name: string, what: "promote" | "abort", deploymentId: string): Promise<void> {
      const { client, ns } = context();
      await client.apply(
        APP,
        {
          apiVersion: "loco.dev/v1alpha1",
          kind: "App",
          metadata: { name, namespace: ns, annotations: { [`loco.dev/rollout-${what}`]: deploymentId } },
        },
        "test-user",
      );
    },
  };
}
