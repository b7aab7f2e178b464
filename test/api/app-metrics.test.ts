// An App's metrics through the API, against a real Prometheus (Debian's 2.42) that scrapes the operator's and the
// API's /metrics and a stand-in for two tenants' pods serving loco's App-traffic histogram with known rates. The
// API answers tenant A's App with A's numbers only: not tenant B's pod (same App name and profile), not B's pod
// writing A's labels on its own series, not a series labelled B inside A's namespace. Crafted names and query
// parameters are refused naming the field; B's members get 404; deploy markers are the App's deployments; and an
// API without a metrics source says which setting to set.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StartedApiTelemetry, startApiTelemetry } from "../../api/telemetry.ts";
import { freePort } from "../../hack/control-plane/free-port.ts";
import { startTestApi } from "../support/api-server.ts";
import { type ApiWorld, AUDIENCE, startApiWorld } from "../support/api-world.ts";
import { eventually } from "../support/kube.ts";
import { type RunningPrometheus, type ScrapeTarget, startPrometheus } from "../support/prometheus-server.ts";
import { startTrafficExporter, type TrafficExporter } from "../support/traffic-exporter.ts";

let world: ApiWorld;
let prometheus: RunningPrometheus;
let exporter: TrafficExporter;
let telemetry: StartedApiTelemetry;
let podTargets: ScrapeTarget[];
const APP = "shop";
const suffix = Math.random().toString(36).slice(2, 8);
let A: { tenant: string; namespace: string };
let B: { tenant: string; namespace: string };

interface Metrics {
  range: { start: number; end: number; stepSeconds: number };
  series: Record<
    "requestRate" | "errorRatio" | "latencyP50" | "latencyP95" | "latencyP99",
    { unit: string; points: { t: number; v: number | null }[] }
  >;
  deployments: { id: string; image: string; createdAt: string }[];
}

const path = (tenant: string, app = APP, query = "") =>
  `/v1/tenants/${tenant}/apps/${app}/metrics?profile=${world.profile}&range=15m&step=5s${query}`;

/** The latest value of each series. */
const latest = (metrics: Metrics) =>
  Object.fromEntries(
    Object.entries(metrics.series).map(([name, s]) => [name, s.points.filter((p) => p.v !== null).at(-1)?.v ?? null]),
  ) as Record<keyof Metrics["series"], number | null>;

const near = (actual: number | null, expected: number) =>
  actual !== null && Math.abs(actual - expected) <= Math.max(0.02 * expected, 1e-6);

