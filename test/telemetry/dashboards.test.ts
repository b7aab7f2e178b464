// The OpenObserve dashboards in charts/loco/dashboards query only what loco exports: every metric (stream) and
// every label in their PromQL, panel fields and variables must be one of loco's instruments and attributes, under
// the names OpenObserve gives OTLP data (dots become underscores; a histogram becomes <name>_bucket/_count/_sum
// with an `le` label). Renaming a metric or attribute in the code without the dashboards fails here. No server
// needed; it sits with the telemetry tests it belongs to.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HTTP_SERVER_DURATION } from "../../api/telemetry.ts";
import { RECONCILE_METRICS } from "../../kube/telemetry.ts";
import { STATUS_METRICS } from "../../operator/runtime/status-metrics.ts";
import { RESURRECTOR_METRICS } from "../../resurrector/telemetry.ts";

const folder = new URL("../../charts/loco/dashboards/", import.meta.url).pathname;

type Kind = "counter" | "gauge" | "histogram";
/** What loco emits over OTLP: each instrument, its kind and the attributes its points carry. */
const EMITTED: { name: string; kind: Kind; attributes: string[] }[] = [
  {
    name: HTTP_SERVER_DURATION,
    kind: "histogram",
    attributes: [
      "http.request.method",
      "url.scheme",
      "http.route",
      "http.response.status_code",
      "error.type",
      "loco.tenant",
      "loco.app",
      "loco.pipeline",
    ],
  },
  {
    name: RECONCILE_METRICS.total,
    kind: "counter",
    attributes: ["controller", "result", "loco.tenant", "loco.app", "loco.pipeline", "loco.profile"],
  },
  {
    name: RECONCILE_METRICS.errors,
    kind: "counter",
    attributes: ["controller", "loco.tenant", "loco.app", "loco.pipeline", "loco.profile"],
  },
  {
    name: RECONCILE_METRICS.time,
    kind: "histogram",
    attributes: ["controller", "loco.tenant", "loco.app", "loco.pipeline", "loco.profile"],
  },
  { name: STATUS_METRICS.deployments, kind: "counter", attributes: ["loco.tenant", "loco.app"] },
  { name: STATUS_METRICS.replicas, kind: "gauge", attributes: ["loco.tenant", "loco.app", "state"] },
  { name: STATUS_METRICS.runs, kind: "counter", attributes: ["loco.tenant", "loco.pipeline", "result", "reason"] },
  { name: STATUS_METRICS.runDuration, kind: "histogram", attributes: ["loco.tenant", "loco.pipeline", "result"] },
  {
    name: STATUS_METRICS.taskDuration,
    kind: "histogram",
    attributes: ["loco.tenant", "loco.pipeline", "task", "state"],
  },
  { name: RESURRECTOR_METRICS.restores, kind: "counter", attributes: ["result"] },
  { name: RESURRECTOR_METRICS.restoreDuration, kind: "histogram", attributes: ["result"] },
  { name: RESURRECTOR_METRICS.objects, kind: "counter", attributes: ["kind", "outcome"] },
  { name: RESURRECTOR_METRICS.probes, kind: "counter", attributes: ["loco.cluster.ready"] },
];

/** OpenObserve's stream and label names for OTLP names. */
const o2 = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");

/** Streams OpenObserve makes of loco's instruments, with the labels each may be filtered or grouped by. */
const STREAMS = new Map<string, Set<string>>();
for (const metric of EMITTED) {
  const labels = new Set([...metric.attributes.map(o2), "service_name"]);
  if (metric.kind === "histogram") {
    STREAMS.set(`${o2(metric.name)}_bucket`, new Set([...labels, "le"]));
    STREAMS.set(`${o2(metric.name)}_count`, labels);
    STREAMS.set(`${o2(metric.name)}_sum`, labels);
  } else STREAMS.set(o2(metric.name), labels);
}

const PROMQL_WORDS = new Set([
  "sum",
  "max",
  "min",
  "avg",
  "count",
  "rate",
  "increase",
  "irate",
  "histogram_quantile",
  "by",
  "without",
  "on",
  "ignoring",
  "clamp_min",
  "vector",
  "or",
  "and",
  "unless",
  "topk",
]);

