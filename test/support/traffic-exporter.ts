// Stand-ins for Apps' pods in metrics tests: one HTTP server whose paths each serve one "pod's" App-traffic
// histogram (loco's contract: http_server_request_duration_seconds, docs/telemetry.md) in Prometheus' text format.
// Each series grows at a fixed rate from an hour before the exporter started, so rate() over any window sees exactly
// that rate and the percentiles follow from the bucket shares — numbers a test can predict.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { APP_TRAFFIC_METRIC, STATUS_LABEL } from "../../api/metrics/app-traffic-queries.ts";

/** The bucket bounds every series has (OpenTelemetry's HTTP semantic-convention advice), as real histograms do. */
export const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

/**
 * Requests per second with one status, and the share of them at or below given bounds (cumulative); a bound of
 * BOUNDS not listed has the share of the nearest listed bound below it (0 below the first).
 */
export interface StatusTraffic {
  status: number;
  perSecond: number;
  /** Cumulative share per upper bound, ascending; +Inf is always 1. */
  buckets: [le: number, share: number][];
}

export interface PodTraffic {
  /** The path the pod's metrics are served on, such as /acme/shop/metrics. */
  path: string;
  traffic: StatusTraffic[];
  /** Labels the "pod" writes on its own series (what an App may try: it cannot choose its target labels). */
  ownLabels?: Record<string, string>;
}

export interface TrafficExporter {
  address: string;
  stop(): Promise<void>;
}

const seriesLabels = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
    .join(",");

/** The exposition of one pod at `nowMs`. */
export function exposition(pod: PodTraffic, sinceMs: number, nowMs: number): string {
  const seconds = (nowMs - sinceMs) / 1000;
  const lines = [`# TYPE ${APP_TRAFFIC_METRIC} histogram`];
  for (const t of pod.traffic) {
    const base = { ...pod.ownLabels, [STATUS_LABEL]: String(t.status) };
    const count = t.perSecond * seconds;
    for (const le of BOUNDS) {
      const share = t.buckets.filter(([bound]) => bound <= le).at(-1)?.[1] ?? 0;
      lines.push(`${APP_TRAFFIC_METRIC}_bucket{${seriesLabels({ ...base, le: String(le) })}} ${count * share}`);
    }
    lines.push(`${APP_TRAFFIC_METRIC}_bucket{${seriesLabels({ ...base, le: "+Inf" })}} ${count}`);
    lines.push(`${APP_TRAFFIC_METRIC}_count{${seriesLabels(base)}} ${count}`);
    lines.push(`${APP_TRAFFIC_METRIC}_sum{${seriesLabels(base)}} ${count * 0.1}`);
  }
  return `${lines.join("\n")}\n`;
}

export async function startTrafficExporter(pods: PodTraffic[]): Promise<TrafficExporter> {
  const since = Date.now() - 3_600_000;
  const byPath = new Map(pods.map((pod) => [pod.path, pod]));
  const server: Server = createServer((request, response) => {
    const pod = byPath.get(request.url ?? "");
    if (!pod) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(exposition(pod, since, Date.now()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