async function metricsOf(tenant: string, subject: string): Promise<Metrics> {
  const response = await world.api.call("GET", path(tenant), { token: await world.token(subject) });
  if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`);
  return (await response.json()) as Metrics;
}

beforeAll(async () => {
  const port = await freePort();
  telemetry = await startApiTelemetry({ otlpEndpoint: undefined, metricsAddress: { host: "127.0.0.1", port: 0 } });
  world = await startApiWorld("met", {
    operator: { health: { host: "127.0.0.1", port: 0 } },
    api: {
      // Prometheus scrapes every second here: a 10 s window holds ten samples.
      args: ["--metrics-url", `http://127.0.0.1:${port}`, "--metrics-rate-window", "10s"],
      ...(telemetry.server ? { telemetry: telemetry.server } : {}),
    },
  });
  A = { tenant: world.tenants[0].name, namespace: `${world.tenants[0].name}-${world.profile}` };
  B = { tenant: world.tenants[1].name, namespace: `${world.tenants[1].name}-${world.profile}` };
  exporter = await startTrafficExporter([
    {
      // 95 requests/s answered 200 and 5/s answered 500 (all fast): per second, 40 at ≤ 50 ms (and ≤ 75 ms), 80 at
      // ≤ 100 ms, 98 at ≤ 250 ms, all at ≤ 500 ms — p50 0.08125 s, p95 0.225 s, p99 0.375 s (no rank on a bucket
      // bound, where float rounding would tip it into the next bucket); error ratio 0.05.
      path: "/a/metrics",
      traffic: [
        {
          status: 200,
          perSecond: 95,
          buckets: [
            [0.05, 35 / 95],
            [0.1, 75 / 95],
            [0.25, 93 / 95],
            [0.5, 1],
          ],
        },
        { status: 500, perSecond: 5, buckets: [[0.05, 1]] },
      ],
    },
    {
      // Tenant B's pod of an App with the same name, slower and failing more: 10/s, 30% 5xx, all between 0.75 and 1 s
      // (p50 0.875 s).
      // It also writes tenant A's labels on its series: Prometheus keeps its target labels (B's) regardless.
      path: "/b/metrics",
      ownLabels: { loco_tenant: A.tenant, namespace: A.namespace, loco_app: APP },
      traffic: [
        {
          status: 200,
          perSecond: 7,
          buckets: [
            [0.5, 0],
            [1, 1],
          ],
        },
        {
          status: 503,
          perSecond: 3,
          buckets: [
            [0.5, 0],
            [1, 1],
          ],
        },
      ],
    },
    {
      // A series of tenant B that claims A's namespace (what a namespace-name collision of a legacy tenant would
      // give): the tenant matcher keeps it out of A's answer.
      path: "/collision/metrics",
      traffic: [{ status: 200, perSecond: 1000, buckets: [[0.005, 1]] }],
    },
  ]);
  podTargets = [
    {
      job: "pod-a",
      address: exporter.address,
      path: "/a/metrics",
      labels: { loco_tenant: A.tenant, namespace: A.namespace, loco_app: APP },
    },
    {
      job: "pod-b",
      address: exporter.address,
      path: "/b/metrics",
      labels: { loco_tenant: B.tenant, namespace: B.namespace, loco_app: APP },
    },
    {
      job: "pod-collision",
      address: exporter.address,
      path: "/collision/metrics",
      labels: { loco_tenant: B.tenant, namespace: A.namespace, loco_app: APP },
    },
  ];
  prometheus = await startPrometheus({
    port,
    targets: [
      ...podTargets,
      { job: "loco-operator", address: `127.0.0.1:${world.operator.healthPort}` },
      {
        job: "loco-api",
        address: `127.0.0.1:${telemetry.telemetry.metricsAddress?.port}`,
      },
    ],
  });
  // Deploy markers: the mirror records a deployment per new pod template.
  for (const [tenant, images] of [
    [world.tenants[0], ["1.0.0", "1.1.0"]],
    [world.tenants[1], ["9.0.0"]],
  ] as const) {
    for (const [index, tag] of images.entries()) {
      const developer = await world.token(tenant.members.developer);
      const put = await world.api.call("PUT", `/v1/tenants/${tenant.name}/apps/${APP}?profile=${world.profile}`, {
        token: developer,
        body: { spec: world.appSpec(`registry.example.com/acme/shop:${tag}`) },
      });
      if (put.status !== 200) throw new Error(`Applying ${APP} failed: ${await put.text()}`);
      await eventually(`deployment ${index + 1} of ${APP} in ${tenant.name}`, async () => {
        const response = await world.api.call(
          "GET",
          `/v1/tenants/${tenant.name}/apps/${APP}/deployments?profile=${world.profile}`,
          { token: developer },
        );
        const list = (await response.json()) as { items: unknown[] };
        return list.items.length === index + 1 ? true : undefined;
      });
    }
  }
  await prometheus.waitForTargets(["pod-a", "pod-b", "pod-collision", "loco-operator", "loco-api"]);
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await exporter?.stop();
  await world?.stop();
  await telemetry?.telemetry.shutdown();
});

