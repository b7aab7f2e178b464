// The PromQL behind an App's metrics page, built here and only here from fixed templates: the client never sends a
// query, only a tenant and App (from the path), a profile, a range and a step, all validated before they get here.
// Every selector carries three equality matchers the API fills in itself — the tenant, the tenant's namespace for the
// profile and the App — so a query can only ever select series of the caller's own App. Values are escaped as PromQL
// string literals as well (defence in depth: validation already refuses quotes, backslashes and braces).
//
// The series are loco's App-traffic contract (docs/telemetry.md): OpenTelemetry's HTTP server histogram
// `http.server.request.duration` in Prometheus' naming, with the tenant, namespace and App as *target* labels that the
// platform's scrape configuration sets from Kubernetes service discovery — never labels the App writes itself, which
// Prometheus renames to `exported_…` (honor_labels: false).

import { APP_TRAFFIC_METRIC, promString, STATUS_LABEL, TRAFFIC_LABELS } from "../../crds/app-traffic.ts";

// The contract's names live in crds/ (the operator's canary analysis reads the same series).
export { APP_TRAFFIC_METRIC, promString, STATUS_LABEL, TRAFFIC_LABELS };

export const PERCENTILES = [50, 95, 99] as const;
export type Percentile = (typeof PERCENTILES)[number];
export type SeriesName = "requestRate" | "errorRatio" | "latencyP50" | "latencyP95" | "latencyP99";

/** Who the queries are about: the API fills these in from the authorised path, never from a client's query. */
export interface TrafficScope {
  tenant: string;
  namespace: string;
  app: string;
}

/** The scope's matchers: tenant, namespace and App, all by equality (a regex matcher could widen the selection). */
export function scopeMatchers(scope: TrafficScope): string {
  return [
    `${TRAFFIC_LABELS.tenant}=${promString(scope.tenant)}`,
    `${TRAFFIC_LABELS.namespace}=${promString(scope.namespace)}`,
    `${TRAFFIC_LABELS.app}=${promString(scope.app)}`,
  ].join(",");
}

/** Seconds as a PromQL duration. */
const duration = (seconds: number) => `${Math.max(1, Math.round(seconds))}s`;

/**
 * The five queries of the page: requests per second, the share of them answered 5xx, and the latency percentiles in
 * seconds, each aggregated to one series (no label of any series reaches the answer).
 */
export function appTrafficQueries(scope: TrafficScope, rateWindowSeconds: number): Record<SeriesName, string> {
  const m = scopeMatchers(scope);
  const w = duration(rateWindowSeconds);
  const count = `${APP_TRAFFIC_METRIC}_count`;
  const requests = `sum(rate(${count}{${m}}[${w}]))`;
  const errors = `sum(rate(${count}{${m},${STATUS_LABEL}=~"5.."}[${w}]))`;
  const quantile = (p: Percentile) =>
    `histogram_quantile(${p / 100}, sum by (le) (rate(${APP_TRAFFIC_METRIC}_bucket{${m}}[${w}])))`;
  return {
    requestRate: requests,
    // No 5xx series at all is a ratio of 0, not "no data"; no requests at all stays empty (0/0).
    errorRatio: `(${errors} or ${requests} * 0) / ${requests}`,
    latencyP50: quantile(50),
    latencyP95: quantile(95),
    latencyP99: quantile(99),
  };
}

/** The page's time ranges, as a client may name them. */
export const RANGES = { "15m": 900, "1h": 3600, "6h": 21_600, "24h": 86_400, "7d": 604_800 } as const;
export type RangeName = keyof typeof RANGES;
/** Enough points for a chart, few enough to keep each query cheap (Prometheus itself refuses more than 11,000). */
export const MAX_POINTS = 1000;
export const MIN_STEP_SECONDS = 5;
const DEFAULT_POINTS = 240;

export interface QueryWindow {
  start: number;
  end: number;
  stepSeconds: number;
  rateWindowSeconds: number;
}

/**
 * Start, end and step of a range ending now (Unix seconds, aligned to the step so that refreshes reuse the same
 * points), and the rate window: one step, so that every sample counts towards a point, and never less than
 * `minRateWindowSeconds` (the platform's setting: at least four scrape intervals, so each window holds samples
 * enough). Returns a message when the step is out of bounds.
 */
export function queryWindow(
  range: RangeName,
  stepSeconds: number | undefined,
  nowMs: number,
  minRateWindowSeconds: number,
): QueryWindow | { problem: string } {
  const span = RANGES[range];
  const step =
    stepSeconds ?? Math.max(MIN_STEP_SECONDS, Math.ceil(span / DEFAULT_POINTS / MIN_STEP_SECONDS) * MIN_STEP_SECONDS);
  if (step < MIN_STEP_SECONDS) return { problem: `must be at least ${MIN_STEP_SECONDS}s` };
  if (span / step > MAX_POINTS) {
    return {
      problem: `gives more than ${MAX_POINTS} points over ${range}: use at least ${Math.ceil(span / MAX_POINTS)}s`,
    };
  }
  if (step > span) return { problem: `must not be longer than the range (${range})` };
  const end = Math.floor(nowMs / 1000 / step) * step;
  return { start: end - span, end, stepSeconds: step, rateWindowSeconds: Math.max(step, minRateWindowSeconds) };
}