interface Reference {
  metric: string;
  labels: string[];
}

/** The metrics a PromQL expression selects, each with the labels it matches on or groups by. */
function referencesOf(query: string): Reference[] {
  const references: Reference[] = [];
  const grouping = [...query.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) =>
    (m[1] ?? "")
      .split(",")
      .map((l) => l.trim())
      .filter(Boolean),
  );
  for (const match of query.matchAll(/\b([A-Za-z_:][A-Za-z0-9_:]*)\s*(\{([^}]*)\})?/g)) {
    const [, name, , matchers] = match;
    if (!name || PROMQL_WORDS.has(name)) continue;
    // Bare words inside by (...) are labels, not metrics.
    if (matchers === undefined && grouping.includes(name)) continue;
    const labels = [...(matchers ?? "").matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)\s*"/g)].map(
      (m) => m[1] as string,
    );
    references.push({ metric: name, labels });
  }
  // Labels grouped by belong to every metric of the expression.
  return references.map((r) => ({ ...r, labels: [...r.labels, ...grouping] }));
}

interface Dashboard {
  title: string;
  tabs: {
    panels: {
      title: string;
      queryType: string;
      queries: { query: string; fields: { stream: string; stream_type: string } }[];
    }[];
  }[];
  variables: { list: { name: string; query_data?: { stream: string; field: string; stream_type: string } }[] };
}

const files = readdirSync(folder).filter((f) => f.endsWith(".dashboard.json"));
const dashboards = files.map((file) => ({
  file,
  dashboard: JSON.parse(readFileSync(join(folder, file), "utf8")) as Dashboard,
}));

describe("tenant dashboards", () => {
  it("are there: one for Apps, one for Pipelines", () => {
    expect(files.sort()).toEqual(["tenant-apps.dashboard.json", "tenant-pipelines.dashboard.json"]);
  });

  it("understand the queries they check (the parser finds metrics and labels)", () => {
    expect(
      referencesOf(
        'histogram_quantile(0.95, sum by (le, loco_app) (rate(http_server_request_duration_bucket{loco_tenant="$tenant"}[5m])))',
      ),
    ).toEqual([{ metric: "http_server_request_duration_bucket", labels: ["loco_tenant", "le", "loco_app"] }]);
    expect(referencesOf("sum(made_up_metric)")).toEqual([{ metric: "made_up_metric", labels: [] }]);
  });

  for (const { file, dashboard } of dashboards) {
    describe(file, () => {
      const panels = dashboard.tabs.flatMap((tab) => tab.panels);

      it("has panels, all PromQL over metrics streams", () => {
        expect(panels.length).toBeGreaterThan(3);
        for (const panel of panels) {
          expect(panel.queryType, panel.title).toBe("promql");
          for (const query of panel.queries) expect(query.fields.stream_type).toBe("metrics");
        }
      });

      it("queries only metrics and labels loco emits", () => {
        for (const panel of panels) {
          for (const query of panel.queries) {
            const references = referencesOf(query.query);
            expect(references.length, `${panel.title}: no metric in ${query.query}`).toBeGreaterThan(0);
            for (const { metric, labels } of references) {
              const known = STREAMS.get(metric);
              expect(known, `${panel.title}: ${metric} is not a metric loco exports`).toBeDefined();
              for (const label of labels)
                expect(known?.has(label), `${panel.title}: ${metric} has no label ${label}`).toBe(true);
            }
            expect(STREAMS.has(query.fields.stream), `${panel.title}: stream ${query.fields.stream}`).toBe(true);
          }
        }
      });

      it("filters every panel by the tenant variable, which reads a real stream and label", () => {
        for (const panel of panels)
          for (const query of panel.queries) expect(query.query, panel.title).toContain('loco_tenant="$tenant"');
        const tenant = dashboard.variables.list.find((v) => v.name === "tenant");
        expect(tenant?.query_data?.field).toBe("loco_tenant");
        expect(STREAMS.get(tenant?.query_data?.stream ?? "")?.has("loco_tenant")).toBe(true);
      });
    });
  }
});