describe("GET /v1/tenants/{tenant}/apps/{app}/metrics against a real Prometheus", () => {
  it("answers tenant A's App with A's request rate, error ratio and latency percentiles, and its deploy markers", async () => {
    const viewer = world.tenants[0].members.viewer;
    // rate() is exact once a whole window of samples is in (10 s of scrapes); until then it is lower.
    const metrics = await eventually(
      "A's numbers",
      async () => {
        const m = await metricsOf(A.tenant, viewer);
        return near(latest(m).requestRate, 100) ? m : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 1000 },
    );
    const values = latest(metrics);
    expect(near(values.requestRate, 100), `request rate ${values.requestRate}`).toBe(true);
    expect(near(values.errorRatio, 0.05), `error ratio ${values.errorRatio}`).toBe(true);
    expect(near(values.latencyP50, 0.08125), `p50 ${values.latencyP50}`).toBe(true);
    expect(near(values.latencyP95, 0.225), `p95 ${values.latencyP95}`).toBe(true);
    expect(near(values.latencyP99, 0.375), `p99 ${values.latencyP99}`).toBe(true);
    expect(metrics.series.requestRate.unit).toBe("requests/s");
    expect(metrics.range.stepSeconds).toBe(5);
    expect(metrics.range.end - metrics.range.start).toBe(900);
    // Markers: A's two deployments, oldest first, and none of B's.
    const developer = await world.token(world.tenants[0].members.developer);
    const deployments = (await (
      await world.api.call("GET", `/v1/tenants/${A.tenant}/apps/${APP}/deployments?profile=${world.profile}`, {
        token: developer,
      })
    ).json()) as { items: { id: string }[] };
    expect(metrics.deployments.map((d) => d.id)).toEqual(deployments.items.map((d) => d.id).reverse());
    expect(metrics.deployments.map((d) => d.image)).toEqual([
      "registry.example.com/acme/shop:1.0.0",
      "registry.example.com/acme/shop:1.1.0",
    ]);
  });

  it("answers tenant B's App with B's numbers: the series A's answer left out are there", async () => {
    const metrics = await eventually(
      "B's numbers",
      async () => {
        const m = await metricsOf(B.tenant, world.tenants[1].members.viewer);
        return near(latest(m).requestRate, 10) ? m : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 1000 },
    );
    const values = latest(metrics);
    expect(near(values.errorRatio, 0.3), `error ratio ${values.errorRatio}`).toBe(true);
    expect(near(values.latencyP50, 0.875), `p50 ${values.latencyP50}`).toBe(true);
    expect(metrics.deployments.map((d) => d.image)).toEqual(["registry.example.com/acme/shop:9.0.0"]);
    // Prometheus holds B's pod's series (relabelled: its own A labels kept as exported_*) and the collision series.
    const forged = await prometheus.query(
      `http_server_request_duration_seconds_count{exported_loco_tenant="${A.tenant}"}`,
    );
    expect(new Set(forged.map((r) => r.metric.loco_tenant))).toEqual(new Set([B.tenant]));
    const collision = await prometheus.query(
      `http_server_request_duration_seconds_count{namespace="${A.namespace}",loco_tenant="${B.tenant}"}`,
    );
    expect(collision.length).toBe(1);
  });

  it("refuses crafted names and query parameters, naming the field, and shows nothing of B", async () => {
    const token = await world.token(world.tenants[0].members.viewer);
    const crafted: [string, string][] = [
      [`/v1/tenants/${A.tenant}/apps/${encodeURIComponent(`${APP}"}`)}/metrics?profile=${world.profile}`, "path.app"],
      [
        `/v1/tenants/${A.tenant}/apps/${encodeURIComponent(`${APP}",loco_tenant="${B.tenant}`)}/metrics?profile=${world.profile}`,
        "path.app",
      ],
      [
        `/v1/tenants/${A.tenant}/apps/${APP}/metrics?profile=${encodeURIComponent(`${world.profile}",loco_tenant=~".+`)}`,
        "query.profile",
      ],
      [
        `${path(A.tenant)}&query=${encodeURIComponent(`sum(rate(http_server_request_duration_seconds_count[1m]))`)}`,
        "query",
      ],
      [`${path(A.tenant)}&tenant=${B.tenant}`, "query"],
      [`${path(A.tenant).replace("range=15m", "range=15m%22")}`, "query.range"],
      [`${path(A.tenant).replace("step=5s", "step=5s)%20or%20up")}`, "query.step"],
      [`${path(A.tenant).replace("step=5s", "step=1s")}`, "query.step"],
    ];
    for (const [url, field] of crafted) {
      const response = await world.api.call("GET", url, { token });
      const body = (await response.json()) as { errors?: { field: string }[]; detail: string };
      expect(response.status, url).toBe(400);
      expect(
        body.errors?.some((e) => e.field === field || e.field.startsWith(`${field}.`) || e.field.startsWith(field)),
        `${url}: ${JSON.stringify(body)}`,
      ).toBe(true);
      expect(JSON.stringify(body)).not.toMatch(/"v":/);
    }
    // B's App is no App of A's: the name alone finds nothing.
    const notMine = await world.api.call("GET", path(A.tenant, world.tenants[1].app), { token });
    expect(notMine.status).toBe(404);
  });

  it("answers another tenant's member 404, exactly as for a tenant that does not exist", async () => {
    const outsider = await world.token(world.tenants[1].members.owner);
    const foreign = await world.api.call("GET", path(A.tenant), { token: outsider });
    const missing = await world.api.call("GET", path(`nosuch${suffix}`), { token: outsider });
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    const mask = (text: string, name: string) => {
      const body = JSON.parse(text.split(name).join("<tenant>")) as Record<string, unknown>;
      delete body.requestId;
      return body;
    };
    expect(mask(await foreign.text(), A.tenant)).toEqual(mask(await missing.text(), `nosuch${suffix}`));
  });

  it("is fed by a Prometheus that scrapes the operator's and the API's /metrics too", async () => {
    const reconciles = await prometheus.query('controller_runtime_reconcile_total{job="loco-operator"}');
    expect(reconciles.length).toBeGreaterThan(0);
    // The API's own request histogram names tenant A (requests about A's App) but is no App traffic: no target
    // namespace label, another name — the numbers above did not move for it.
    const apiRequests = await eventually("the API's request metrics scraped", async () => {
      const found = await prometheus.query(
        `http_server_request_duration_count{job="loco-api",loco_tenant="${A.tenant}"}`,
      );
      return found.length > 0 ? found : undefined;
    });
    expect(apiRequests.every((r) => r.metric.namespace === undefined)).toBe(true);
  });

  it("answers 503 naming --metrics-url when no metrics source is configured, and 503 when it does not answer", async () => {
    const bare = await startTestApi({
      databaseUrl: world.databaseUrl,
      oidc: { issuer: world.idp.issuer, audience: AUDIENCE },
      consoleDir: "",
    });
    try {
      const response = await bare.call("GET", path(A.tenant), {
        token: await world.token(world.tenants[0].members.viewer),
      });
      expect(response.status).toBe(503);
      const body = (await response.json()) as { code: string; detail: string; setting: string };
      expect(body.code).toBe("Unavailable");
      expect(body.detail).toContain("--metrics-url");
      expect(body.setting).toBe("--metrics-url");
      // The App check comes first: a missing App is still 404, not 503.
      const missing = await bare.call("GET", path(A.tenant, "nosuchapp"), {
        token: await world.token(world.tenants[0].members.viewer),
      });
      expect(missing.status).toBe(404);
    } finally {
      await bare.stop();
    }
    // A source that does not answer is 503 too, saying so, without its address or the query.
    const closed = await freePort();
    const down = await startTestApi({
      databaseUrl: world.databaseUrl,
      oidc: { issuer: world.idp.issuer, audience: AUDIENCE },
      consoleDir: "",
      args: ["--metrics-url", `http://127.0.0.1:${closed}`],
    });
    try {
      const response = await down.call("GET", path(A.tenant), {
        token: await world.token(world.tenants[0].members.viewer),
      });
      expect(response.status).toBe(503);
      const text = await response.text();
      expect(text).toContain("The metrics source did not answer.");
      expect(text).not.toContain(String(closed));
      expect(text).not.toContain("loco_tenant");
    } finally {
      await down.stop();
    }
  });
});
