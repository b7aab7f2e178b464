// Instant queries against a Prometheus-compatible query endpoint (Prometheus, OpenObserve, Thanos, Mimir, …):
// GET <base>/api/v1/query. The canary analysis asks one number per query; loco's queries aggregate to one series.
import type { InstantQuery } from "./analysis-check.ts";

interface InstantAnswer {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { value?: [number, string] }[] | [number, string] };
}

/** An InstantQuery on `baseUrl`; throws when the endpoint does not answer or refuses the query. */
export function prometheusInstantQuery(baseUrl: string, timeoutMs = 10_000): InstantQuery {
  const base = baseUrl.replace(/\/+$/, "");
  return async (promql, time) => {
    const params = new URLSearchParams({ query: promql, ...(time === undefined ? {} : { time }) });
    const response = await fetch(`${base}/api/v1/query?${params}`, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const answer = (await response.json().catch(() => ({}))) as InstantAnswer;
    if (!response.ok || answer.status !== "success") {
      throw new Error(`HTTP ${response.status}${answer.error ? `: ${answer.error}` : ""}`);
    }
    const data = answer.data;
    // A scalar answers [t, "v"]; a vector a list of samples, of which loco's aggregated queries have one at most.
    const sample =
      data?.resultType === "scalar"
        ? (data.result as [number, string] | undefined)
        : (data?.result as { value?: [number, string] }[] | undefined)?.[0]?.value;
    if (!sample) return undefined;
    const value = Number(sample[1]);
    return Number.isFinite(value) ? value : undefined;
  };
}
