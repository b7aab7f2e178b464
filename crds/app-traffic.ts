// loco's App-traffic contract (docs/telemetry.md), shared by the API's metrics page and the operator's canary
// analysis: the series every App's HTTP traffic is measured by, and the target labels the platform's scrape sets
// from Kubernetes service discovery — never labels the App writes itself (honor_labels: false renames those).

/** OpenTelemetry's `http.server.request.duration` histogram in Prometheus' naming (its `_bucket`, `_count`, `_sum`). */
export const APP_TRAFFIC_METRIC = "http_server_request_duration_seconds";
/** Target labels every App-traffic series carries, set by the scrape configuration. */
export const TRAFFIC_LABELS = {
  tenant: "loco_tenant",
  namespace: "namespace",
  app: "loco_app",
  /** From the pod label loco.dev/canary-of: the App a canary pod is the canary of (ADR 0010). */
  canaryOf: "loco_canary_of",
} as const;
/** The response status, an OpenTelemetry HTTP semantic-convention attribute of the point. */
export const STATUS_LABEL = "http_response_status_code";

/** A PromQL double-quoted string literal (Go's escaping rules). */
export function promString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\r/g, "\\r")}"`;
}
