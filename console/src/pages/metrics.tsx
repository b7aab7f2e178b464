// An App's traffic: request rate, error ratio and latency percentiles over a chosen range, with its deployments
// marked on every chart and listed below them. Everything comes from GET …/apps/{app}/metrics, where the API builds
// the queries for this tenant's App itself; the page sends only the profile and the range.

import { useQuery } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import type { AppMetrics } from "../../../api/contract.ts";
import { ApiProblem, api, seg } from "../api.ts";
import { LineChart } from "../components/line-chart.tsx";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { When } from "../components/status.tsx";
import "./metrics.css";

const route = getRouteApi("/tenants/$tenant/apps/$app/metrics");
export const METRICS_RANGES = ["15m", "1h", "6h", "24h", "7d"] as const;
export type MetricsRange = (typeof METRICS_RANGES)[number];

export function MetricsPage() {
  const { tenant, app: name } = route.useParams();
  const { profile, range } = route.useSearch();
  const navigate = useNavigate();
  const metrics = useQuery({
    queryKey: ["metrics", tenant, profile, name, range],
    queryFn: () =>
      api<AppMetrics>(
        `/v1/tenants/${seg(tenant)}/apps/${seg(name)}/metrics?profile=${seg(profile)}&range=${seg(range)}`,
      ),
    refetchInterval: 30_000,
    // "Not configured" will not fix itself within seconds.
    retry: false,
  });
  if (!profile) return <ErrorState error={new Error("This link names no profile (?profile=…).")} what="App" />;
  return (
    <section>
      <h1>
        Metrics of <span className="name">{name}</span> <span className="muted">in {profile}</span>
      </h1>
      <p>
        <Link to="/tenants/$tenant/apps/$app" params={{ tenant, app: name }} search={{ profile }}>
          Back to the App
        </Link>
      </p>
      <div className="metrics-controls">
        <label htmlFor="metrics-range">Range</label>
        <select
          id="metrics-range"
          value={range}
          onChange={(event) =>
            void navigate({
              to: "/tenants/$tenant/apps/$app/metrics",
              params: { tenant, app: name },
              search: { profile, range: event.target.value as MetricsRange },
            })
          }
        >
          {METRICS_RANGES.map((r) => (
            <option key={r} value={r}>
              Last {r}
            </option>
          ))}
        </select>
        <button type="button" onClick={() => void metrics.refetch()} disabled={metrics.isFetching}>
          Refresh
        </button>
      </div>
      {metrics.isPending ? (
        <Loading what="metrics" />
      ) : metrics.isError ? (
        <MetricsError error={metrics.error} />
      ) : (
        <Charts data={metrics.data} range={range} />
      )}
    </section>
  );
}

/** 503 is the API saying it has no metrics source (or it did not answer): its words say which, and what to set. */
function MetricsError({ error }: { error: unknown }) {
  if (error instanceof ApiProblem && error.status === 503) {
    // The API's problem names the missing setting when no source is configured; a source that did not answer has none.
    const notConfigured = error.setting !== undefined;
    return (
      <div className="state error" role="alert">
        <h2>{notConfigured ? "Metrics are not configured" : "Metrics are unavailable"}</h2>
        <p>{error.message}</p>
      </div>
    );
  }
  return <ErrorState error={error} what="metrics" />;
}

function Charts({ data, range }: { data: AppMetrics; range: string }) {
  const { series, deployments } = data;
  const { start, end } = data.range;
  const markers = deployments.map((d) => ({ t: Date.parse(d.createdAt) / 1000, label: d.image }));
  const hasData = Object.values(series).some((s) => s.points.some((p) => p.v !== null));
  return (
    <>
      {!hasData && (
        <Empty>
          No traffic recorded for this App in the last {range}. Requests show here once they reach it and the platform's
          Prometheus has scraped them.
        </Empty>
      )}
      <div className="charts">
        <LineChart
          title="Request rate"
          unit="requests/s"
          series={[{ name: "rate", label: "requests", points: series.requestRate.points }]}
          markers={markers}
          start={start}
          end={end}
        />
        <LineChart
          title="Error ratio (5xx)"
          unit="ratio"
          series={[{ name: "errors", label: "5xx", points: series.errorRatio.points }]}
          markers={markers}
          start={start}
          end={end}
          minMax={0.01}
        />
        <LineChart
          title="Latency"
          unit="s"
          series={[
            { name: "p50", label: "p50", points: series.latencyP50.points },
            { name: "p95", label: "p95", points: series.latencyP95.points },
            { name: "p99", label: "p99", points: series.latencyP99.points },
          ]}
          markers={markers}
          start={start}
          end={end}
        />
      </div>
      <h2>Deployments in this range</h2>
      {deployments.length === 0 ? (
        <Empty>No deployments in the last {range}.</Empty>
      ) : (
        <ol className="markers" aria-label="Deployments marked on the charts">
          {deployments.map((d) => (
            <li key={d.id}>
              <When time={d.createdAt} /> <code>{d.image}</code> <span className="muted">({d.outcome})</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
